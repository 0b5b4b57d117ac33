/**
 * `cairn blueprints validate` and `cairn blueprints plan`.
 */
import type { Command } from 'commander';
import {
  formatDiagnostic,
  prepareDeployment,
  summarizeDiagnostics,
  type Diagnostic,
  type Plan,
  type PreparedDeployment,
} from '@cairn/dsl';
import { EXIT } from '../exit-codes.js';
import type { Output } from '../output.js';
import { addSourceOptions, parseWithOptions, type SourceOptions } from './blueprint-source.js';

interface PlanOptions extends SourceOptions {
  readonly seed?: string;
}

/** A diagnostic as `--json` prints it. */
function jsonDiagnostic(d: Diagnostic): Record<string, string | number> {
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    file: d.file,
    line: d.line,
    column: d.column,
  };
}

function printDiagnostics(
  output: Output,
  diagnostics: readonly Diagnostic[],
  sources: Readonly<Record<string, string>>,
): void {
  for (const d of diagnostics) {
    output.err(formatDiagnostic(d, { sources, style: output.style }));
    output.err('');
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Registers the `blueprints` command group. */
export function registerBlueprintCommands(
  program: Command,
  output: Output,
  state: { status: number },
): void {
  const blueprints = program
    .command('blueprints')
    .description('check, plan and store blueprints')
    .addHelpText(
      'after',
      '\nExamples:\n  $ cairn blueprints validate blueprint.yaml\n  $ cairn blueprints plan blueprint.yaml -i inputs.yaml --json',
    );

  addSourceOptions(
    blueprints
      .command('validate')
      .argument('<path>', 'the blueprint file (or a directory holding blueprint.yaml)')
      .description(
        'parse and validate a blueprint and its imports; exit 0 when valid, 1 when not, 2 on a usage error',
      ),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ cairn blueprints validate blueprint.yaml
  $ cairn blueprints validate app.yaml --plugins-dir ./plugins -i inputs.yaml
  $ cairn blueprints validate app.yaml --import-rule https://example.com/types/=./vendor/types/ --offline
  $ cairn blueprints validate app.yaml --blueprint-import infra=../infra/blueprint.yaml --json`,
    )
    .action(async (path: string, options: SourceOptions) => {
      const { result, inputs } = await parseWithOptions(path, options);
      let diagnostics = result.diagnostics;
      let ok = result.ok;
      if (ok && result.plan !== undefined && Object.keys(inputs).length > 0) {
        // Inputs were given: check them as creating a deployment would.
        const prepared = prepareDeployment(result.plan, {
          inputs,
          ...(result.sourceMap === undefined ? {} : { sourceMap: result.sourceMap }),
        });
        diagnostics = [...diagnostics, ...prepared.diagnostics];
        ok = prepared.ok;
      }
      if (options.json === true) {
        output.out(
          JSON.stringify(
            { ok, diagnostics: diagnostics.map(jsonDiagnostic), plan: ok ? result.plan : null },
            null,
            2,
          ),
        );
      } else {
        printDiagnostics(output, diagnostics, result.sources);
        if (ok) {
          const plan = result.plan as Plan;
          output.out(
            `${output.style.ok('✔')} ${path} is valid: ${plural(plan.nodes.length, 'node template')}, ${plural(Object.keys(plan.inputs).length, 'input')}, ${plural(Object.keys(plan.workflows).length, 'workflow')}${diagnostics.length > 0 ? ` (${summarizeDiagnostics(diagnostics)})` : ''}.`,
          );
        } else {
          output.err(
            `${output.style.error('✖')} ${path} is not valid: ${summarizeDiagnostics(diagnostics)}.`,
          );
        }
      }
      state.status = ok ? EXIT.OK : EXIT.FAILED;
    });

  addSourceOptions(
    blueprints
      .command('plan')
      .argument('<path>', 'the blueprint file (or a directory holding blueprint.yaml)')
      .description(
        'show the deployment a blueprint would create: resolved inputs, node instances, relationships',
      )
      .option('--seed <seed>', 'make node instance ids reproducible'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ cairn blueprints plan examples/hello-world/blueprint.yaml
  $ cairn blueprints plan app.yaml -i 'region=eu-west-1;size=2' --seed 42 --json`,
    )
    .action(async (path: string, options: PlanOptions) => {
      const { result, inputs } = await parseWithOptions(path, options);
      let diagnostics = result.diagnostics;
      let deployment: PreparedDeployment | undefined;
      if (result.ok && result.plan !== undefined) {
        const prepared = prepareDeployment(result.plan, {
          inputs,
          ...(options.seed === undefined ? {} : { seed: options.seed }),
          ...(result.sourceMap === undefined ? {} : { sourceMap: result.sourceMap }),
        });
        diagnostics = [...diagnostics, ...prepared.diagnostics];
        deployment = prepared.ok ? prepared.deployment : undefined;
      }
      const ok = deployment !== undefined;
      if (options.json === true) {
        output.out(
          JSON.stringify(
            { ok, diagnostics: diagnostics.map(jsonDiagnostic), plan: deployment ?? null },
            null,
            2,
          ),
        );
      } else {
        printDiagnostics(output, diagnostics, result.sources);
        if (deployment !== undefined) printPlan(output, path, deployment);
        else
          output.err(
            `${output.style.error('✖')} ${path}: no plan, ${summarizeDiagnostics(diagnostics)}.`,
          );
      }
      state.status = ok ? EXIT.OK : EXIT.FAILED;
    });
}

function printPlan(output: Output, path: string, deployment: PreparedDeployment): void {
  const { plan, inputs, node_instances: instances } = deployment;
  const s = output.style;
  const lines: string[] = [];
  lines.push(`${s.bold('Blueprint')} ${path} (${plan.version.raw})`);
  if (plan.description !== null) lines.push(`  ${plan.description.trim().split('\n')[0] ?? ''}`);
  const inputNames = Object.keys(inputs);
  lines.push('', s.bold(`Inputs (${inputNames.length})`));
  for (const name of inputNames) {
    const hidden = plan.inputs[name]?.hidden === true;
    lines.push(`  ${name} = ${hidden ? '<hidden>' : JSON.stringify(inputs[name])}`);
  }
  lines.push('', s.bold(`Node instances (${instances.length})`));
  const byNode = new Map(plan.nodes.map((n) => [n.id, n]));
  for (const instance of instances) {
    const node = byNode.get(instance.node_id);
    const host =
      instance.host_id !== undefined && instance.host_id !== instance.id
        ? s.dim(` on ${instance.host_id}`)
        : '';
    lines.push(`  ${instance.id}  ${s.dim(node?.type ?? '')}${host}`);
    for (const rel of instance.relationships) {
      const type = rel.type.replace(/^cloudify\.relationships\./, '');
      lines.push(`    ${s.dim('→')} ${type} ${rel.target_id}`);
    }
  }
  const workflows = Object.keys(plan.workflows);
  lines.push('', `${s.bold('Workflows')} ${workflows.join(', ')}`);
  const outputs = Object.keys(plan.outputs);
  if (outputs.length > 0) lines.push(`${s.bold('Outputs')} ${outputs.join(', ')}`);
  lines.push('', s.dim('Use --json for the full plan.'));
  output.out(lines.join('\n'));
}
