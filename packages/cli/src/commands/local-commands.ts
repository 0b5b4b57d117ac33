/**
 * Local mode's verbs: `install`, `uninstall`, `executions`, `deployments`, `node-instances`,
 * `events`, and `blueprints list|upload|delete`. State lives in `$CAIRN_HOME` (one SQLite
 * file); operations run in worker processes on this machine.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import {
  formatDiagnostic,
  summarizeDiagnostics,
  type Plan,
  type PlanSourceMap,
  type PlanValue,
} from '@cairn/dsl';
import {
  DeploymentInputError,
  type DryRunStep,
  type ExecutionHandle,
  type ExecutionSettings,
} from '@cairn/engine';
import { ConflictError, NotFoundError, UsageError } from '@cairn/errors';
import type { ExecutionRecord, JsonObject, NodeInstanceRecord, Store } from '@cairn/store';
import { EXIT } from '../exit-codes.js';
import { parseInputs } from '../inputs.js';
import { openLocal, type LocalProfile } from '../local/local-profile.js';
import { formatEventLine, progressFor } from '../local/progress.js';
import type { Output } from '../output.js';
import { addSourceOptions, parseWithOptions, type SourceOptions } from './blueprint-source.js';

type State = { status: number };

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function integer(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n)) throw new UsageError(`${name} takes a whole number, not '${value}'.`);
    return n;
  };
}

function seconds(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0)
      throw new UsageError(`${name} takes seconds (≥ 0), not '${value}'.`);
    return n;
  };
}

interface RunOptions {
  readonly taskRetries?: number;
  readonly taskRetryInterval?: number;
  readonly parallelism?: number;
  readonly plugin?: string[];
  readonly json?: boolean;
}

function addRunOptions(command: Command, defaults: { retries: number; interval: number }): Command {
  return command
    .option(
      '--task-retries <n>',
      `retries of a failed operation, -1 for unlimited (default: ${defaults.retries})`,
      integer('--task-retries'),
    )
    .option(
      '--task-retry-interval <seconds>',
      `seconds between retries (default: ${defaults.interval})`,
      seconds('--task-retry-interval'),
    )
    .option(
      '--parallelism <n>',
      'at most this many tasks at once (default: 50)',
      integer('--parallelism'),
    )
    .option(
      '--plugin <name=dir>',
      'where the code of a plugin the blueprint uses is (repeatable)',
      collect,
    );
}

function settingsOf(
  options: RunOptions,
  defaults: { retries: number; interval: number },
): Partial<ExecutionSettings> {
  return {
    task_retries: options.taskRetries ?? defaults.retries,
    task_retry_interval: options.taskRetryInterval ?? defaults.interval,
    ...(options.parallelism === undefined ? {} : { parallelism: Math.max(1, options.parallelism) }),
  };
}

/** Opens the local profile, runs `work`, and always closes it. */
async function withLocal<T>(
  options: {
    readonly plugin?: string[];
    readonly parallelism?: number;
    /** The command runs a workflow: boot a worker's Node ahead of need (ADR 0013). */
    readonly runsWorkflows?: boolean;
  },
  work: (local: LocalProfile) => Promise<T>,
): Promise<T> {
  const local = await openLocal({
    plugins: options.plugin ?? [],
    spareWorkers: options.runsWorkflows === true ? 1 : 0,
    // As many workers per plugin as operations may run at once.
    ...(options.parallelism === undefined
      ? {}
      : { maxWorkersPerPlugin: Math.max(1, options.parallelism) }),
  });
  try {
    return await work(local);
  } finally {
    await local.close();
  }
}

/** Cloudify's default blueprint id: the blueprint's folder name (plus `.<file>` if not blueprint.yaml). */
export function defaultBlueprintId(path: string): string {
  const absolute = resolve(path);
  const file =
    existsSync(absolute) && !absolute.endsWith('.yaml') && !absolute.endsWith('.yml')
      ? join(absolute, 'blueprint.yaml')
      : absolute;
  const folder = basename(dirname(file)).replace(/_/g, '-');
  const stem = basename(file).replace(/\.ya?ml$/, '');
  return stem === 'blueprint' ? folder : `${folder}.${stem}`;
}

async function resolveDeployment(store: Store, given: string | undefined): Promise<string> {
  if (given !== undefined) return given;
  const all = await store.listDeployments();
  if (all.length === 1 && all[0] !== undefined) return all[0].id;
  if (all.length === 0)
    throw new UsageError('There are no deployments. Install one with `cairn install PATH`.');
  throw new UsageError(
    `There are ${all.length} deployments (${all.map((d) => d.id).join(', ')}); say which one with -d.`,
  );
}

/** Waits for an execution, cancelling it on Ctrl-C (a second Ctrl-C kills running operations). */
async function follow(handle: ExecutionHandle, output: Output): Promise<ExecutionRecord> {
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    output.err(
      interrupts === 1
        ? 'Cancelling: running operations will finish (Ctrl-C again to kill them)…'
        : 'Force-cancelling: killing running operations…',
    );
    handle.cancel(interrupts > 1);
  };
  process.on('SIGINT', onSignal);
  try {
    return await handle.done;
  } finally {
    process.off('SIGINT', onSignal);
  }
}

function executionJson(e: ExecutionRecord): JsonObject {
  return {
    id: e.id,
    workflow_id: e.workflow_id,
    deployment_id: e.deployment_id,
    status: e.status,
    parameters: e.parameters,
    created_at: e.created_at,
    started_at: e.started_at,
    ended_at: e.ended_at,
    error: e.error,
  };
}

function instanceJson(i: NodeInstanceRecord): JsonObject {
  return {
    id: i.id,
    node_id: i.node_id,
    deployment_id: i.deployment_id,
    host_id: i.host_id,
    state: i.state,
    runtime_properties: i.runtime_properties,
    system_properties: i.system_properties,
    relationships: i.relationships.map((r) => ({ ...r })),
    scaling_groups: i.scaling_groups.map((g) => ({ ...g })),
    index: i.index,
    version: i.version,
  };
}

function duration(e: ExecutionRecord): string {
  if (e.started_at === null || e.ended_at === null) return '';
  const ms = Date.parse(e.ended_at) - Date.parse(e.started_at);
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function reportExecution(output: Output, e: ExecutionRecord, state: State): void {
  const s = output.style;
  if (e.status === 'terminated') {
    output.err(
      `${s.ok('✔')} '${e.workflow_id}' on ${e.deployment_id} succeeded in ${duration(e)} (execution ${e.id}).`,
    );
    state.status = EXIT.OK;
    return;
  }
  output.err(
    `${s.error('✖')} '${e.workflow_id}' on ${e.deployment_id} ${e.status}${e.error === '' ? '' : `: ${e.error}`}`,
  );
  output.err(s.dim(`  Resume it with: cairn executions resume ${e.id}`));
  state.status = EXIT.FAILED;
}

function printDryRun(output: Output, steps: readonly DryRunStep[], json: boolean): void {
  if (json) {
    output.out(JSON.stringify(steps, null, 2));
    return;
  }
  const s = output.style;
  let n = 0;
  for (const step of steps) {
    if (step.kind !== 'operation') continue;
    n++;
    const side =
      step.side === undefined ? '' : s.dim(` (${step.side} side, → ${step.target_id ?? '?'})`);
    output.out(`${String(n).padStart(4)}. ${s.bold(step.node_instance_id)}  ${step.what}${side}`);
  }
  output.out(
    s.dim(
      `${n} operation${n === 1 ? '' : 's'} would run (${steps.length} tasks in all, with state changes and events); nothing was run.`,
    ),
  );
}

function printDiagnostics(
  output: Output,
  error: DeploymentInputError,
  sources: Readonly<Record<string, string>>,
): void {
  for (const d of error.diagnostics) {
    output.err(formatDiagnostic(d, { sources, style: output.style }));
    output.err('');
  }
}

/** Copies a blueprint's folder under `$CAIRN_HOME/blueprints/<id>`, replacing an older copy. */
function copyBlueprint(home: string, id: string, file: string): string {
  const target = join(home, 'blueprints', id);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  const source = dirname(file);
  const state = resolve(home);
  const skip = new Set(['.git', 'node_modules', '.cairn']);
  // Cairn's own state may live inside the blueprint's folder: it is not part of the blueprint.
  const filter = (src: string): boolean => !skip.has(basename(src)) && resolve(src) !== state;
  const inside = state.startsWith(resolve(source) + sep);
  if (!inside) {
    cpSync(source, target, { recursive: true, filter });
    return target;
  }
  // `cp` refuses to copy a folder into itself, even when the filter leaves that part out:
  // stage the copy elsewhere first.
  const staging = mkdtempSync(join(tmpdir(), 'cairn-blueprint-'));
  try {
    cpSync(source, staging, { recursive: true, filter });
    cpSync(staging, target, { recursive: true });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return target;
}

interface UploadResult {
  readonly id: string;
  readonly plan: Plan;
  readonly sources: Readonly<Record<string, string>>;
  readonly sourceMap: PlanSourceMap | undefined;
  readonly inputs: { [name: string]: PlanValue };
}

/** Parses, checks and stores a blueprint; prints diagnostics and returns undefined when invalid. */
async function upload(
  local: LocalProfile,
  path: string,
  options: SourceOptions & { readonly blueprintId?: string },
  output: Output,
): Promise<UploadResult | undefined> {
  const { result, inputs } = await parseWithOptions(path, options);
  for (const d of result.diagnostics) {
    output.err(formatDiagnostic(d, { sources: result.sources, style: output.style }));
    output.err('');
  }
  if (!result.ok || result.plan === undefined) {
    output.err(
      `${output.style.error('✖')} ${path} is not valid: ${summarizeDiagnostics(result.diagnostics)}.`,
    );
    return undefined;
  }
  const absolute = resolve(path);
  const file =
    absolute.endsWith('.yaml') || absolute.endsWith('.yml')
      ? absolute
      : join(absolute, 'blueprint.yaml');
  const id = options.blueprintId ?? defaultBlueprintId(path);
  const resources = copyBlueprint(local.home, id, file);
  await local.engine.putBlueprint({
    id,
    plan: result.plan as unknown as JsonObject,
    main_file_name: basename(file),
    resources_path: resources,
    description: result.plan.description,
  });
  local.addBlueprintDir(id, resources);
  return {
    id,
    plan: result.plan,
    sources: result.sources,
    sourceMap: result.sourceMap,
    inputs: inputs,
  };
}

function printOutputs(output: Output, outputs: Record<string, unknown>): void {
  const names = Object.keys(outputs);
  if (names.length === 0) return;
  output.out(output.style.bold('Outputs'));
  for (const name of names) output.out(`  ${name}: ${JSON.stringify(outputs[name])}`);
}

/** Registers local mode's commands. */
export function registerLocalCommands(program: Command, output: Output, state: State): void {
  const INSTALL_DEFAULTS = { retries: 5, interval: 3 };
  const RUN_DEFAULTS = { retries: 0, interval: 1 };

  addRunOptions(
    addSourceOptions(
      program
        .command('install')
        .argument('<path>', 'the blueprint file (or a directory holding blueprint.yaml)')
        .description(
          'store the blueprint, create a deployment from it and run its install workflow, locally',
        )
        .option('-b, --blueprint-id <id>', 'the blueprint id (default: the blueprint folder name)')
        .option('-d, --deployment-id <id>', 'the deployment id (default: the blueprint id)'),
    ),
    INSTALL_DEFAULTS,
  )
    .addHelpText(
      'after',
      `
State is kept in $CAIRN_HOME (default ~/.cairn). A plugin the blueprint declares with a
package_name runs from its installed bundle (cairn plugins install), pinned to the version
chosen now; other plugin code is looked up in the blueprint's plugins/<name>/ folder, Cairn's
own plugins, or where --plugin says.

Examples:
  $ cairn install examples/hello-world
  $ cairn install app/blueprint.yaml -d app-test -i 'region=eu-west-1' --task-retries 2
  $ cairn install app.yaml --plugin myplugin=./myplugin --parallelism 10`,
    )
    .action(
      async (
        path: string,
        options: SourceOptions & RunOptions & { blueprintId?: string; deploymentId?: string },
      ) => {
        await withLocal({ ...options, runsWorkflows: true }, async (local) => {
          const existingId =
            options.deploymentId ?? options.blueprintId ?? defaultBlueprintId(path);
          const existing = await local.store.getDeployment(existingId);
          if (existing !== undefined) {
            throw new ConflictError(
              `A deployment '${existingId}' already exists (created ${existing.created_at}). Uninstall it first (cairn uninstall -d ${existingId}) or choose another id with -d.`,
            );
          }
          const uploaded = await upload(local, path, options, output);
          if (uploaded === undefined) {
            state.status = EXIT.FAILED;
            return;
          }
          const deploymentId = options.deploymentId ?? uploaded.id;
          // Installed plugins are pinned now: installing newer versions later changes nothing.
          const plugins = await local.pinPlugins(uploaded.plan);
          try {
            await local.engine.createDeployment({
              id: deploymentId,
              blueprintId: uploaded.id,
              inputs: uploaded.inputs,
              plugins,
              ...(uploaded.sourceMap === undefined ? {} : { sourceMap: uploaded.sourceMap }),
            });
          } catch (error) {
            if (error instanceof DeploymentInputError) {
              printDiagnostics(output, error, uploaded.sources);
              output.err(
                `${output.style.error('✖')} The deployment '${deploymentId}' was not created: ${summarizeDiagnostics(error.diagnostics)}.`,
              );
              state.status = EXIT.FAILED;
              return;
            }
            throw error;
          }
          const progress = progressFor(output);
          const handle = await local.engine.startExecution({
            deploymentId,
            workflowId: 'install',
            settings: settingsOf(options, INSTALL_DEFAULTS),
            listener: progress.listener,
          });
          const final = await follow(handle, output);
          progress.stop();
          reportExecution(output, final, state);
          if (final.status === 'terminated')
            printOutputs(output, await local.engine.outputs(deploymentId));
        });
      },
    );

  addRunOptions(
    program
      .command('uninstall')
      .description(
        "run a deployment's uninstall workflow, then remove the deployment (and its blueprint, if unused)",
      )
      .option('-d, --deployment-id <id>', 'the deployment (default: the only one)')
      .option(
        '--ignore-failure',
        'keep going when an operation fails, and remove the deployment anyway',
      )
      .option('--keep', 'keep the deployment and blueprint records after uninstalling'),
    RUN_DEFAULTS,
  )
    .addHelpText(
      'after',
      '\nExamples:\n  $ cairn uninstall\n  $ cairn uninstall -d app-test --ignore-failure',
    )
    .action(
      async (
        options: RunOptions & { deploymentId?: string; ignoreFailure?: boolean; keep?: boolean },
      ) => {
        await withLocal({ ...options, runsWorkflows: true }, async (local) => {
          const deploymentId = await resolveDeployment(local.store, options.deploymentId);
          const deployment = await local.store.getDeployment(deploymentId);
          if (deployment === undefined)
            throw new NotFoundError(`There is no deployment '${deploymentId}'.`);
          const progress = progressFor(output);
          const handle = await local.engine.startExecution({
            deploymentId,
            workflowId: 'uninstall',
            parameters: { ignore_failure: options.ignoreFailure === true },
            settings: settingsOf(options, RUN_DEFAULTS),
            listener: progress.listener,
          });
          const final = await follow(handle, output);
          progress.stop();
          reportExecution(output, final, state);
          if (final.status !== 'terminated' || options.keep === true) return;
          await local.store.deleteDeployment(deploymentId);
          const users = await local.store.listDeployments({
            blueprint_id: deployment.blueprint_id,
          });
          if (users.length === 0) {
            const bp = await local.store.getBlueprint(deployment.blueprint_id);
            await local.store.deleteBlueprint(deployment.blueprint_id);
            if (bp !== undefined && bp.resources_path.startsWith(local.home)) {
              rmSync(bp.resources_path, { recursive: true, force: true });
            }
          }
          output.err(output.style.dim(`Removed the deployment '${deploymentId}'.`));
        });
      },
    );

  registerExecutionCommands(program, output, state);
  registerDeploymentCommands(program, output, state);
  registerBlueprintStoreCommands(program, output, state);
}

function registerExecutionCommands(program: Command, output: Output, state: State): void {
  const executions = program
    .command('executions')
    .description('start, list, cancel and resume workflow executions');

  addRunOptions(
    executions
      .command('start')
      .argument('<workflow>', 'the workflow, e.g. install, uninstall, execute_operation')
      .description('run a workflow on a deployment')
      .option('-d, --deployment-id <id>', 'the deployment (default: the only one)')
      .option(
        '-p, --parameters <file|key=value>',
        'workflow parameters: a YAML/JSON file, or key=value pairs (repeatable)',
        collect,
      )
      .option('--allow-custom-parameters', 'pass parameters the workflow does not declare')
      .option('--dry-run', 'print the operations it would run, in order, and run nothing')
      .option('--json', 'print the execution (or the dry run) as JSON'),
    { retries: 0, interval: 1 },
  )
    .addHelpText(
      'after',
      `
Examples:
  $ cairn executions start install -d app
  $ cairn executions start execute_operation -d app -p operation=cloudify.interfaces.lifecycle.start -p 'node_ids=[web]'
  $ cairn executions start uninstall -d app --dry-run`,
    )
    .action(
      async (
        workflow: string,
        options: RunOptions & {
          deploymentId?: string;
          parameters?: string[];
          allowCustomParameters?: boolean;
          dryRun?: boolean;
        },
      ) => {
        await withLocal({ ...options, runsWorkflows: true }, async (local) => {
          const deploymentId = await resolveDeployment(local.store, options.deploymentId);
          const parameters = parseInputs(options.parameters ?? [], process.cwd()) as {
            [k: string]: PlanValue;
          };
          const request = {
            deploymentId,
            workflowId: workflow,
            parameters,
            allowCustomParameters: options.allowCustomParameters === true,
            settings: settingsOf(options, { retries: 0, interval: 1 }),
          };
          if (options.dryRun === true) {
            printDryRun(output, await local.engine.dryRun(request), options.json === true);
            return;
          }
          const progress = options.json === true ? undefined : progressFor(output);
          const handle = await local.engine.startExecution({
            ...request,
            ...(progress ? { listener: progress.listener } : {}),
          });
          const final = await follow(handle, output);
          progress?.stop();
          if (options.json === true) {
            output.out(JSON.stringify(executionJson(final), null, 2));
            state.status = final.status === 'terminated' ? EXIT.OK : EXIT.FAILED;
          } else reportExecution(output, final, state);
        });
      },
    );

  executions
    .command('list')
    .description('list executions, newest last')
    .option('-d, --deployment-id <id>', 'only this deployment’s')
    .option('--json', 'print JSON')
    .action(async (options: { deploymentId?: string; json?: boolean }) => {
      await withLocal({}, async (local) => {
        await local.engine.recoverInterrupted();
        const list = await local.store.listExecutions(
          options.deploymentId === undefined ? {} : { deployment_id: options.deploymentId },
        );
        if (options.json === true) {
          output.out(JSON.stringify(list.map(executionJson), null, 2));
          return;
        }
        if (list.length === 0) output.err('No executions.');
        for (const e of list) {
          output.out(
            `${e.id}  ${e.deployment_id}  ${e.workflow_id.padEnd(18)} ${e.status.padEnd(10)} ${e.created_at}${e.error === '' ? '' : `  ${output.style.dim(e.error.split('\n')[0] ?? '')}`}`,
          );
        }
      });
    });

  executions
    .command('get')
    .argument('<id>', 'the execution id')
    .description('show one execution')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      await withLocal({}, async (local) => {
        await local.engine.recoverInterrupted();
        const e = await local.store.getExecution(id);
        if (e === undefined) throw new NotFoundError(`There is no execution '${id}'.`);
        if (options.json === true) output.out(JSON.stringify(executionJson(e), null, 2));
        else {
          output.out(
            [
              `Execution ${e.id}`,
              `  workflow    ${e.workflow_id}`,
              `  deployment  ${e.deployment_id}`,
              `  status      ${e.status}`,
              `  parameters  ${JSON.stringify(e.parameters)}`,
              `  created     ${e.created_at}`,
              `  ended       ${e.ended_at ?? '-'}`,
              ...(e.error === '' ? [] : [`  error       ${e.error}`]),
            ].join('\n'),
          );
        }
      });
    });

  executions
    .command('cancel')
    .argument('<id>', 'the execution id')
    .description('stop an execution: running operations finish (with --force they are killed)')
    .option('--force', 'kill running operations too')
    .action(async (id: string, options: { force?: boolean }) => {
      await withLocal({}, async (local) => {
        const e = await local.engine.cancel(id, options.force === true);
        output.err(
          `Asked execution ${e.id} to ${options.force === true ? 'force-' : ''}cancel (now ${e.status}).`,
        );
      });
    });

  addRunOptions(
    executions
      .command('resume')
      .argument('<id>', 'the execution id')
      .description(
        'resume a failed, cancelled or interrupted execution: only what did not succeed runs again',
      ),
    { retries: 0, interval: 1 },
  ).action(async (id: string, options: RunOptions) => {
    await withLocal({ ...options, runsWorkflows: true }, async (local) => {
      const progress = progressFor(output);
      const handle = await local.engine.resume(id, progress.listener);
      const final = await follow(handle, output);
      progress.stop();
      reportExecution(output, final, state);
    });
  });
}

function registerDeploymentCommands(program: Command, output: Output, state: State): void {
  const deployments = program
    .command('deployments')
    .description('list deployments and show their inputs, outputs and capabilities');
  deployments
    .command('list')
    .description('list deployments')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withLocal({}, async (local) => {
        const list = await local.store.listDeployments();
        if (options.json === true) {
          output.out(
            JSON.stringify(
              list.map((d) => ({
                id: d.id,
                blueprint_id: d.blueprint_id,
                created_at: d.created_at,
                updated_at: d.updated_at,
              })),
              null,
              2,
            ),
          );
          return;
        }
        if (list.length === 0) output.err('No deployments.');
        for (const d of list)
          output.out(
            `${d.id}  ${output.style.dim(`blueprint ${d.blueprint_id}, created ${d.created_at}`)}`,
          );
      });
    });
  deployments
    .command('update-plugins')
    .description('move a deployment to newer installed versions of the plugins it is pinned to')
    .argument('<deployment-id>', 'the deployment')
    .option('--to-latest', 'the highest installed version, even of another major version')
    .option('--plugin <name>', 'only this plugin (the plugins: key; repeatable)', collect)
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
A deployment runs the plugin bundles chosen when it was created, whatever is installed later.
This moves it, by default to the highest installed version with the same major version.`,
    )
    .action(
      async (
        deploymentId: string,
        options: { toLatest?: boolean; plugin?: string[]; json?: boolean },
      ) => {
        await withLocal({}, async (local) => {
          const deployment = await local.store.getDeployment(deploymentId);
          if (deployment === undefined) {
            throw new NotFoundError(`There is no deployment '${deploymentId}'.`);
          }
          const only = options.plugin === undefined ? undefined : new Set(options.plugin);
          for (const name of only ?? []) {
            if (!deployment.plugins.some((p) => p.name === name)) {
              throw new UsageError(
                `The deployment '${deploymentId}' is not pinned to a plugin '${name}' (pinned: ${deployment.plugins.map((p) => p.name).join(', ') || 'none'}).`,
              );
            }
          }
          const moves = await local.planPluginUpdate(deployment.plugins, {
            toLatest: options.toLatest === true,
            ...(only === undefined ? {} : { only }),
          });
          const changed = moves.filter((m) => m.to.bundle_id !== m.from.bundle_id);
          if (changed.length > 0) {
            await local.engine.updateDeploymentPlugins(
              deploymentId,
              moves.map((m) => m.to),
            );
          }
          if (options.json === true) {
            output.out(JSON.stringify(moves, null, 2));
            return;
          }
          if (deployment.plugins.length === 0) {
            output.err(`The deployment '${deploymentId}' is pinned to no installed plugin.`);
          }
          for (const m of moves) {
            output.out(
              m.to.bundle_id === m.from.bundle_id
                ? `${m.from.name}: ${m.from.package_name} ${m.from.package_version} ${output.style.dim('(already the newest that fits)')}`
                : `${m.from.name}: ${m.from.package_name} ${m.from.package_version} → ${m.to.package_version} ${output.style.dim(`(${m.to.bundle_id.slice(0, 12)})`)}`,
            );
          }
        });
      },
    );
  for (const what of ['inputs', 'outputs', 'capabilities'] as const) {
    deployments
      .command(what)
      .description(`show a deployment's ${what}${what === 'inputs' ? '' : ', evaluated now'}`)
      .option('-d, --deployment-id <id>', 'the deployment (default: the only one)')
      .option('--json', 'print JSON')
      .action(async (options: { deploymentId?: string; json?: boolean }) => {
        await withLocal({}, async (local) => {
          const id = await resolveDeployment(local.store, options.deploymentId);
          const deployment = await local.store.getDeployment(id);
          if (deployment === undefined) throw new NotFoundError(`There is no deployment '${id}'.`);
          let values: Record<string, unknown>;
          if (what === 'inputs') {
            const plan = deployment.plan as unknown as Plan;
            values = Object.fromEntries(
              Object.entries(deployment.inputs).map(([k, v]) => [
                k,
                plan.inputs[k]?.hidden === true ? '<hidden>' : v,
              ]),
            );
          } else
            values =
              what === 'outputs'
                ? await local.engine.outputs(id)
                : await local.engine.capabilities(id);
          if (options.json === true) output.out(JSON.stringify(values, null, 2));
          else if (Object.keys(values).length === 0)
            output.err(`The deployment '${id}' has no ${what}.`);
          else
            for (const [k, v] of Object.entries(values)) output.out(`${k}: ${JSON.stringify(v)}`);
        });
      });
  }

  const instances = program
    .command('node-instances')
    .description("list and show a deployment's node instances");
  instances
    .command('list')
    .description('list node instances')
    .option('-d, --deployment-id <id>', 'the deployment (default: the only one)')
    .option('-n, --node-id <node>', 'only this node’s')
    .option('--json', 'print JSON')
    .action(async (options: { deploymentId?: string; nodeId?: string; json?: boolean }) => {
      await withLocal({}, async (local) => {
        const id = await resolveDeployment(local.store, options.deploymentId);
        const list = await local.store.listNodeInstances({
          deployment_id: id,
          ...(options.nodeId ? { node_id: options.nodeId } : {}),
        });
        if (options.json === true) {
          output.out(JSON.stringify(list.map(instanceJson), null, 2));
          return;
        }
        for (const i of list)
          output.out(
            `${i.id.padEnd(28)} ${(i.state ?? '-').padEnd(12)} ${output.style.dim(JSON.stringify(i.runtime_properties))}`,
          );
      });
    });
  instances
    .command('get')
    .argument('<id>', 'the node instance id')
    .description("show one node instance (as JSON, with Cloudify's field names)")
    .action(async (id: string) => {
      await withLocal({}, async (local) => {
        const i = await local.store.getNodeInstance(id);
        if (i === undefined) throw new NotFoundError(`There is no node instance '${id}'.`);
        output.out(JSON.stringify(instanceJson(i), null, 2));
      });
    });

  const events = program.command('events').description('show the events and logs of an execution');
  events
    .command('list')
    .description('list an execution’s events')
    .requiredOption('-e, --execution-id <id>', 'the execution')
    .option('--include-logs', 'include log records')
    .option('--tail', 'keep printing new events until the execution ends')
    .option('--json', 'print JSON (one object per line)')
    .action(
      async (options: {
        executionId: string;
        includeLogs?: boolean;
        tail?: boolean;
        json?: boolean;
      }) => {
        await withLocal({}, async (local) => {
          const execution = await local.store.getExecution(options.executionId);
          if (execution === undefined)
            throw new NotFoundError(`There is no execution '${options.executionId}'.`);
          let after = 0;
          for (;;) {
            const list = await local.store.listEvents({
              execution_id: options.executionId,
              include_logs: options.includeLogs === true,
              after_seq: after,
            });
            for (const e of list) {
              after = e.seq;
              output.out(options.json === true ? JSON.stringify(e) : formatEventLine(e, output));
            }
            if (options.tail !== true) break;
            const current = await local.store.getExecution(options.executionId);
            if (
              current === undefined ||
              ['terminated', 'failed', 'cancelled'].includes(current.status)
            )
              break;
            await new Promise((r) => setTimeout(r, 300));
          }
        });
        state.status = EXIT.OK;
      },
    );
}

function registerBlueprintStoreCommands(program: Command, output: Output, state: State): void {
  const blueprints = program.commands.find((c) => c.name() === 'blueprints');
  if (blueprints === undefined) return;
  blueprints
    .command('list')
    .description('list stored blueprints')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withLocal({}, async (local) => {
        const list = await local.store.listBlueprints();
        if (options.json === true) {
          output.out(
            JSON.stringify(
              list.map((b) => ({
                id: b.id,
                main_file_name: b.main_file_name,
                description: b.description,
                created_at: b.created_at,
                updated_at: b.updated_at,
              })),
              null,
              2,
            ),
          );
          return;
        }
        if (list.length === 0) output.err('No blueprints.');
        for (const b of list)
          output.out(`${b.id}  ${output.style.dim(b.description?.trim().split('\n')[0] ?? '')}`);
      });
    });
  addSourceOptions(
    blueprints
      .command('upload')
      .argument('<path>', 'the blueprint file (or a directory holding blueprint.yaml)')
      .description('validate a blueprint and store it (with its folder) for deployments')
      .option('-b, --blueprint-id <id>', 'the blueprint id (default: the blueprint folder name)'),
  ).action(async (path: string, options: SourceOptions & { blueprintId?: string }) => {
    await withLocal({}, async (local) => {
      const uploaded = await upload(local, path, options, output);
      if (uploaded === undefined) {
        state.status = EXIT.FAILED;
        return;
      }
      output.err(`${output.style.ok('✔')} Stored the blueprint '${uploaded.id}'.`);
    });
  });
  blueprints
    .command('delete')
    .argument('<id>', 'the blueprint id')
    .description('delete a stored blueprint (refused while a deployment uses it)')
    .action(async (id: string) => {
      await withLocal({}, async (local) => {
        const bp = await local.store.getBlueprint(id);
        await local.store.deleteBlueprint(id);
        if (bp !== undefined && bp.resources_path.startsWith(local.home))
          rmSync(bp.resources_path, { recursive: true, force: true });
        output.err(`Deleted the blueprint '${id}'.`);
      });
    });
}
