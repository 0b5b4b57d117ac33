/**
 * The smaller sections: workflows, outputs, capabilities, labels, blueprint labels, resource
 * tags, deployment settings, policy types and triggers, relationship and data types for the plan.
 */
import { scanFunctions, type FunctionScope } from '../functions/scan.js';
import { checkFields, type FieldSpec } from '../shape/check-fields.js';
import { keyLoc, valueLoc } from '../source/locations.js';
import { parseSchema, type PropertyDef } from '../types/schema.js';
import { dict, isMap, kindOf } from '../util/value.js';
import { LATEST_DSL_VERSION } from '../util/dsl-version.js';
import { checkInputLikeDef, toPlanSchema } from './inputs.js';
import { resolveImplementation } from './operations.js';
import type { PlanContext } from './plan-context.js';
import type {
  PlanDataType,
  PlanLabel,
  PlanOutput,
  PlanPropertySchema,
  PlanRelationshipType,
  PlanValue,
  PlanWorkflow,
} from './plan-types.js';

const WORKFLOW_FIELDS: Record<string, FieldSpec> = {
  mapping: { shape: 'string', required: true },
  parameters: { shape: 'map' },
  is_cascading: { shape: 'boolean' },
  availability_rules: { shape: 'map', since: '1_4' },
  description: { shape: 'any' },
};

/** Builds the workflows: mappings resolved to plugins (or workflow scripts), parameters checked. */
export function buildWorkflows(planCtx: PlanContext): Record<string, PlanWorkflow> {
  const out = dict<PlanWorkflow>();
  for (const element of planCtx.composed.sections.workflows.values()) {
    // The built-in types are written for every DSL version: no version gates for their workflows.
    const ctx = element.basic ? { ...planCtx, version: LATEST_DSL_VERSION } : planCtx;
    const what = `workflow '${element.name}'`;
    const at = keyLoc(element.section, element.localName);
    let raw = element.value;
    if (typeof raw === 'string') raw = { mapping: raw };
    if (!isMap(raw)) {
      ctx.reporter.report(
        'DSL_WRONG_TYPE',
        `The ${what} must be a mapping string or a mapping (mapping, parameters), not ${kindOf(raw)}.`,
        valueLoc(element.section, element.localName),
      );
      continue;
    }
    const ok = checkFields(raw, WORKFLOW_FIELDS, {
      reporter: ctx.reporter,
      version: ctx.version,
      what,
      at,
    });
    if (!ok.has('mapping') || typeof raw.mapping !== 'string') continue;
    const mappingLoc =
      typeof element.value === 'string'
        ? valueLoc(element.section, element.localName)
        : valueLoc(raw, 'mapping');
    const schema: Map<string, PropertyDef> = ok.has('parameters')
      ? parseSchema(
          raw.parameters,
          {
            container: raw,
            key: 'parameters',
            kind: 'parameter',
            owner: `the ${what}`,
            namespace: element.namespace,
          },
          ctx,
        )
      : new Map<string, PropertyDef>();
    const parameters = dict<PlanPropertySchema>();
    for (const [name, def] of schema) {
      checkInputLikeDef(def, `parameter '${name}' of the ${what}`, ctx);
      const defaultValue =
        def.hasDefault && def.def !== undefined
          ? scanFunctions(
              def.default,
              {
                kind: 'global',
                namespace: element.namespace,
                where: `the default of parameter '${name}' of the ${what}`,
              },
              ctx.scan,
            ).value
          : undefined;
      parameters[name] = toPlanSchema(def, defaultValue);
    }
    const resolved = resolveImplementation(
      raw.mapping,
      { namespace: element.namespace, file: element.file, what: `the ${what}`, loc: mappingLoc },
      ctx,
    );
    if (resolved.kind === 'error') continue;
    const workflow: { -readonly [K in keyof PlanWorkflow]: PlanWorkflow[K] } = {
      plugin: resolved.plugin,
      operation:
        resolved.kind === 'plugin' ? resolved.operation : 'script_runner.tasks.execute_workflow',
      parameters,
      is_cascading: raw.is_cascading === true,
    };
    if (resolved.kind === 'script') {
      if ('script_path' in parameters) {
        ctx.reporter.report(
          'DSL_SCRIPT_INPUT_CONFLICT',
          `The ${what} runs a workflow script, so its parameters cannot also declare 'script_path'.`,
          mappingLoc,
        );
      }
      parameters.script_path = {
        default: resolved.path,
        required: true,
        description: 'The workflow script the script plugin runs.',
      };
    }
    if (ok.has('availability_rules') && isMap(raw.availability_rules)) {
      workflow.availability_rules = raw.availability_rules;
    }
    out[element.name] = workflow;
  }
  return out;
}

const NO_NODE_KEYWORDS: FunctionScope['kind'] = 'global';

/** Builds outputs or capabilities: `{description?, value}` per name. */
export function buildOutputs(
  section: 'outputs' | 'capabilities',
  ctx: PlanContext,
): Record<string, PlanOutput> {
  const out = dict<PlanOutput>();
  const word = section === 'outputs' ? 'output' : 'capability';
  for (const element of ctx.composed.sections[section].values()) {
    const raw = element.value;
    const what = `${word} '${element.name}'`;
    if (!isMap(raw)) {
      ctx.reporter.report(
        'DSL_WRONG_TYPE',
        `The ${what} must be a mapping with a 'value', not ${kindOf(raw)}.`,
        valueLoc(element.section, element.localName),
      );
      continue;
    }
    const ok = checkFields(
      raw,
      { description: { shape: 'any' }, value: { shape: 'any', required: true } },
      {
        reporter: ctx.reporter,
        version: ctx.version,
        what: `the ${what}`,
        at: keyLoc(element.section, element.localName),
      },
    );
    if (!('value' in raw)) continue;
    const value = scanFunctions(
      raw.value,
      { kind: NO_NODE_KEYWORDS, namespace: element.namespace, where: `the ${what}` },
      ctx.scan,
    ).value;
    const record: { description?: string; value: PlanValue } = { value: value };
    if (ok.has('description') && typeof raw.description === 'string')
      record.description = raw.description;
    out[element.name] = record;
  }
  return out;
}

/** Builds deployment labels or blueprint labels. */
export function buildLabels(
  section: 'labels' | 'blueprint_labels',
  ctx: PlanContext,
): Record<string, PlanLabel> {
  const out = dict<PlanLabel>();
  const blueprint = section === 'blueprint_labels';
  for (const element of ctx.composed.sections[section].values()) {
    const raw = element.value;
    const what = `${blueprint ? 'blueprint label' : 'label'} '${element.localName}'`;
    if (!isMap(raw)) {
      ctx.reporter.report(
        'DSL_WRONG_TYPE',
        `The ${what} must be a mapping with 'values', not ${kindOf(raw)}.`,
        valueLoc(element.section, element.localName),
      );
      continue;
    }
    const ok = checkFields(
      raw,
      { values: { shape: 'list', required: true } },
      {
        reporter: ctx.reporter,
        version: ctx.version,
        what: `the ${what}`,
        at: keyLoc(element.section, element.localName),
      },
    );
    if (!ok.has('values') || !Array.isArray(raw.values)) continue;
    const list = raw.values;
    const values: PlanValue[] = [];
    list.forEach((v, i) => {
      if (typeof v === 'string') {
        values.push(v);
        return;
      }
      if (blueprint || !isMap(v)) {
        ctx.reporter.report(
          blueprint && isMap(v) ? 'DSL_FUNCTION_NOT_ALLOWED' : 'DSL_WRONG_TYPE',
          blueprint
            ? `Values of ${what} must be plain strings: blueprint labels are set when the blueprint is uploaded, before any function can be evaluated.`
            : `Values of ${what} must be strings or intrinsic functions, not ${kindOf(v)}.`,
          valueLoc(list, i),
        );
        return;
      }
      values.push(
        scanFunctions(
          v,
          {
            kind: 'global',
            namespace: element.namespace,
            where: `the ${what}`,
            forbid: {
              names: new Set(['get_attribute', 'get_attributes_list', 'get_attributes_dict']),
              reason:
                'labels are set when the deployment is created, before any run-time attribute exists.',
            },
          },
          ctx.scan,
        ).value,
      );
    });
    // Label keys are stored in lower case, as Cloudify does.
    out[element.name.toLowerCase()] = { values };
  }
  return out;
}

/** Builds resource tags: key → a primitive value or a function. */
export function buildResourceTags(ctx: PlanContext): Record<string, PlanValue> {
  const out = dict<PlanValue>();
  for (const element of ctx.composed.sections.resource_tags.values()) {
    const raw = element.value;
    if (Array.isArray(raw)) {
      ctx.reporter.report(
        'DSL_WRONG_TYPE',
        `Resource tag '${element.name}' must be a single value, not a list.`,
        valueLoc(element.section, element.localName),
      );
      continue;
    }
    out[element.name] = scanFunctions(
      raw,
      { kind: 'global', namespace: element.namespace, where: `resource tag '${element.name}'` },
      ctx.scan,
    ).value;
  }
  return out;
}

const DEPLOYMENT_SETTINGS_FIELDS: Record<string, FieldSpec> = {
  default_schedules: { shape: 'map' },
  default_groups: { shape: 'list' },
  id_template: { shape: 'string' },
  display_name: { shape: 'any' },
};

/** Builds deployment settings. */
export function buildDeploymentSettings(ctx: PlanContext): Record<string, PlanValue> {
  const settings = ctx.composed.deploymentSettings;
  if (settings === undefined || settings.value === null) return dict<PlanValue>();
  const raw = settings.value;
  const file = settings.file;
  if (!isMap(raw)) {
    ctx.reporter.report(
      'DSL_WRONG_TYPE',
      `'deployment_settings' must be a mapping, not ${kindOf(raw)}.`,
      valueLoc(file.value, 'deployment_settings'),
    );
    return dict<PlanValue>();
  }
  checkFields(raw, DEPLOYMENT_SETTINGS_FIELDS, {
    reporter: ctx.reporter,
    version: ctx.version,
    what: "'deployment_settings'",
    at: keyLoc(file.value, 'deployment_settings'),
  });
  return scanFunctions(
    raw,
    { kind: 'global', namespace: file.namespace, where: "'deployment_settings'" },
    ctx.scan,
  ).value as Record<string, PlanValue>;
}

/** Policy types and policy triggers: checked for shape, kept as data. */
export function buildLegacyPolicySection(
  section: 'policy_types' | 'policy_triggers',
  ctx: PlanContext,
): Record<string, PlanValue> {
  const out = dict<PlanValue>();
  const fields: Record<string, FieldSpec> =
    section === 'policy_types'
      ? { properties: { shape: 'map' }, source: { shape: 'string', required: true } }
      : { parameters: { shape: 'map' }, source: { shape: 'string', required: true } };
  for (const element of ctx.composed.sections[section].values()) {
    const raw = element.value;
    const what = `${section === 'policy_types' ? 'policy type' : 'policy trigger'} '${element.name}'`;
    if (!isMap(raw)) {
      ctx.reporter.report(
        'DSL_WRONG_TYPE',
        `The ${what} must be a mapping, not ${kindOf(raw)}.`,
        valueLoc(element.section, element.localName),
      );
      continue;
    }
    checkFields(raw, fields, {
      reporter: ctx.reporter,
      version: ctx.version,
      what: `the ${what}`,
      at: keyLoc(element.section, element.localName),
    });
    out[element.name] = raw;
  }
  return out;
}

/** Relationship types as the plan lists them (name, hierarchy, property schema). */
export function planRelationshipTypes(ctx: PlanContext): Record<string, PlanRelationshipType> {
  const out = dict<PlanRelationshipType>();
  for (const element of ctx.composed.sections.relationships.values()) {
    const info = ctx.registry.resolveRelationship(element);
    if (info === undefined) continue;
    const raw = element.value;
    const properties = dict<PlanPropertySchema>();
    for (const [name, def] of info.properties) properties[name] = toPlanSchema(def);
    const record: { -readonly [K in keyof PlanRelationshipType]: PlanRelationshipType[K] } = {
      name: info.name,
      type_hierarchy: info.hierarchy,
      properties,
    };
    const parent = info.hierarchy[info.hierarchy.length - 2];
    if (isMap(raw) && parent !== undefined) record.derived_from = parent;
    out[element.name] = record;
  }
  return out;
}

/** Data types as the plan lists them (merged property schema). */
export function planDataTypes(ctx: PlanContext): Record<string, PlanDataType> {
  const out = dict<PlanDataType>();
  for (const element of ctx.composed.sections.data_types.values()) {
    const info = ctx.registry.resolveData(element);
    if (info === undefined) continue;
    const properties = dict<PlanPropertySchema>();
    for (const [name, def] of info.properties) properties[name] = toPlanSchema(def);
    const record: { -readonly [K in keyof PlanDataType]: PlanDataType[K] } = { properties };
    const parent = info.hierarchy[info.hierarchy.length - 2];
    if (parent !== undefined) record.derived_from = parent;
    const raw = element.value;
    if (isMap(raw) && typeof raw.description === 'string') record.description = raw.description;
    if (isMap(raw) && raw.version !== undefined && raw.version !== null) {
      record.version =
        typeof raw.version === 'object' ? JSON.stringify(raw.version) : String(raw.version);
    }
    out[element.name] = record;
  }
  return out;
}
