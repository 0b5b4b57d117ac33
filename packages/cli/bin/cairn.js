#!/usr/bin/env node
// The `cairn` command. The CLI itself lives in ../dist (built by `npm ci` / `npm run build`).
import { main } from '../dist/index.js';

process.exitCode = await main(process.argv.slice(2));
