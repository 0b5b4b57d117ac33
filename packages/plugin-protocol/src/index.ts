/**
 * `@cairn/plugin-protocol` — the versioned, language-neutral JSON protocol between Cairn's plugin
 * host and a plugin worker process.
 *
 * Transport: newline-delimited JSON over one bidirectional channel (fd 3 for a Node worker).
 * Conversation:
 * 1. worker → `hello` {protocol, sdk_version, pid, runtime}; host → `welcome` or `refuse`.
 * 2. host → `run` {id, request}; while it runs the worker sends `log` and `rpc` (answered by
 *    `rpc_result`) and finally `done` {id, outcome}. One operation at a time per worker.
 * 3. host → `cancel` {id} to abort the running operation, `shutdown` to stop the worker.
 * 5. A worker that announces the `concurrent` feature may be welcomed with `max_concurrent` N:
 *    the host then sends up to N `run` / `run_workflow` at once, and everything about a run
 *    (`log`, `rpc`, `cancel`, `done`) is told apart by its id.
 * 4. Workflow functions (only with a worker whose `hello.features` has `workflows`): host →
 *    `run_workflow` {id, request}; the worker sends `log`, `rpc` with the `workflow.*` methods
 *    (`run_graph`, `send_event`, `instances`), and `done` {id, outcome} with a workflow outcome
 *    (no `runtime_properties`). These are additions within protocol 1: a host never sends
 *    `run_workflow` to a worker that did not announce the feature.
 *
 * Every message type is a member of {@link WorkerMessage} or {@link HostMessage}; parse lines with
 * {@link parseWorkerMessage} / {@link parseHostMessage}, which return issues instead of throwing.
 */
export {
  LOG_LEVELS,
  OUTPUT_SYNC_PREFIX,
  PROTOCOL_VERSION,
  RPC_METHODS,
  WORKFLOW_GRAPH_STATUSES,
  WORKFLOW_TASK_KINDS,
  type CancelMessage,
  type DoneMessage,
  type EndpointData,
  type FailureCause,
  type FailureData,
  type HelloMessage,
  type HostMessage,
  type InstanceData,
  type InstanceUpdateParams,
  type InstanceUpdateResult,
  type JsonObject,
  type JsonValue,
  type LogLevel,
  type LogMessage,
  type NodeData,
  type OperationData,
  type PluginData,
  type RefuseMessage,
  type RelationshipData,
  type RpcErrorData,
  type RpcMessage,
  type RpcMethod,
  type RpcMethods,
  type RpcResultMessage,
  type RunMessage,
  type RunOutcome,
  type RunRequest,
  type RunWorkflowMessage,
  type RuntimePropertiesData,
  type ShutdownMessage,
  type WelcomeMessage,
  type WorkerFeature,
  type WorkerMessage,
  type WorkflowGraphResultData,
  type WorkflowInstanceData,
  type WorkflowInstancesParams,
  type WorkflowNodeData,
  type WorkflowRelationshipData,
  type WorkflowRunGraphParams,
  type WorkflowRunOutcome,
  type WorkflowRunRequest,
  type WorkflowSendEventParams,
  type WorkflowTaskData,
} from './messages.js';
export {
  PROTOCOL_ISSUE_CODES,
  parseHostMessage,
  parseInstanceUpdateResult,
  parseWorkerMessage,
  parseWorkflowGraphResult,
  parseWorkflowInstances,
  type ParseResult,
  type ProtocolIssue,
  type ProtocolIssueCode,
} from './parse.js';
export {
  DEFAULT_MAX_MESSAGE_LENGTH,
  createLineSplitter,
  encodeMessage,
  type LineSplitter,
  type LineSplitterOptions,
} from './framing.js';
