/**
 * Replays `spec/traces` — what Cloudify 7.1 itself did on small blueprints — on Cairn's engine,
 * with every operation run by the trace recorder plugin in a real worker process, and checks
 * what the traces' README says is fixed: each instance's sequence of states and operations
 * (attempts and outcomes included), the ordering between related instances, final states and
 * runtime properties, whether the workflow failed, and outputs.
 *
 * Instances are compared per node as multisets (their ids are random), and the operations of
 * one relationship group are compared as a set (their order is not fixed in Cloudify either).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseBlueprint, type PlanValue } from '@cairn/dsl';
import { createNodeHost, fileUrl } from '@cairn/dsl/node';
import { createEngine, type Engine } from '@cairn/engine';
import { createLocalExecutor } from '@cairn/plugin-host';
import { createSqliteStore, type NodeInstanceRecord, type Store } from '@cairn/store';
import { recordingStore } from './helpers/recording-store.js';

const here = dirname(fileURLToPath(import.meta.url));
const TRACES = join(here, '..', '..', 'shared', 'spec', 'traces');
const PLUGIN = join(here, 'fixtures', 'trace-plugin', 'index.js');

interface TraceEvent {
  readonly kind: 'op' | 'state';
  readonly operation?: string;
  readonly node?: string;
  readonly instance?: string;
  readonly side?: 'source' | 'target';
  readonly source?: string;
  readonly target?: string;
  readonly source_node?: string;
  readonly target_node?: string;
  readonly attempt?: number;
  readonly outcome?: string;
  readonly state?: string;
  readonly echo?: PlanValue;
  readonly extra_inputs?: PlanValue;
}

interface TraceFile {
  readonly workflow: string;
  readonly parameters: { [key: string]: PlanValue };
  readonly task_retries: number;
  readonly task_retry_interval: number;
  readonly subgraph_retries: number;
  readonly deployment_inputs: { [key: string]: PlanValue } | null;
  readonly failure_control: { [key: string]: PlanValue }[] | null;
  readonly workflow_error: string | null;
  readonly events: TraceEvent[];
  readonly final_instances: {
    readonly id: string;
    readonly node: string;
    readonly state: string | null;
    readonly runtime_properties: { [key: string]: PlanValue };
    readonly system_properties: { [key: string]: PlanValue };
    readonly relationships: { readonly type: string; readonly target: string }[];
  }[];
  readonly outputs?: { [key: string]: PlanValue } | null;
}

/** A deployment of one trace blueprint and the labels of its steps, in order. */
interface Scenario {
  readonly dir: string;
  readonly steps: readonly string[];
}

const SCENARIOS: Scenario[] = [
  { dir: '01-lifecycle-single', steps: ['install', 'uninstall'] },
  { dir: '02-contained-chain', steps: ['install', 'uninstall'] },
  { dir: '03-relationship-ops', steps: ['install', 'uninstall'] },
  { dir: '04-connection-types', steps: ['install', 'uninstall'] },
  ...[
    'exception-always',
    'exception-then-success',
    'max-retries-override',
    'nonrecoverable',
    'operation-retry-always',
    'operation-retry-unlimited-then-success',
    'recoverable-retry-after',
  ].map((variant) => ({ dir: '05-retries', steps: [`${variant}-install`] })),
  { dir: '06-runtime-props-on-failure', steps: ['install', 'uninstall'] },
  {
    dir: '09-execute-operation',
    steps: [
      'install',
      'exec-all',
      'exec-all-by-dependency-order',
      'exec-node-ids-b',
      'exec-node-ids-b-allow-override',
      'exec-node-without-op',
      'exec-type-and-node-ids',
      'exec-type-names-A',
      'exec-unknown-op',
    ],
  },
  { dir: '10-intrinsic-functions', steps: ['install', 'uninstall'] },
  { dir: '10b-get-attribute-multi-instance', steps: ['install'] },
  ...['start-fails', 'stop-fails', 'stop-fails-ignore-failure'].map((variant) => ({
    dir: '11-failed-install-then-uninstall',
    steps: [`${variant}-install`, `${variant}-uninstall`],
  })),
  {
    dir: '12-reinstall-restart',
    steps: [
      'install',
      'stop',
      'start',
      'restart',
      'stop-no-dependency-order',
      'reinstall',
      'reinstall-node-b',
      'uninstall',
    ],
  },
  {
    dir: '07-heal',
    steps: [
      'install',
      'heal-app-unhealthy',
      'heal-app-all-healthy',
      'heal-server-unhealthy',
      'heal-svc-has-heal-op',
      'heal-app-force-reinstall',
      'heal-deployment-wide',
    ],
  },
  { dir: '13-depends-on-lifecycle-operation', steps: ['install', 'uninstall'] },
  { dir: '14-subgraph-retries', steps: ['subgraph-retries-0-install'] },
  { dir: '14-subgraph-retries', steps: ['subgraph-retries-1-install'] },
  { dir: '15-parallel-siblings', steps: ['install', 'uninstall'] },
];

const work = mkdtempSync(join(tmpdir(), 'cairn-traces-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function readTrace(dir: string, label: string): TraceFile {
  return JSON.parse(readFileSync(join(TRACES, dir, `trace-${label}.json`), 'utf8')) as TraceFile;
}

function readLines(file: string): TraceEvent[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as TraceEvent);
}

/** The instance an event is about (for relationship operations: the source). */
function ownerOf(e: TraceEvent): string {
  return e.kind === 'state' || e.side === undefined ? (e.instance ?? '') : (e.source ?? '');
}

function nodeOf(e: TraceEvent): string {
  return e.kind === 'state' || e.side === undefined ? (e.node ?? '') : (e.source_node ?? '');
}

/** Replaces instance ids inside strings and values with their node names. */
function stripIds(value: unknown, ids: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') {
    let out = value;
    for (const [id, node] of ids) out = out.split(id).join(`<${node}>`);
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => stripIds(v, ids));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, stripIds(v, ids)]),
    );
  }
  return value;
}

/**
 * Each instance's sequence, as strings, grouped by node and sorted; the operations of one
 * relationship group (same operation, same target node, next to each other) sorted too.
 */
function perInstance(
  events: readonly TraceEvent[],
  ids: ReadonlyMap<string, string>,
): Record<string, string[]> {
  const sequences = new Map<string, { node: string; items: { key: string; group?: string }[] }>();
  for (const e of events) {
    const owner = ownerOf(e);
    let seq = sequences.get(owner);
    if (seq === undefined) sequences.set(owner, (seq = { node: nodeOf(e), items: [] }));
    if (e.kind === 'state') {
      seq.items.push({ key: `state ${e.state ?? ''}` });
      continue;
    }
    const echo = e.echo === undefined ? '' : ` echo=${JSON.stringify(stripIds(e.echo, ids))}`;
    const extra =
      e.extra_inputs === undefined ? '' : ` extra=${JSON.stringify(stripIds(e.extra_inputs, ids))}`;
    const rel = e.side === undefined ? '' : ` ${e.side}->${e.target_node ?? ''}`;
    seq.items.push({
      key: `${e.operation ?? ''}${rel} try=${e.attempt ?? 0} ${e.outcome ?? ''}${echo}${extra}`,
      ...(e.side === undefined ? {} : { group: `${e.operation ?? ''}>${e.target_node ?? ''}` }),
    });
  }
  const byNode: Record<string, string[]> = {};
  for (const { node, items } of sequences.values()) {
    const out: string[] = [];
    for (let i = 0; i < items.length;) {
      const group = items[i]?.group;
      let j = i + 1;
      if (group !== undefined) while (j < items.length && items[j]?.group === group) j++;
      out.push(
        ...items
          .slice(i, j)
          .map((x) => x.key)
          .sort(),
      );
      i = j;
    }
    (byNode[node] ??= []).push(out.join('\n'));
  }
  for (const list of Object.values(byNode)) list.sort();
  return byNode;
}

/** System properties with their timestamps blanked, as the traces record them. */
function systemProps(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(systemProps);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        k === 'timestamp' && v !== null ? '<timestamp>' : systemProps(v),
      ]),
    );
  }
  return value;
}

function finalStates(
  instances: readonly {
    node: string;
    state: string | null;
    runtime_properties: unknown;
    system_properties: unknown;
  }[],
  ids: ReadonlyMap<string, string>,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const i of instances) {
    (out[i.node] ??= []).push(
      `${String(i.state)} ${JSON.stringify(stripIds(i.runtime_properties, ids))} ${JSON.stringify(stripIds(systemProps(i.system_properties), ids))}`,
    );
  }
  for (const list of Object.values(out)) list.sort();
  return out;
}

/** Checks the cross-instance ordering the README says always held. */
function orderingProblems(
  workflow: string,
  events: readonly TraceEvent[],
  instances: readonly NodeInstanceRecord[],
  lifecycleOperationTargets: ReadonlySet<string>,
): string[] {
  const first = new Map<string, number>();
  const stateAt = new Map<string, number>();
  events.forEach((e, i) => {
    const owner = ownerOf(e);
    if (!first.has(owner)) first.set(owner, i);
    if (e.kind === 'state') stateAt.set(`${owner} ${e.state ?? ''}`, i);
  });
  const problems: string[] = [];
  for (const source of instances) {
    for (const rel of source.relationships) {
      if (lifecycleOperationTargets.has(`${source.node_id}>${rel.target_name}`)) continue;
      const s = first.get(source.id);
      const t = first.get(rel.target_id);
      if (s === undefined || t === undefined) continue;
      if (workflow === 'install') {
        const started = stateAt.get(`${rel.target_id} started`);
        if (started !== undefined && s < started) {
          problems.push(`${source.id} began before its target ${rel.target_id} was started`);
        }
      }
      if (workflow === 'uninstall') {
        const deleted = stateAt.get(`${source.id} deleted`);
        if (deleted !== undefined && t < deleted) {
          problems.push(`${rel.target_id} began before its source ${source.id} was deleted`);
        }
      }
    }
  }
  return problems;
}

/**
 * Pairs the trace's (normalised) instance ids with ours, respecting the topology: an instance
 * is paired with one of ours of the same node whose relationship targets are the paired
 * targets. Symmetric instances (two servers) pair in index order.
 */
function matchInstances(
  theirs: TraceFile['final_instances'],
  ours: readonly NodeInstanceRecord[],
): Map<string, string> {
  const mapping = new Map<string, string>();
  const used = new Set<string>();
  const pending = [...theirs];
  while (pending.length > 0) {
    const i = pending.findIndex((t) => t.relationships.every((r) => mapping.has(r.target)));
    const next = pending.splice(i < 0 ? 0 : i, 1)[0];
    if (next === undefined) break;
    const wanted = next.relationships.map((r) => mapping.get(r.target)).sort();
    const candidate = ours
      .filter((o) => o.node_id === next.node && !used.has(o.id))
      .sort((a, b) => a.index - b.index)
      .find(
        (o) =>
          JSON.stringify(o.relationships.map((r) => r.target_id).sort()) === JSON.stringify(wanted),
      );
    if (candidate === undefined) continue;
    mapping.set(next.id, candidate.id);
    used.add(candidate.id);
  }
  return mapping;
}

/** Replaces `@<trace id>` parameter values and control-rule instances with our ids. */
function mapIds<T>(value: T, mapping: ReadonlyMap<string, string>): T {
  if (typeof value === 'string') {
    const id = value.startsWith('@') ? value.slice(1) : value;
    return (mapping.get(id) ?? value) as T;
  }
  if (Array.isArray(value)) return value.map((v: unknown) => mapIds(v, mapping)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, mapIds(v, mapping)]),
    ) as T;
  }
  return value;
}

async function runScenario(scenario: Scenario, index: number): Promise<void> {
  const dir = join(TRACES, scenario.dir);
  const caseDir = join(work, `${index}-${scenario.dir}`);
  const traceFile = join(caseDir, 'trace.jsonl');
  const controlFile = join(caseDir, 'control.json');
  mkdirSyncSafe(caseDir);
  process.env.TRACE_FILE = traceFile;
  process.env.TRACE_CONTROL = controlFile;
  const parsed = await parseBlueprint(fileUrl(join(dir, 'blueprint.yaml')), {
    host: createNodeHost({ offline: true }),
  });
  expect(parsed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  if (parsed.plan === undefined) throw new Error('no plan');
  const inner = createSqliteStore({ path: join(caseDir, 'cairn.db') });
  const store: Store = recordingStore(inner, () => traceFile);
  const executor = createLocalExecutor({
    resolvePlugin: (plugin) => (plugin.name === 'trace' ? { entry: PLUGIN } : undefined),
  });
  const engine: Engine = createEngine({ store, executor, workdir: join(caseDir, 'work') });
  try {
    const first = readTrace(scenario.dir, scenario.steps[0] ?? 'install');
    await engine.putBlueprint({
      id: 'bp',
      plan: parsed.plan as unknown as Record<string, never>,
      main_file_name: 'blueprint.yaml',
      resources_path: dir,
      description: null,
    });
    await engine.createDeployment({
      id: 'dep',
      blueprintId: 'bp',
      inputs: first.deployment_inputs ?? {},
    });
    const lifecycleOperationTargets = new Set(
      parsed.plan.nodes.flatMap((n) =>
        n.relationships
          .filter((r) =>
            r.type_hierarchy.includes('cloudify.relationships.depends_on_lifecycle_operation'),
          )
          .map((r) => `${n.id}>${r.target_id}`),
      ),
    );
    for (const label of scenario.steps) {
      const trace = readTrace(scenario.dir, label);
      writeFileSync(traceFile, '');
      if (existsSync(controlFile)) rmSync(controlFile);
      const mapping = matchInstances(
        first.final_instances,
        await inner.listNodeInstances({ deployment_id: 'dep' }),
      );
      if (trace.failure_control !== null) {
        writeFileSync(controlFile, JSON.stringify(mapIds(trace.failure_control, mapping)));
      }
      let failed: string | null = null;
      try {
        const execution = await engine.execute({
          deploymentId: 'dep',
          workflowId: trace.workflow,
          parameters: mapIds(trace.parameters, mapping),
          settings: {
            task_retries: trace.task_retries,
            task_retry_interval: trace.task_retry_interval,
            subgraph_retries: trace.subgraph_retries,
          },
        });
        if (execution.status !== 'terminated') failed = execution.error;
      } catch (error) {
        failed = error instanceof Error ? error.message : String(error);
      }
      const what = `${scenario.dir} ${label}`;
      expect(
        failed !== null,
        `${what}: failed (${failed ?? ''}) / trace error ${trace.workflow_error ?? ''}`,
      ).toBe(trace.workflow_error !== null);
      const ours = readLines(traceFile);
      const instances = await inner.listNodeInstances({ deployment_id: 'dep' });
      const ourIds = new Map(instances.map((i) => [i.id, i.node_id]));
      const theirIds = new Map(trace.final_instances.map((i) => [i.id, i.node]));
      expect(perInstance(ours, ourIds), `${what}: per-instance sequences`).toEqual(
        perInstance(trace.events, theirIds),
      );
      expect(
        orderingProblems(trace.workflow, ours, instances, lifecycleOperationTargets),
        what,
      ).toEqual([]);
      expect(
        finalStates(
          instances.map((i) => ({
            node: i.node_id,
            state: i.state,
            runtime_properties: i.runtime_properties,
            system_properties: i.system_properties,
          })),
          ourIds,
        ),
        `${what}: final instances`,
      ).toEqual(finalStates(trace.final_instances, theirIds));
      const relCounts = (list: { node: string; n: number }[]): string[] =>
        list.map((x) => `${x.node}:${x.n}`).sort();
      expect(
        relCounts(instances.map((i) => ({ node: i.node_id, n: i.relationships.length }))),
        what,
      ).toEqual(
        relCounts(trace.final_instances.map((i) => ({ node: i.node, n: i.relationships.length }))),
      );
      if (
        trace.outputs !== undefined &&
        trace.outputs !== null &&
        Object.keys(trace.outputs).length > 0
      ) {
        expect(await engine.outputs('dep'), `${what}: outputs`).toEqual(trace.outputs);
      }
    }
  } finally {
    await executor.close();
    await store.close();
  }
}

function mkdirSyncSafe(path: string): void {
  rmSync(path, { recursive: true, force: true });
  mkdirSync(path, { recursive: true });
}

describe('Cloudify traces replayed on Cairn', () => {
  SCENARIOS.forEach((scenario, index) => {
    it(`${scenario.dir}: ${scenario.steps.join(' → ')}`, async () => {
      await runScenario(scenario, index);
    }, 60_000);
  });
});
