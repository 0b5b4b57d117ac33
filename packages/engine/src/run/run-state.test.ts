import { describe, expect, it } from 'vitest';
import type { NewEvent, StoreBatch } from '@cairn/store';
import type { Executor } from '../executor/executor.js';
import type { DeploymentModel } from '../model/deployment-model.js';
import { MemoryStore } from '../testing/memory-store.js';
import { modelFromYaml } from '../testing/model-from-yaml.js';
import { makeEvent, type EventScope } from './events.js';
import { RunState } from './run-state.js';

const BLUEPRINT = `
tosca_definitions_version: cloudify_dsl_1_5
imports: [cloudify/types/types.yaml]
node_templates:
  a: { type: cloudify.nodes.Root }
  b: { type: cloudify.nodes.Root }
`;

const SCOPE: EventScope = {
  execution_id: 'ex',
  deployment_id: 'dep',
  blueprint_id: 'bp',
  workflow_id: 'install',
  tenant: 'default_tenant',
};

const NO_EXECUTOR: Executor = {
  run: () => Promise.reject(new Error('no operation runs in these tests')),
  close: () => Promise.resolve(),
};

async function setUp(listener?: (event: NewEvent) => void): Promise<{
  run: RunState;
  store: MemoryStore;
  model: DeploymentModel;
  a: string;
  b: string;
}> {
  const model = await modelFromYaml(BLUEPRINT);
  const store = new MemoryStore(model.allInstances());
  const run = new RunState({
    store,
    executor: NO_EXECUTOR,
    model,
    scope: SCOPE,
    settings: { task_retries: 0, task_retry_interval: 0, subgraph_retries: 0, parallelism: 50 },
    resourcesPath: '/',
    workdirRoot: '/tmp',
    tasks: [],
    cancelSignal: new AbortController().signal,
    forceSignal: new AbortController().signal,
    ...(listener === undefined ? {} : { listener }),
  });
  const [a, b] = model.allInstances().map((i) => i.id);
  if (a === undefined || b === undefined) throw new Error('two instances expected');
  return { run, store, model, a, b };
}

function event(message: string): NewEvent {
  return makeEvent(SCOPE, 'workflow_node_event', message);
}

const messages = (batch: StoreBatch): string[] => (batch.events ?? []).map((e) => e.message);

describe('RunState.commit (group commit)', () => {
  it('joins the batches of one turn in one transaction, in order, each atomic', async () => {
    const { run, store, model, a, b } = await setUp();
    const [first, second, third] = await Promise.all([
      run.commit({ instances: [{ id: a, state: 'creating' }], events: [event('1')] }),
      run.commit({ instances: [{ id: b, state: 'creating' }], events: [event('2')] }),
      run.commit({ instances: [{ id: a, state: 'created' }], events: [event('3')] }),
    ]);
    expect(store.transactions).toHaveLength(1);
    expect(messages(store.transactions[0] as StoreBatch)).toEqual(['1', '2', '3']);
    // Each committer hears of the instances its batch changed, as stored.
    expect(first.map((i) => [i.id, i.state])).toEqual([[a, 'created']]);
    expect(second.map((i) => [i.id, i.state])).toEqual([[b, 'creating']]);
    expect(third.map((i) => [i.id, i.version])).toEqual([[a, 3]]);
    expect(model.instance(a).state).toBe('created');
  });

  it('writes batches committed while a transaction is written in the next one', async () => {
    const { run, store } = await setUp();
    const done = run
      .commit({ events: [event('1')] })
      .then(() => run.commit({ events: [event('2')] }));
    await Promise.all([done, run.commit({ events: [event('3')] })]);
    expect(store.transactions.map(messages)).toEqual([['1', '3'], ['2']]);
  });

  it('gives a batch with a version check a transaction of its own', async () => {
    const { run, store, a, b } = await setUp();
    const results = await Promise.allSettled([
      run.commit({ events: [event('before')] }),
      run.commit({ instances: [{ id: a, runtime_properties: { x: 1 }, expected_version: 7 }] }),
      run.commit({ instances: [{ id: b, state: 'started' }], events: [event('after')] }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(store.transactions.map(messages)).toEqual([['before'], ['after']]);
  });

  it('writes the batches of a refused transaction one by one: only the faulty one fails', async () => {
    const { run, store, model, a, b } = await setUp();
    store.refuse = (batch) => messages(batch).includes('bad');
    const results = await Promise.allSettled([
      run.commit({ instances: [{ id: a, state: 'creating' }], events: [event('good 1')] }),
      run.commit({ instances: [{ id: b, state: 'creating' }], events: [event('bad')] }),
      run.commit({ events: [event('good 2')] }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(store.transactions.map(messages)).toEqual([['good 1'], ['good 2']]);
    expect(model.instance(a).state).toBe('creating');
    expect(model.instance(b).state).toBeNull();
  });

  it('never puts two execution changes in one transaction', async () => {
    const { run, store } = await setUp();
    await Promise.all([
      run.commit({ execution: { id: 'ex', status: 'started' }, events: [event('1')] }),
      run.commit({ events: [event('2')] }),
      run.commit({ execution: { id: 'ex', status: 'terminated' }, events: [event('3')] }),
    ]);
    expect(store.transactions.map((t) => [messages(t), t.execution?.status])).toEqual([
      [['1', '2'], 'started'],
      [['3'], 'terminated'],
    ]);
  });

  it('tells the listener of each stored event once, in order, except those shown live', async () => {
    const heard: string[] = [];
    const { run } = await setUp((e) => heard.push(e.message));
    const live = event('live');
    await Promise.all([
      run.commit({ events: [event('1'), live] }, new Set([live])),
      run.commit({ events: [event('2')] }),
    ]);
    expect(heard).toEqual(['1', '2']);
  });
});
