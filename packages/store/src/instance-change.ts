/**
 * What a {@link NodeInstanceChange} does to a node instance. Every store applies changes with
 * this, and so does the engine's in-memory model, which applies a change when it is committed
 * (before it is written): the two must agree on every field and on the version.
 */
import { ConflictError, NotFoundError } from '@cairn/errors';
import type { NodeInstanceChange, NodeInstanceRecord } from './store.js';

/**
 * Refuses `change` when its instance does not exist (NotFoundError) or is no longer at the
 * version the change expects (ConflictError): every store checks a batch with this before it
 * writes anything, so both refuse with the same error and details.
 */
export function checkInstanceChange(
  change: NodeInstanceChange,
  current: NodeInstanceRecord | undefined,
): asserts current is NodeInstanceRecord {
  if (current === undefined) {
    throw new NotFoundError(`Node instance ${JSON.stringify(change.id)} does not exist`, {
      details: { instance_id: change.id },
    });
  }
  const expected = change.expected_version;
  if (expected !== undefined && expected !== current.version) {
    throw new ConflictError(
      `Node instance ${JSON.stringify(change.id)} was changed meanwhile: expected version ` +
        `${expected}, found ${current.version}`,
      {
        details: {
          instance_id: change.id,
          expected_version: expected,
          actual_version: current.version,
        },
      },
    );
  }
}

/** The instance after `change`: absent fields keep their value; the version moves on by one. */
export function applyInstanceChange(
  current: NodeInstanceRecord,
  change: NodeInstanceChange,
): NodeInstanceRecord {
  return {
    ...current,
    state: change.state === undefined ? current.state : change.state,
    runtime_properties: change.runtime_properties ?? current.runtime_properties,
    system_properties: change.system_properties ?? current.system_properties,
    relationships: change.relationships ?? current.relationships,
    version: current.version + 1,
  };
}
