/**
 * Operation definitions in interfaces (spec §3, §1.4): the short and long forms, merging along
 * `derived_from` (the child's operation replaces the parent's), and merging a template's
 * operation over its type's (inherit the implementation, check inputs against the schema).
 */
import { checkFields, type FieldSpec } from '../shape/check-fields.js';
import { keyLoc, valueLoc } from '../source/locations.js';
import type { Loc } from '../source/source-doc.js';
import { dict, isMap, kindOf, show, type Value, type ValueMap } from '../util/value.js';
import type { AnalysisContext } from './context.js';
import { parseSchema, type PropertyDef } from './schema.js';

/** One operation as declared in a type or a template. */
export interface OpDef {
  /** The implementation string; '' is a NO-OP. */
  readonly implementation: string;
  /** Type level: the input schema. */
  readonly inputSchema: ReadonlyMap<string, PropertyDef>;
  /** Template level: the input values (may hold functions). */
  readonly inputValues: ValueMap;
  readonly executor: string | undefined;
  readonly maxRetries: number | undefined;
  readonly retryInterval: number | undefined;
  readonly timeout: number | undefined;
  readonly timeoutRecoverable: boolean | undefined;
  /** The namespace the implementation's plugin name is resolved in. */
  readonly namespace: string | undefined;
  /** The raw definition's container and key, for locations. */
  readonly container: object;
  readonly key: string;
  /** Where the operation is named. */
  readonly at: Loc | undefined;
  readonly level: 'type' | 'template';
}

/** Where an `interfaces` mapping is: its container and key, and who declares it. */
export interface InterfacesSite {
  readonly container: object;
  readonly key: string;
  /** A type declares input schemas; a template gives input values. */
  readonly level: 'type' | 'template';
  /** For messages: `node type 'x'`. */
  readonly owner: string;
  readonly namespace: string | undefined;
}

/** interface name → operation name → definition. */
export type Interfaces = Map<string, Map<string, OpDef>>;

const OP_FIELDS: Record<string, FieldSpec> = {
  implementation: { shape: 'string' },
  inputs: { shape: 'map' },
  executor: { shape: 'string' },
  max_retries: { shape: 'integer', since: '1_1' },
  retry_interval: { shape: 'number', since: '1_1' },
  timeout: { shape: 'number' },
  timeout_recoverable: { shape: 'boolean' },
};

const EXECUTORS = ['central_deployment_agent', 'host_agent'];

/** True for a NO-OP operation (no implementation, no inputs, nothing set). */
export function isNoOp(op: OpDef): boolean {
  return (
    op.implementation === '' &&
    op.inputSchema.size === 0 &&
    Object.keys(op.inputValues).length === 0 &&
    op.executor === undefined &&
    op.maxRetries === undefined &&
    op.retryInterval === undefined &&
    op.timeout === undefined &&
    op.timeoutRecoverable === undefined
  );
}

/** Parses the `interfaces` mapping of a type (schemas) or a template (values). */
export function parseInterfaces(
  raw: Value | undefined,
  site: InterfacesSite,
  ctx: AnalysisContext,
): Interfaces {
  const { container, key, level, owner, namespace } = site;
  const out: Interfaces = new Map();
  if (raw === undefined || raw === null) return out;
  if (!isMap(raw)) {
    ctx.reporter.report(
      'DSL_WRONG_TYPE',
      `'${key}' of ${owner} must be a mapping of interface names to operations, not ${kindOf(raw)}.`,
      valueLoc(container, key),
    );
    return out;
  }
  for (const ifaceName of Object.keys(raw)) {
    const ops = raw[ifaceName] as Value;
    const table = new Map<string, OpDef>();
    out.set(ifaceName, table);
    if (ops === null) continue;
    if (!isMap(ops)) {
      ctx.reporter.report(
        'DSL_WRONG_TYPE',
        `Interface '${ifaceName}' of ${owner} must be a mapping of operation names to operations, not ${kindOf(ops)}.`,
        valueLoc(raw, ifaceName),
      );
      continue;
    }
    for (const opName of Object.keys(ops)) {
      const op = parseOperation(
        { ops: ops, opName: opName },
        {
          what: `operation '${ifaceName}.${opName}' of ${owner}`,
          level: level,
          namespace: namespace,
        },
        ctx,
      );
      if (op !== undefined) table.set(opName, op);
    }
  }
  return out;
}

function parseOperation(
  entry: { readonly ops: ValueMap; readonly opName: string },
  site: {
    readonly what: string;
    readonly level: 'type' | 'template';
    readonly namespace: string | undefined;
  },
  ctx: AnalysisContext,
): OpDef | undefined {
  const { ops, opName } = entry;
  const { what, level, namespace } = site;
  const raw = ops[opName] as Value;
  const at = keyLoc(ops, opName);
  if (raw === null || typeof raw === 'string') {
    const implementation = raw === null || raw.trim() === '' ? '' : raw;
    return opDef({ implementation, inputSchema: NO_SCHEMA, inputValues: NO_INPUTS }, site, {
      container: ops,
      key: opName,
      at,
    });
  }
  if (!isMap(raw)) {
    ctx.reporter.report(
      'DSL_WRONG_TYPE',
      `The ${what} must be an implementation string or a mapping, not ${kindOf(raw)}.`,
      valueLoc(ops, opName),
    );
    return undefined;
  }
  const ok = checkFields(raw, OP_FIELDS, {
    reporter: ctx.reporter,
    version: ctx.version,
    what: `the ${what}`,
    at,
  });
  const executor = ok.has('executor') ? ((raw.executor as string | null) ?? undefined) : undefined;
  if (executor !== undefined && !EXECUTORS.includes(executor)) {
    ctx.reporter.report(
      'DSL_INVALID_VALUE',
      `The ${what} has executor ${show(executor)}; valid executors are ${EXECUTORS.join(' and ')}.`,
      valueLoc(raw, 'executor'),
    );
  }
  const maxRetries = ok.has('max_retries')
    ? ((raw.max_retries as number | null) ?? undefined)
    : undefined;
  if (maxRetries !== undefined && maxRetries < -1) {
    ctx.reporter.report(
      'DSL_INVALID_VALUE',
      `'max_retries' of the ${what} is ${maxRetries}; use -1 for unlimited retries or a number ≥ 0.`,
      valueLoc(raw, 'max_retries'),
    );
  }
  for (const field of ['retry_interval', 'timeout'] as const) {
    const v = raw[field];
    if (ok.has(field) && typeof v === 'number' && v < 0) {
      ctx.reporter.report(
        'DSL_INVALID_VALUE',
        `'${field}' of the ${what} is ${v}; it must be a number of seconds ≥ 0.`,
        valueLoc(raw, field),
      );
    }
  }
  const implementation = ok.has('implementation')
    ? ((raw.implementation as string | null) ?? '')
    : '';
  const inputs = ok.has('inputs') && isMap(raw.inputs) ? raw.inputs : undefined;
  return opDef(
    {
      implementation: implementation.trim() === '' ? '' : implementation,
      inputSchema:
        level === 'type' && inputs !== undefined
          ? parseSchema(
              inputs,
              {
                container: raw,
                key: 'inputs',
                kind: 'operation-input',
                owner: `the ${what}`,
                namespace: namespace,
              },
              ctx,
            )
          : NO_SCHEMA,
      inputValues: level === 'template' && inputs !== undefined ? inputs : NO_INPUTS,
      executor: executor !== undefined && EXECUTORS.includes(executor) ? executor : undefined,
      maxRetries: maxRetries !== undefined && maxRetries >= -1 ? maxRetries : undefined,
      retryInterval: ok.has('retry_interval')
        ? ((raw.retry_interval as number | null) ?? undefined)
        : undefined,
      timeout: ok.has('timeout') ? ((raw.timeout as number | null) ?? undefined) : undefined,
      timeoutRecoverable: ok.has('timeout_recoverable')
        ? ((raw.timeout_recoverable as boolean | null) ?? undefined)
        : undefined,
    },
    site,
    { container: ops, key: opName, at },
  );
}

/** An operation has no input schema (templates, and types that declare no inputs). */
const NO_SCHEMA: ReadonlyMap<string, PropertyDef> = new Map();
/** An operation has no input values (types, and templates that give none). */
const NO_INPUTS: ValueMap = Object.freeze(dict<Value>());

/** An {@link OpDef}, always built with the same shape (one per operation of every template). */
function opDef(
  parsed: Pick<OpDef, 'implementation' | 'inputSchema' | 'inputValues'> &
    Partial<
      Pick<OpDef, 'executor' | 'maxRetries' | 'retryInterval' | 'timeout' | 'timeoutRecoverable'>
    >,
  site: { readonly level: 'type' | 'template'; readonly namespace: string | undefined },
  where: { readonly container: object; readonly key: string; readonly at: Loc | undefined },
): OpDef {
  return {
    implementation: parsed.implementation,
    inputSchema: parsed.inputSchema,
    inputValues: parsed.inputValues,
    executor: parsed.executor,
    maxRetries: parsed.maxRetries,
    retryInterval: parsed.retryInterval,
    timeout: parsed.timeout,
    timeoutRecoverable: parsed.timeoutRecoverable,
    namespace: site.namespace,
    container: where.container,
    key: where.key,
    at: where.at,
    level: site.level,
  };
}

/** Type over parent type: per interface, per operation, the child's operation replaces. */
export function mergeTypeInterfaces(parent: Interfaces, child: Interfaces): Interfaces {
  const out: Interfaces = new Map();
  for (const [name, ops] of parent) out.set(name, new Map(ops));
  for (const [name, ops] of child) {
    const merged = out.get(name) ?? new Map<string, OpDef>();
    for (const [opName, op] of ops) merged.set(opName, op);
    out.set(name, merged);
  }
  return out;
}

/** The result of merging a template's operation over its type's. */
export interface MergedOp {
  readonly implementation: string;
  /** The values to run with (schema defaults filled in). */
  readonly inputs: ValueMap;
  /** Where each input value came from: its container (for locations and namespaces). */
  readonly inputOrigins: ReadonlyMap<string, { container: object; namespace: string | undefined }>;
  /** Declared input types (from the type's schema, when the implementation is the type's). */
  readonly inputTypes: ReadonlyMap<string, string>;
  readonly executor: string | undefined;
  readonly maxRetries: number | undefined;
  readonly retryInterval: number | undefined;
  readonly timeout: number | undefined;
  readonly timeoutRecoverable: boolean | undefined;
  /** The namespace to resolve the implementation's plugin in. */
  readonly namespace: string | undefined;
  /** The definition that supplied the implementation, for locations. */
  readonly source: OpDef;
}

/**
 * The type's operation, with the template's input values (and settings) laid over it when the
 * template restates the operation without a new implementation (`givenOp`).
 */
function fromType(
  ops: { readonly op: OpDef; readonly givenOp: OpDef | undefined },
  site: MergeSite,
  ctx: AnalysisContext,
): MergedOp {
  const { op, givenOp } = ops;
  const { fullName, owner, ownerAt } = site;
  const given = givenOp?.inputValues;
  const inputs = dict<Value>();
  const origins = new Map<string, { container: object; namespace: string | undefined }>();
  const types = new Map<string, string>();
  for (const [name, def] of op.inputSchema) {
    if (def.type !== undefined) types.set(name, def.type);
    if (def.hasDefault) {
      inputs[name] = def.default;
      origins.set(name, { container: def.def ?? op.container, namespace: def.namespace });
    }
  }
  if (given !== undefined && givenOp !== undefined) {
    for (const name of Object.keys(given)) {
      inputs[name] = given[name] as Value;
      origins.set(name, { container: given, namespace: givenOp.namespace });
    }
  }
  for (const [name, def] of op.inputSchema) {
    if (!(name in inputs) && def.required) {
      ctx.reporter.report(
        'DSL_OPERATION_INPUT_MISSING',
        `Input '${name}' of operation '${fullName}' of ${owner} has no default and is given no value.`,
        givenOp?.at ?? ownerAt ?? op.at,
      );
    }
  }
  return {
    implementation: op.implementation,
    inputs,
    inputOrigins: origins,
    inputTypes: types,
    executor: givenOp?.executor ?? op.executor,
    maxRetries: givenOp?.maxRetries ?? op.maxRetries,
    retryInterval: givenOp?.retryInterval ?? op.retryInterval,
    timeout: givenOp?.timeout ?? op.timeout,
    timeoutRecoverable: givenOp?.timeoutRecoverable ?? op.timeoutRecoverable,
    namespace: op.namespace,
    source: op,
  };
}

function fromTemplate(op: OpDef): MergedOp {
  const origins = new Map<string, { container: object; namespace: string | undefined }>();
  for (const name of Object.keys(op.inputValues)) {
    origins.set(name, { container: op.inputValues, namespace: op.namespace });
  }
  return {
    implementation: op.implementation,
    inputs: op.inputValues,
    inputOrigins: origins,
    inputTypes: new Map(),
    executor: op.executor,
    maxRetries: op.maxRetries,
    retryInterval: op.retryInterval,
    timeout: op.timeout,
    timeoutRecoverable: op.timeoutRecoverable,
    namespace: op.namespace,
    source: op,
  };
}

/** Where an operation is merged: its full name, its owner (for messages) and where the owner is. */
export interface MergeSite {
  readonly fullName: string;
  readonly owner: string;
  /** Where the template is written: inputs missing from operations it does not mention go there. */
  readonly ownerAt: Loc | undefined;
}

/**
 * Merges a template's operation over its type's (spec §1.4): a template operation without an
 * implementation keeps the type's, with its inputs checked against the type's input schema; a
 * different implementation replaces the type's operation; `{}` turns it off. Undefined is a NO-OP.
 */
export function mergeOperation(
  ops: { readonly typeOp: OpDef | undefined; readonly tmplOp: OpDef | undefined },
  site: MergeSite,
  ctx: AnalysisContext,
): MergedOp | undefined {
  const { typeOp, tmplOp } = ops;
  if (typeOp === undefined) {
    if (tmplOp === undefined || tmplOp.implementation === '') return undefined;
    return fromTemplate(tmplOp);
  }
  if (tmplOp === undefined) {
    if (typeOp.implementation === '') return undefined;
    return fromType({ op: typeOp, givenOp: undefined }, site, ctx);
  }
  if (isNoOp(tmplOp)) return undefined;
  if (typeOp.implementation === '' && typeOp.inputSchema.size === 0) {
    return tmplOp.implementation === '' ? undefined : fromTemplate(tmplOp);
  }
  const implementation =
    tmplOp.implementation === '' ? typeOp.implementation : tmplOp.implementation;
  if (implementation === '') return undefined;
  if (implementation === typeOp.implementation) {
    return fromType({ op: typeOp, givenOp: tmplOp }, site, ctx);
  }
  return fromTemplate(tmplOp);
}
