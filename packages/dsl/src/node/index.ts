/**
 * `@cairn/dsl/node` — the parts of the parser that need Node.js: reading files, fetching URL
 * imports, a plugins directory, and the configuration file.
 */
export { createNodeHost, displayPath, fileUrl, type NodeHostOptions } from './node-host.js';
export { loadConfig, normalizeRule, parseRuleArgument, type CairnConfig } from './config.js';
