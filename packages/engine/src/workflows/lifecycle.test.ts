import { describe, expect, it } from 'vitest';
import type { TaskSpec } from '../graph/task-graph.js';
import { modelFromYaml } from '../testing/model-from-yaml.js';
import { installSteps, uninstallSteps } from './lifecycle.js';

const BLUEPRINT = `
tosca_definitions_version: cloudify_dsl_1_5
imports: [cloudify/types/types.yaml]
plugins: { p: { executor: central_deployment_agent, install: false } }
node_templates:
  empty: { type: cloudify.nodes.Root }
  full:
    type: cloudify.nodes.Root
    interfaces:
      cloudify.interfaces.lifecycle:
        create: p.m.create
        configure: p.m.configure
        stop: p.m.stop
`;

function describeSteps(steps: readonly (readonly TaskSpec[])[]): string[] {
  return steps.map((step) =>
    step
      .map((t) =>
        t.kind === 'state'
          ? `state ${t.state}`
          : t.kind === 'event'
            ? `event ${t.message}`
            : `op ${t.operation}`,
      )
      .join(' | '),
  );
}

describe('lifecycle steps', () => {
  it('sets an instance with nothing to do straight to started', async () => {
    const model = await modelFromYaml(BLUEPRINT);
    const [empty] = model.instancesOf('empty');
    if (empty === undefined) throw new Error('no instance');
    expect(describeSteps(installSteps(model, empty))).toEqual([
      'state started',
      'event Node instance started (nothing to do)',
    ]);
  });

  it('writes only the states of steps that do something', async () => {
    const model = await modelFromYaml(BLUEPRINT);
    const [full] = model.instancesOf('full');
    if (full === undefined) throw new Error('no instance');
    expect(describeSteps(installSteps(model, full))).toEqual([
      'state initializing',
      'event Validating node instance before creation: nothing to do',
      'event Precreating node instance: nothing to do',
      'state creating',
      'event Creating node instance',
      'op cloudify.interfaces.lifecycle.create',
      'state created',
      'event Node instance created',
      'state configuring',
      'event Configuring node instance',
      'op cloudify.interfaces.lifecycle.configure',
      'state configured',
      'event Node instance configured',
      'event Starting node instance: nothing to do',
      'event Poststarting node instance: nothing to do',
      'state started',
      'event Node instance started',
    ]);
    expect(describeSteps(uninstallSteps(model, { ...full, state: 'started' }, false))).toEqual([
      'state stopping',
      'event Stopping node instance',
      'event Validating node instance after deletion: nothing to do',
      'op cloudify.interfaces.lifecycle.stop',
      'state stopped',
      'event Stopped node instance',
      'event Deleting node instance: nothing to do',
      'state deleted',
      'event Deleted node instance',
    ]);
  });

  it('skips what an instance has already done', async () => {
    const model = await modelFromYaml(BLUEPRINT);
    const [full] = model.instancesOf('full');
    if (full === undefined) throw new Error('no instance');
    expect(describeSteps(installSteps(model, { ...full, state: 'started' }))).toEqual([
      'state started',
    ]);
    const resumed = describeSteps(installSteps(model, { ...full, state: 'configured' }));
    expect(resumed).not.toContain('op cloudify.interfaces.lifecycle.create');
    expect(describeSteps(uninstallSteps(model, { ...full, state: 'deleted' }, false))).toEqual([
      'state deleted',
    ]);
  });
});
