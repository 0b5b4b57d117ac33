/**
 * Workflow parameters checked against the workflow's declared parameters (spec §5.7):
 * undeclared ones are refused unless `allow_custom_parameters`, defaults fill the rest, and a
 * declared parameter with no default and no value is missing.
 */
import type { PlanValue, PlanWorkflow } from '@cairn/dsl';
import { WorkflowError, type WorkflowParameters } from './builtin.js';

function typeMatches(type: string | undefined, value: PlanValue): boolean {
  switch (type) {
    case undefined:
      return true;
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'float':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'list':
      return Array.isArray(value);
    case 'dict':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      return true;
  }
}

/** The parameters a run gets: the given ones checked, with defaults for the rest. */
export function resolveParameters(
  workflowId: string,
  workflow: PlanWorkflow,
  given: WorkflowParameters,
  allowCustom: boolean,
): WorkflowParameters {
  const declared = workflow.parameters;
  const problems: string[] = [];
  const out: { [name: string]: PlanValue } = {};
  for (const [name, value] of Object.entries(given)) {
    if (!Object.hasOwn(declared, name) && !allowCustom) {
      const known = Object.keys(declared);
      problems.push(
        `'${name}' is not a parameter of '${workflowId}'` +
          (known.length > 0 ? ` (it takes: ${known.join(', ')})` : ' (it takes none)'),
      );
      continue;
    }
    const schema = declared[name];
    if (schema !== undefined && value !== null && !typeMatches(schema.type, value)) {
      problems.push(
        `'${name}' must be of type ${schema.type ?? 'any'}, not ${JSON.stringify(value)}`,
      );
      continue;
    }
    out[name] = value;
  }
  for (const [name, schema] of Object.entries(declared)) {
    if (Object.hasOwn(out, name) || Object.hasOwn(given, name)) continue;
    if (schema.default !== undefined) out[name] = schema.default;
    else if (schema.required) problems.push(`the parameter '${name}' is required`);
  }
  if (problems.length > 0) {
    throw new WorkflowError(`Bad parameters for workflow '${workflowId}': ${problems.join('; ')}.`);
  }
  return out;
}
