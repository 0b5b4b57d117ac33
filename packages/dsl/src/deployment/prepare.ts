/**
 * Prepares a deployment from a plan, as Cloudify's `prepare_deployment_plan` does: resolves and
 * checks the inputs, evaluates the hybrid intrinsic functions everywhere in the plan, and
 * expands the nodes into node instances. Never throws on user input: every problem is a coded
 * diagnostic (with no file position, since a plan carries none; messages name the input, node or
 * function involved).
 */
import { Reporter } from '../diagnostics/diagnostic.js';
import type { Plan, PlanValue } from '../plan/plan-types.js';
import { dict } from '../util/value.js';
import type { PrepareOptions, PrepareResult } from './deployment-types.js';
import { evaluatePlan } from './evaluate-plan.js';
import { createEvaluator, type Evaluator } from './evaluator.js';
import { readInstanceCounts } from './instance-counts.js';
import { createInputResolver, reportUnknownInputs, type InputResolver } from './inputs.js';
import { buildNodeInstances } from './node-instances.js';
import { createPlacer } from './place.js';
import { createIdGenerator } from './random-id.js';

/**
 * Prepares a deployment of `plan`: input values, the plan with hybrid functions evaluated, and
 * the node instances. `deployment` is present only when no error was found.
 */
export function prepareDeployment(plan: Plan, options: PrepareOptions = {}): PrepareResult {
  const reporter = new Reporter();
  const place = createPlacer(reporter, options.sourceMap);
  const given = options.inputs ?? {};
  reporter.within(options.sourceMap?.inputsSection, () => {
    reportUnknownInputs(plan, given, reporter);
  });

  // The resolver and the evaluator call each other: get_input resolves an input on first use,
  // and an input's default may hold functions to evaluate.
  const resolver: InputResolver = createInputResolver({
    plan,
    given,
    autoCorrectTypes: options.autoCorrectTypes === true,
    reporter,
    evaluate: (value, scope) => evaluator.evaluate(value, scope),
    place,
  });
  const evaluator: Evaluator = createEvaluator({
    plan,
    reporter,
    resolveInput: (name) => resolver.resolve(name),
  });

  const inputs = dict<PlanValue>();
  for (const name of Object.keys(plan.inputs)) {
    const outcome = evaluator.input(name);
    if (outcome.ok) inputs[name] = outcome.value;
  }
  const evaluated = evaluatePlan(plan, evaluator, place);
  const counts = readInstanceCounts(evaluated, reporter, place);
  const instances =
    counts === undefined || reporter.hasErrors
      ? undefined
      : buildNodeInstances(evaluated, counts, { ids: createIdGenerator(options.seed), reporter });

  if (reporter.hasErrors || instances === undefined) {
    return { ok: false, deployment: undefined, diagnostics: reporter.finish() };
  }
  return {
    ok: true,
    deployment: { plan: evaluated, inputs, node_instances: instances },
    diagnostics: reporter.finish(),
  };
}
