/**
 * What a {@link NodeInstanceChange} does to a node instance. Every store applies changes with
 * this, and so does the engine's in-memory model, which applies a change when it is committed
 * (before it is written): the two must agree on every field and on the version.
 */
import type { NodeInstanceChange, NodeInstanceRecord } from './store.js';

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
