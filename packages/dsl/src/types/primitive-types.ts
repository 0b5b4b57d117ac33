/** Types whose values are checked as they are (spec §1.5). */
export const PRIMITIVE_TYPES: ReadonlySet<string> = new Set([
  'string',
  'integer',
  'float',
  'boolean',
  'list',
  'dict',
  'regex',
  'textarea',
]);

/** Input types backed by manager objects (1_4+; `operation_name` 1_5+): checked as strings. */
export const OBJECT_TYPES: ReadonlyMap<string, '1_4' | '1_5'> = new Map([
  ['blueprint_id', '1_4'],
  ['deployment_id', '1_4'],
  ['capability_value', '1_4'],
  ['scaling_group', '1_4'],
  ['node_id', '1_4'],
  ['node_type', '1_4'],
  ['node_instance', '1_4'],
  ['secret_key', '1_4'],
  ['operation_name', '1_5'],
]);
