import { describe, expect, it } from 'vitest';
import type { PlanWorkflow } from '@cairn/dsl';
import { resolveParameters } from './parameters.js';

const WORKFLOW: PlanWorkflow = {
  plugin: 'default_workflows',
  operation: 'cloudify.plugins.workflows.execute_operation',
  is_cascading: false,
  parameters: {
    operation: { required: true, type: 'string' },
    operation_kwargs: { required: true, default: {} },
    run_by_dependency_order: { required: true, default: false, type: 'boolean' },
  },
};

describe('workflow parameters', () => {
  it('fills defaults and keeps given values', () => {
    expect(resolveParameters('execute_operation', WORKFLOW, { operation: 'x.y' }, false)).toEqual({
      operation: 'x.y',
      operation_kwargs: {},
      run_by_dependency_order: false,
    });
  });

  it('reports every problem in one message: unknown, wrong type, missing', () => {
    expect(() =>
      resolveParameters(
        'execute_operation',
        WORKFLOW,
        { nope: 1, run_by_dependency_order: 'yes' },
        false,
      ),
    ).toThrow(
      "Bad parameters for workflow 'execute_operation': 'nope' is not a parameter of 'execute_operation' (it takes: operation, operation_kwargs, run_by_dependency_order); 'run_by_dependency_order' must be of type boolean, not \"yes\"; the parameter 'operation' is required.",
    );
  });

  it('passes undeclared parameters with allow_custom_parameters', () => {
    expect(
      resolveParameters('execute_operation', WORKFLOW, { operation: 'a', extra: [1] }, true).extra,
    ).toEqual([1]);
  });
});
