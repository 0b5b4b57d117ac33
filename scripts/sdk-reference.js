// Generates docs/plugins/ctx-api.md, the reference of `@cairn/plugin-sdk`, from the TSDoc of
// what its index.ts exports (the TypeScript compiler reads the sources; nothing is written by
// hand). `npm run gen:docs` writes it; packages/plugin-sdk/src/reference.test.ts checks that it
// is current.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = join(root, 'packages/plugin-sdk/src/index.ts');

/** The order sections appear in, by what the export is. */
const SECTIONS = [
  [
    'Operation context',
    [
      'OperationContext',
      'ContextNode',
      'ContextInstance',
      'ContextInstanceView',
      'ContextRelationship',
      'ContextEndpoint',
      'ContextLogger',
      'TemplateVariables',
    ],
  ],
  [
    'Workflow context',
    [
      'WorkflowContext',
      'WorkflowNode',
      'WorkflowNodeInstance',
      'WorkflowRelationship',
      'WorkflowGraph',
      'WorkflowSequence',
      'WorkflowTask',
      'WorkflowStep',
      'WorkflowTaskKind',
      'ExecuteOperationOptions',
    ],
  ],
  [
    'Errors',
    [
      'NonRecoverableError',
      'RecoverableError',
      'OperationRetry',
      'WorkflowFailed',
      'PluginErrorOptions',
      'RecoverableErrorOptions',
      'PluginErrorCause',
    ],
  ],
  [
    'Declaring functions',
    [
      'operation',
      'workflow',
      'definePlugin',
      'Operation',
      'Workflow',
      'OperationResult',
      'PluginFunctions',
    ],
  ],
  ['Other', []],
];

function docOf(symbol, checker) {
  return ts
    .displayPartsToString(symbol.getDocumentationComment(checker))
    .replace(/\{@link\s+([^}\s]+)\s*\}/g, '`$1`')
    .trim();
}

function oneLine(text) {
  return text.replace(/\s+/g, ' ').replace(/\|/g, '\\|');
}

function memberRows(type, checker, node) {
  const rows = [];
  for (const member of checker.getPropertiesOfType(type)) {
    const decl = member.valueDeclaration ?? member.declarations?.[0];
    const memberType = checker.getTypeOfSymbolAtLocation(member, decl ?? node);
    const calls = memberType.getCallSignatures();
    const signature =
      decl !== undefined && (ts.isMethodSignature(decl) || ts.isMethodDeclaration(decl))
        ? calls.map((c) => `${member.name}${checker.signatureToString(c)}`).join('<br>')
        : `${member.name}: ${checker.typeToString(memberType, node, ts.TypeFormatFlags.NoTruncation)}`;
    rows.push(`| \`${oneLine(signature)}\` | ${oneLine(docOf(member, checker)) || '—'} |`);
  }
  return rows;
}

/** The Markdown reference of the SDK's exports. */
export function renderSdkReference() {
  const program = ts.createProgram([entry], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    types: ['node'],
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  const exports = checker.getExportsOfModule(moduleSymbol);
  const byName = new Map(exports.map((s) => [s.name, s]));
  const placed = new Set(SECTIONS.flatMap(([, names]) => names));
  const other = exports
    .map((s) => s.name)
    .filter((n) => !placed.has(n))
    .sort();

  let out = `# \`@cairn/plugin-sdk\` reference

Generated from the SDK's TSDoc by \`npm run gen:docs\` (scripts/sdk-reference.js); do not edit.
How to write a plugin with it: [authoring.md](authoring.md).
`;
  for (const [title, names] of SECTIONS) {
    const list = title === 'Other' ? other : names;
    if (list.length === 0) continue;
    out += `\n## ${title}\n`;
    for (const name of list) {
      const exported = byName.get(name);
      if (exported === undefined) throw new Error(`sdk-reference: '${name}' is not exported`);
      const symbol =
        exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const decl = symbol.declarations?.[0];
      out += `\n### \`${name}\`\n\n`;
      const doc = docOf(symbol, checker);
      if (doc !== '') out += `${doc}\n\n`;
      if (decl !== undefined && ts.isInterfaceDeclaration(decl)) {
        const rows = memberRows(checker.getDeclaredTypeOfSymbol(symbol), checker, decl);
        if (rows.length > 0) out += `| member | |\n|---|---|\n${rows.join('\n')}\n`;
      } else if (decl !== undefined && ts.isClassDeclaration(decl)) {
        const ctor = checker.getTypeOfSymbolAtLocation(symbol, decl).getConstructSignatures()[0];
        if (ctor !== undefined) out += `\`new ${name}${checker.signatureToString(ctor)}\`\n\n`;
        const own = memberRows(checker.getDeclaredTypeOfSymbol(symbol), checker, decl).filter(
          (row) => !/^\| `(message|name|stack|cause)[:(]/.test(row),
        );
        if (own.length > 0) out += `| member | |\n|---|---|\n${own.join('\n')}\n`;
      } else if (decl !== undefined && ts.isFunctionDeclaration(decl)) {
        const type = checker.getTypeOfSymbolAtLocation(symbol, decl);
        for (const sig of type.getCallSignatures()) {
          out += `\`${name}${checker.signatureToString(sig, decl, ts.TypeFormatFlags.NoTruncation)}\`\n\n`;
        }
      } else if (decl !== undefined && ts.isTypeAliasDeclaration(decl)) {
        out += `\`type ${name} = ${oneLine(decl.type.getText())}\`\n`;
      } else if (decl !== undefined && ts.isVariableDeclaration(decl)) {
        out += `\`${name} = ${decl.initializer?.getText() ?? '…'}\`\n`;
      }
    }
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(join(root, 'docs/plugins/ctx-api.md'), renderSdkReference());
  console.log('wrote docs/plugins/ctx-api.md');
}
