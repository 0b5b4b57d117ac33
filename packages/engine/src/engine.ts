/**
 * The engine's front: blueprints and deployments into the store, executions run with the
 * built-in workflows, cancel and resume, outputs and capabilities evaluated against the
 * current instances. Local mode (the CLI) and the manager drive this same object.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import {
  prepareDeployment,
  RuntimeEvaluationError,
  type Diagnostic,
  type Plan,
  type PlanSourceMap,
  type PlanValue,
} from '@cairn/dsl';
import {
  ConflictError,
  InvalidInputError,
  isCairnError,
  NotFoundError,
  type JsonValue,
} from '@cairn/errors';
import type {
  BlueprintRecord,
  DeploymentPlugin,
  DeploymentRecord,
  ExecutionRecord,
  JsonObject,
  NodeInstanceRecord,
  Store,
} from '@cairn/store';
import type { Executor } from './executor/executor.js';
import { evaluateAtRuntime, type SecretSource } from './functions/runtime-functions.js';
import { TaskGraph, type GraphTask } from './graph/task-graph.js';
import { DeploymentModel } from './model/deployment-model.js';
import { makeEvent, makeLog, type EventScope } from './run/events.js';
import { runGraph, type GraphResult } from './run/run-graph.js';
import { RunState, type EventListener, type ExecutionSettings } from './run/run-state.js';
import { BUILTIN_WORKFLOWS, WorkflowError, type WorkflowParameters } from './workflows/builtin.js';
import { resolveParameters } from './workflows/parameters.js';
import { isWorkflowExecutor, runCustomWorkflow } from './workflows/custom.js';
import {
  PhaseFailed,
  type BuiltinWorkflow,
  type WorkflowContext,
} from './workflows/workflow-context.js';

/** A custom workflow: a plugin function. */
interface CustomWorkflow {
  readonly kind: 'custom';
  readonly plugin: string;
  readonly function: string;
}

/** A workflow the engine can run. */
type ResolvedWorkflow = BuiltinWorkflow | CustomWorkflow;

/** Construction options of an engine. */
export interface EngineOptions {
  readonly store: Store;
  readonly executor: Executor;
  /** Folder under which plugin workdirs are made (`<workdir>/<deployment>/plugins/<plugin>`). */
  readonly workdir: string;
  /** Tenant name operations and events see (`default_tenant` in local mode). */
  readonly tenant?: string;
  /** Where `get_secret` reads. */
  readonly secrets?: SecretSource;
}

/** What `createDeployment` needs. */
export interface CreateDeploymentOptions {
  readonly id: string;
  readonly blueprintId: string;
  readonly inputs?: { readonly [name: string]: PlanValue };
  /** Deterministic instance ids (tests). */
  readonly seed?: number | string;
  /**
   * Where the blueprint's parts are in its files, when the caller parsed it just now: input
   * diagnostics then point into the blueprint, with a code frame (a stored plan has no positions).
   */
  readonly sourceMap?: PlanSourceMap;
  /**
   * The installed plugin bundles the deployment runs (see `DeploymentRecord.plugins`): each
   * operation of a pinned plugin reaches the executor with the pin's version and `bundle_id`.
   */
  readonly plugins?: readonly DeploymentPlugin[];
}

/** A deployment that could not be created: its inputs or functions are wrong. */
export class DeploymentInputError extends InvalidInputError {
  readonly diagnostics: readonly Diagnostic[];
  constructor(message: string, diagnostics: readonly Diagnostic[]) {
    super(message);
    this.diagnostics = diagnostics;
  }
}

/** What starting an execution needs. */
export interface StartExecutionOptions {
  readonly deploymentId: string;
  readonly workflowId: string;
  readonly parameters?: WorkflowParameters;
  readonly allowCustomParameters?: boolean;
  readonly settings?: Partial<ExecutionSettings>;
  /** Live events and logs as they are stored (progress views). */
  readonly listener?: EventListener;
}

/** One line of a dry run: a task in an order its dependencies allow. */
export interface DryRunStep {
  readonly task_id: string;
  readonly subgraph: string;
  readonly node_instance_id: string;
  readonly kind: 'operation' | 'state' | 'event';
  /** The operation, the state written, or the event's message. */
  readonly what: string;
  /** For relationship operations: `source` or `target` side, and the target instance. */
  readonly side?: 'source' | 'target';
  readonly target_id?: string;
  /** Ids of the tasks it waits for. */
  readonly waits_for: readonly string[];
}

/** A started execution. */
export interface ExecutionHandle {
  readonly execution: ExecutionRecord;
  /** Resolves with the final record when the execution ends. */
  readonly done: Promise<ExecutionRecord>;
  /** Stops starting new tasks; running ones finish (`force`: they are killed). */
  cancel(force?: boolean): void;
}

/** Defaults of Cloudify's `cfy executions start` (spec §5.5), and a parallelism of 50. */
export const DEFAULT_SETTINGS: ExecutionSettings = {
  task_retries: 0,
  task_retry_interval: 1,
  subgraph_retries: 0,
  parallelism: 50,
};

const END_STATES = new Set(['terminated', 'failed', 'cancelled']);

function now(): string {
  return new Date().toISOString();
}

function planOf(record: { readonly plan: JsonObject }): Plan {
  return record.plan as unknown as Plan;
}

/** Whether a process that owns an execution is still alive (same machine only). */
function ownerAlive(owner: ExecutionRecord['owner']): boolean {
  if (owner === null) return false;
  if (owner.hostname !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

/** The workflow engine. */
export class Engine {
  private readonly store: Store;
  private readonly executor: Executor;
  private readonly workdir: string;
  private readonly tenant: string;
  private readonly secrets: SecretSource | undefined;
  private readonly running = new Map<string, { cancel: AbortController; force: AbortController }>();

  constructor(options: EngineOptions) {
    this.store = options.store;
    this.executor = options.executor;
    this.workdir = options.workdir;
    this.tenant = options.tenant ?? 'default_tenant';
    this.secrets = options.secrets;
  }

  /** Stores (or replaces) a blueprint. */
  async putBlueprint(
    record: Omit<BlueprintRecord, 'created_at' | 'updated_at'>,
  ): Promise<BlueprintRecord> {
    const existing = await this.store.getBlueprint(record.id);
    const full: BlueprintRecord = {
      ...record,
      created_at: existing?.created_at ?? now(),
      updated_at: now(),
    };
    await this.store.putBlueprint(full);
    return full;
  }

  /**
   * Creates a deployment: inputs checked against their schemas and deployment-time functions
   * evaluated first (a {@link DeploymentInputError} with diagnostics when they are wrong), then
   * the deployment and its node instances are stored in one transaction.
   */
  async createDeployment(
    options: CreateDeploymentOptions,
  ): Promise<{ deployment: DeploymentRecord; instances: NodeInstanceRecord[] }> {
    const blueprint = await this.store.getBlueprint(options.blueprintId);
    if (blueprint === undefined) {
      throw new NotFoundError(`There is no blueprint '${options.blueprintId}'.`);
    }
    if ((await this.store.getDeployment(options.id)) !== undefined) {
      throw new ConflictError(`A deployment '${options.id}' already exists.`);
    }
    const prepared = prepareDeployment(planOf(blueprint), {
      inputs: options.inputs ?? {},
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      ...(options.sourceMap === undefined ? {} : { sourceMap: options.sourceMap }),
    });
    if (!prepared.ok || prepared.deployment === undefined) {
      const errors = prepared.diagnostics.filter((d) => d.severity === 'error');
      throw new DeploymentInputError(
        `The deployment '${options.id}' cannot be created: ${errors.map((d) => d.message).join(' ')}`,
        prepared.diagnostics,
      );
    }
    const created = now();
    const deployment: DeploymentRecord = {
      id: options.id,
      blueprint_id: options.blueprintId,
      inputs: prepared.deployment.inputs,
      plan: prepared.deployment.plan as unknown as JsonObject,
      plugins: options.plugins ?? [],
      created_at: created,
      updated_at: created,
    };
    const instances: NodeInstanceRecord[] = prepared.deployment.node_instances.map((i) => ({
      id: i.id,
      deployment_id: options.id,
      node_id: i.node_id,
      host_id: i.host_id ?? null,
      state: null,
      runtime_properties: {},
      system_properties: {},
      relationships: i.relationships.map((r) => ({ ...r })),
      scaling_groups: i.scaling_groups.map((g) => ({ ...g })),
      index: i.index,
      version: 1,
    }));
    await this.store.createDeployment(deployment, instances);
    return { deployment, instances };
  }

  private async load(deploymentId: string): Promise<DeploymentModel> {
    const deployment = await this.store.getDeployment(deploymentId);
    if (deployment === undefined)
      throw new NotFoundError(`There is no deployment '${deploymentId}'.`);
    const instances = await this.store.listNodeInstances({ deployment_id: deploymentId });
    return new DeploymentModel(deployment, instances);
  }

  private resolveWorkflow(
    model: DeploymentModel,
    workflowId: string,
    parameters: WorkflowParameters,
    allowCustom: boolean,
  ): { workflow: ResolvedWorkflow; parameters: WorkflowParameters } {
    const declared = model.plan.workflows[workflowId];
    if (declared === undefined) {
      const known = Object.keys(model.plan.workflows).sort();
      throw new WorkflowError(
        `The deployment '${model.deployment.id}' has no workflow '${workflowId}'. Its workflows: ${known.join(', ')}.`,
      );
    }
    const resolved = resolveParameters(workflowId, declared, parameters, allowCustom);
    const fn = declared.operation.startsWith('cloudify.plugins.workflows.')
      ? declared.operation.slice('cloudify.plugins.workflows.'.length)
      : undefined;
    const workflow =
      declared.plugin === 'default_workflows' && fn !== undefined
        ? BUILTIN_WORKFLOWS.get(fn)
        : undefined;
    if (workflow !== undefined) return { workflow, parameters: resolved };
    if (declared.plugin === 'default_workflows') {
      throw new WorkflowError(
        `The workflow '${workflowId}' maps to Cloudify's built-in ${declared.operation}, which Cairn does not implement (it has: ${[...BUILTIN_WORKFLOWS.keys()].join(', ')}).`,
      );
    }
    if (!isWorkflowExecutor(this.executor)) {
      throw new WorkflowError(
        `The workflow '${workflowId}' is a plugin function (${declared.plugin}.${declared.operation}), and this executor cannot run workflow functions.`,
      );
    }
    return {
      workflow: { kind: 'custom', plugin: declared.plugin, function: declared.operation },
      parameters: resolved,
    };
  }

  /** Checks a workflow can start; returns its first graph (the whole graph for most). */
  private buildGraph(
    model: DeploymentModel,
    workflowId: string,
    parameters: WorkflowParameters,
    allowCustom: boolean,
  ): { graph: TaskGraph; workflow: ResolvedWorkflow; parameters: WorkflowParameters } {
    const { workflow, parameters: resolved } = this.resolveWorkflow(
      model,
      workflowId,
      parameters,
      allowCustom,
    );
    if (workflow.kind === 'graph') {
      return { graph: workflow.build(model, resolved), workflow, parameters: resolved };
    }
    if (workflow.kind === 'custom')
      return { graph: new TaskGraph(), workflow, parameters: resolved };
    workflow.check(model, resolved);
    return { graph: workflow.preview(model, resolved), workflow, parameters: resolved };
  }

  /** The tasks an execution would run, in an order their dependencies allow; runs nothing. */
  async dryRun(options: StartExecutionOptions): Promise<DryRunStep[]> {
    const model = await this.load(options.deploymentId);
    const { graph } = this.buildGraph(
      model,
      options.workflowId,
      options.parameters ?? {},
      options.allowCustomParameters ?? false,
    );
    const waits = new Map<string, string[]>();
    for (const task of graph.tasks.values()) {
      for (const d of task.dependents) {
        let list = waits.get(d);
        if (list === undefined) waits.set(d, (list = []));
        list.push(task.id);
      }
    }
    return graph.order().map((task: GraphTask): DryRunStep => {
      const spec = task.spec;
      const base = {
        task_id: task.id,
        subgraph: task.subgraph,
        node_instance_id: spec.instanceId,
        waits_for: waits.get(task.id) ?? [],
      };
      switch (spec.kind) {
        case 'operation': {
          if (spec.relationship === undefined)
            return { ...base, kind: 'operation', what: spec.operation };
          const rel = model
            .relationshipsOf(model.instance(spec.instanceId))
            .find((r) => r.index === spec.relationship?.index);
          return {
            ...base,
            kind: 'operation',
            what: spec.operation,
            side: spec.relationship.side,
            ...(rel ? { target_id: rel.target.id } : {}),
          };
        }
        case 'state':
          return { ...base, kind: 'state', what: spec.state };
        case 'event':
          return { ...base, kind: 'event', what: spec.message };
      }
    });
  }

  /**
   * Marks executions whose owning process is gone as failed ("interrupted"), so they can be
   * resumed. Returns the ones it marked.
   */
  async recoverInterrupted(deploymentId?: string): Promise<ExecutionRecord[]> {
    const marked: ExecutionRecord[] = [];
    const list = await this.store.listExecutions(
      deploymentId === undefined ? {} : { deployment_id: deploymentId },
    );
    for (const execution of list) {
      if (END_STATES.has(execution.status) || this.running.has(execution.id)) continue;
      // A queued execution waits for its service to start it; nobody runs it yet.
      if (execution.status === 'queued') continue;
      if (ownerAlive(execution.owner)) continue;
      const error = `Interrupted: the process running it (pid ${execution.owner?.pid ?? '?'}) ended before it finished. Resume it with 'cairn executions resume ${execution.id}'.`;
      await this.store.apply({
        execution: { id: execution.id, status: 'failed', ended_at: now(), error, owner: null },
        events: [
          makeEvent(
            this.scopeOf(execution, ''),
            'workflow_failed',
            `'${execution.workflow_id}' workflow execution failed: ${error}`,
          ),
        ],
      });
      const updated = await this.store.getExecution(execution.id);
      if (updated !== undefined) marked.push(updated);
    }
    return marked;
  }

  private scopeOf(execution: ExecutionRecord, blueprintId: string): EventScope {
    return {
      execution_id: execution.id,
      deployment_id: execution.deployment_id,
      blueprint_id: blueprintId,
      workflow_id: execution.workflow_id,
      tenant: this.tenant,
    };
  }

  /**
   * Starts an execution. Problems with the workflow or its parameters throw before anything is
   * stored; a deployment with a running execution gives a ConflictError.
   */
  async startExecution(options: StartExecutionOptions): Promise<ExecutionHandle> {
    const { execution, model, graph, workflow } = await this.prepareExecution(options, 'pending');
    return this.launch(execution, model, options.listener, { graph, workflow });
  }

  /**
   * Stores an execution as `queued` without running it: the workflow and its parameters are
   * checked now (so a bad request fails at once), and {@link startQueued} runs it later (a
   * service that limits how many executions run at once). The deployment counts as busy from
   * now on: a second execution of it is refused as for a running one.
   */
  async queueExecution(options: Omit<StartExecutionOptions, 'listener'>): Promise<ExecutionRecord> {
    return (await this.prepareExecution(options, 'queued')).execution;
  }

  /** Runs an execution {@link queueExecution} stored. ConflictError unless it is still queued. */
  async startQueued(executionId: string, listener?: EventListener): Promise<ExecutionHandle> {
    const execution = await this.store.getExecution(executionId);
    if (execution === undefined) throw new NotFoundError(`There is no execution '${executionId}'.`);
    if (execution.status !== 'queued') {
      throw new ConflictError(
        `The execution '${executionId}' is ${execution.status}, not queued; it cannot be started.`,
      );
    }
    const model = await this.load(execution.deployment_id);
    await this.store.apply({
      execution: {
        id: executionId,
        status: 'pending',
        owner: { pid: process.pid, hostname: hostname() },
      },
    });
    const started = (await this.store.getExecution(executionId)) ?? execution;
    // Built from the states stored when it was queued, as a resumed run's graph is.
    return this.launch(started, model, listener, 'queued');
  }

  /** Checks a request to run a workflow and stores its execution with `status`. */
  private async prepareExecution(
    options: Omit<StartExecutionOptions, 'listener'>,
    status: 'pending' | 'queued',
  ): Promise<{
    execution: ExecutionRecord;
    model: DeploymentModel;
    graph: TaskGraph;
    workflow: ResolvedWorkflow;
  }> {
    await this.recoverInterrupted(options.deploymentId);
    const model = await this.load(options.deploymentId);
    const settings: ExecutionSettings = { ...DEFAULT_SETTINGS, ...(options.settings ?? {}) };
    // Built once: the check that the workflow can start gives the graph the run uses.
    const { graph, workflow, parameters } = this.buildGraph(
      model,
      options.workflowId,
      options.parameters ?? {},
      options.allowCustomParameters ?? false,
    );
    const basis: JsonObject = {};
    for (const instance of model.allInstances()) basis[instance.id] = instance.state;
    const execution: ExecutionRecord = {
      id: randomUUID(),
      deployment_id: options.deploymentId,
      workflow_id: options.workflowId,
      status,
      parameters: parameters,
      settings: { ...settings, basis },
      is_dry_run: false,
      created_at: now(),
      started_at: null,
      ended_at: null,
      error: '',
      owner: status === 'queued' ? null : { pid: process.pid, hostname: hostname() },
    };
    await this.store.createExecution(execution);
    return { execution, model, graph, workflow };
  }

  /**
   * Resumes a failed, cancelled or interrupted execution: the same graph is built again from
   * the instance states it started with, and only the tasks that did not succeed run.
   */
  async resume(executionId: string, listener?: EventListener): Promise<ExecutionHandle> {
    const found = await this.store.getExecution(executionId);
    if (found === undefined) throw new NotFoundError(`There is no execution '${executionId}'.`);
    await this.recoverInterrupted(found.deployment_id);
    const execution = (await this.store.getExecution(executionId)) ?? found;
    if (execution.status !== 'failed' && execution.status !== 'cancelled') {
      throw new ConflictError(
        `The execution '${executionId}' is ${execution.status}; only a failed, cancelled or interrupted execution can be resumed.`,
      );
    }
    const others = await this.store.listExecutions({ deployment_id: execution.deployment_id });
    const active = others.find((e) => e.id !== executionId && !END_STATES.has(e.status));
    if (active !== undefined) {
      throw new ConflictError(
        `The deployment '${execution.deployment_id}' has a running execution (${active.id}, ${active.workflow_id}).`,
      );
    }
    const model = await this.load(execution.deployment_id);
    await this.store.apply({
      execution: {
        id: executionId,
        status: 'pending',
        ended_at: null,
        error: '',
        owner: { pid: process.pid, hostname: hostname() },
      },
    });
    const resumed = (await this.store.getExecution(executionId)) ?? execution;
    return this.launch(resumed, model, listener, 'resume');
  }

  private async launch(
    execution: ExecutionRecord,
    model: DeploymentModel,
    listener: EventListener | undefined,
    /**
     * The graph built when the execution was created; `resume` to build it again and run only
     * what did not succeed; `queued` to build it again for a first run.
     */
    start: { graph: TaskGraph; workflow: ResolvedWorkflow } | 'resume' | 'queued',
  ): Promise<ExecutionHandle> {
    const resuming = start === 'resume';
    const cancel = new AbortController();
    const force = new AbortController();
    this.running.set(execution.id, { cancel, force });
    const blueprint = await this.store.getBlueprint(model.deployment.blueprint_id);
    const scope = this.scopeOf(execution, model.deployment.blueprint_id);
    const settingsJson = execution.settings;
    const settings: ExecutionSettings = {
      task_retries: Number(settingsJson.task_retries ?? DEFAULT_SETTINGS.task_retries),
      task_retry_interval: Number(
        settingsJson.task_retry_interval ?? DEFAULT_SETTINGS.task_retry_interval,
      ),
      subgraph_retries: Number(settingsJson.subgraph_retries ?? DEFAULT_SETTINGS.subgraph_retries),
      parallelism: Math.max(1, Number(settingsJson.parallelism ?? DEFAULT_SETTINGS.parallelism)),
    };
    // A resumed run's graph is built from the states the execution started with, so it has
    // the same tasks (and task ids) as the first.
    const basis = (settingsJson.basis ?? {}) as { [id: string]: string | null };
    const { graph, workflow } =
      typeof start === 'object'
        ? start
        : this.buildGraph(
            new DeploymentModel(
              model.deployment,
              model
                .allInstances()
                .map((i) =>
                  Object.hasOwn(basis, i.id) ? { ...i, state: basis[i.id] ?? null } : i,
                ),
            ),
            execution.workflow_id,
            execution.parameters,
            true,
          );
    const tasks = resuming ? await this.store.listTasks(execution.id) : [];
    const run = new RunState({
      store: this.store,
      executor: this.executor,
      model,
      scope,
      settings,
      resourcesPath: blueprint?.resources_path ?? process.cwd(),
      workdirRoot: this.workdir,
      tasks,
      ...(this.secrets ? { secrets: this.secrets } : {}),
      ...(listener ? { listener } : {}),
      cancelSignal: cancel.signal,
      forceSignal: force.signal,
    });
    await run.commit({
      execution: { id: execution.id, status: 'started', started_at: now() },
      events: [
        makeEvent(
          scope,
          'workflow_started',
          resuming
            ? `Resuming '${execution.workflow_id}' workflow execution`
            : `Starting '${execution.workflow_id}' workflow execution`,
        ),
      ],
    });
    // Another process (`cairn executions cancel`) asks by writing the status: watch for it.
    const watch = setInterval(() => {
      void this.store.getExecution(execution.id).then((e) => {
        if (e?.status === 'cancelling') cancel.abort();
        if (e?.status === 'force_cancelling') {
          cancel.abort();
          force.abort();
        }
      });
    }, 500);
    const done = (async (): Promise<ExecutionRecord> => {
      try {
        const result = await this.runWorkflow(workflow, graph, run, {
          model,
          params: execution.parameters,
          resume: resuming,
        }).catch((error: unknown) => ({
          status: 'failed' as const,
          error: `Cairn failed: ${error instanceof Error ? error.message : String(error)}`,
        }));
        const wf = execution.workflow_id;
        const message =
          result.status === 'terminated'
            ? `'${wf}' workflow execution succeeded`
            : result.status === 'cancelled'
              ? `'${wf}' workflow execution cancelled`
              : `'${wf}' workflow execution failed: ${result.error}`;
        const type =
          result.status === 'terminated'
            ? 'workflow_succeeded'
            : result.status === 'cancelled'
              ? 'workflow_cancelled'
              : 'workflow_failed';
        await run.commit({
          execution: {
            id: execution.id,
            status: result.status,
            ended_at: now(),
            error: result.error,
            owner: null,
          },
          events: [makeEvent(scope, type, message)],
        });
        const final = await this.store.getExecution(execution.id);
        if (final === undefined)
          throw new NotFoundError(`The execution '${execution.id}' vanished.`);
        return final;
      } finally {
        clearInterval(watch);
        this.running.delete(execution.id);
      }
    })();
    const started = (await this.store.getExecution(execution.id)) ?? execution;
    return {
      execution: started,
      done,
      cancel: (forceIt = false) => {
        cancel.abort();
        if (forceIt) force.abort();
      },
    };
  }

  /** Runs a workflow's graph, or its phases, to the end. */
  private async runWorkflow(
    workflow: ResolvedWorkflow,
    graph: TaskGraph,
    run: RunState,
    context: { model: DeploymentModel; params: WorkflowParameters; resume: boolean },
  ): Promise<Pick<GraphResult, 'status' | 'error'>> {
    if (workflow.kind === 'graph') return runGraph(graph, run);
    const phases: WorkflowContext = {
      model: context.model,
      params: context.params,
      run: async (phase) => {
        const result = await runGraph(phase, run);
        if (result.status !== 'terminated') throw new PhaseFailed(result.status, result.error);
        return result.results;
      },
      setSystemProperties: async (instanceId, properties) => {
        await run.commit({ instances: [{ id: instanceId, system_properties: properties }] });
      },
      stage: async (message) => {
        await run.commit({ events: [makeEvent(run.scope, 'workflow_stage', message)] });
      },
      modify: async (batch) => {
        const written = await run.commit(batch);
        context.model.insert(batch.newInstances ?? []);
        context.model.update(written);
        context.model.remove(batch.deletedInstances ?? []);
      },
      executionId: run.scope.execution_id,
    };
    try {
      if (workflow.kind === 'phased') await workflow.run(phases);
      else await this.runCustom(workflow, run, phases, context.resume);
      return { status: 'terminated', error: '' };
    } catch (error) {
      if (error instanceof PhaseFailed) return { status: error.status, error: error.error };
      if (isCairnError(error)) return { status: 'failed', error: error.message };
      throw error;
    }
  }

  private async runCustom(
    workflow: CustomWorkflow,
    run: RunState,
    context: WorkflowContext,
    resume: boolean,
  ): Promise<void> {
    if (!isWorkflowExecutor(this.executor)) {
      throw new WorkflowError('This executor cannot run workflow functions.');
    }
    const node = context.model.plan.nodes[0];
    const declared = context.model.plan.workflows[run.scope.workflow_id];
    const plugin = node !== undefined ? run.pluginOf(node, workflow.plugin) : undefined;
    const pinned = context.model.deployment.plugins.find((p) => p.name === workflow.plugin);
    const fromPlan = Object.values(context.model.plan.workflow_plugins_to_install).find(
      (p) => p.name === workflow.plugin,
    );
    await runCustomWorkflow({
      executor: this.executor,
      request: {
        task_id: `${run.scope.execution_id}#workflow`,
        execution_id: run.scope.execution_id,
        deployment_id: run.scope.deployment_id,
        blueprint_id: run.scope.blueprint_id,
        workflow_id: run.scope.workflow_id,
        tenant: run.scope.tenant,
        plugin: {
          name: workflow.plugin,
          package_name:
            pinned?.package_name ?? fromPlan?.package_name ?? plugin?.package_name ?? null,
          package_version:
            pinned?.package_version ?? fromPlan?.package_version ?? plugin?.package_version ?? null,
          source: fromPlan?.source ?? plugin?.source ?? null,
          properties: fromPlan?.properties ?? {},
          bundle_id: pinned?.bundle_id ?? null,
        },
        function: declared?.operation ?? workflow.function,
        resume,
        resources_path: run.resourcesPath,
        workdir: run.workdirFor(workflow.plugin),
      },
      params: context.params,
      context,
      log: (record) => {
        const log = makeLog(run.scope, record.level, record.message, {
          logger: `${run.scope.execution_id}#workflow`,
        });
        void run.commit({ events: [log] });
      },
      nodeEvent: async (instanceId, message) => {
        await run.commit({
          events: [
            makeEvent(run.scope, 'workflow_node_event', message, {
              context: { node_id: instanceId, node_name: run.model.instance(instanceId).node_id },
            }),
          ],
        });
      },
      signal: run.forceSignal,
    });
  }

  /** Runs an execution to its end. */
  async execute(options: StartExecutionOptions): Promise<ExecutionRecord> {
    const handle = await this.startExecution(options);
    return handle.done;
  }

  /**
   * Asks an execution to stop: `cancel` lets running tasks finish, `force` kills them. Works
   * across processes (the running one watches the stored status).
   */
  async cancel(executionId: string, force = false): Promise<ExecutionRecord> {
    const execution = await this.store.getExecution(executionId);
    if (execution === undefined) throw new NotFoundError(`There is no execution '${executionId}'.`);
    if (END_STATES.has(execution.status)) {
      throw new ConflictError(
        `The execution '${executionId}' has already ended (${execution.status}).`,
      );
    }
    const local = this.running.get(executionId);
    await this.store.apply({
      execution: { id: executionId, status: force ? 'force_cancelling' : 'cancelling' },
    });
    if (local !== undefined) {
      local.cancel.abort();
      if (force) local.force.abort();
    }
    return (await this.store.getExecution(executionId)) ?? execution;
  }

  private async evaluateSection(
    deploymentId: string,
    section: 'outputs' | 'capabilities',
  ): Promise<{ [name: string]: JsonValue }> {
    const model = await this.load(deploymentId);
    const out: { [name: string]: JsonValue } = {};
    for (const [name, output] of Object.entries(model.plan[section])) {
      try {
        out[name] = evaluateAtRuntime(
          model,
          output.value,
          {},
          this.secrets ? { secrets: this.secrets } : {},
        );
      } catch (error) {
        // Cloudify's local mode shows a failed output as an error string rather than failing.
        const message = error instanceof RuntimeEvaluationError ? error.message : String(error);
        out[name] = `<ERROR: ${message}>`;
      }
    }
    return out;
  }

  /**
   * Moves a deployment to other installed plugin bundles (`cairn deployments update-plugins`).
   * Refused (ConflictError) while one of its executions runs: an execution keeps the plugins it
   * started with. NotFoundError when the deployment does not exist.
   */
  async updateDeploymentPlugins(
    deploymentId: string,
    plugins: readonly DeploymentPlugin[],
  ): Promise<void> {
    if ((await this.store.getDeployment(deploymentId)) === undefined) {
      throw new NotFoundError(`There is no deployment '${deploymentId}'.`);
    }
    await this.recoverInterrupted(deploymentId);
    const executions = await this.store.listExecutions({ deployment_id: deploymentId });
    const active = executions.find((e) => !END_STATES.has(e.status));
    if (active !== undefined) {
      throw new ConflictError(
        `The deployment '${deploymentId}' has a running execution (${active.id}, ${active.workflow_id}); update its plugins when it has ended.`,
      );
    }
    await this.store.setDeploymentPlugins(deploymentId, plugins);
  }

  /** The deployment's outputs, evaluated now. */
  outputs(deploymentId: string): Promise<{ [name: string]: JsonValue }> {
    return this.evaluateSection(deploymentId, 'outputs');
  }

  /** The deployment's capabilities, evaluated now. */
  capabilities(deploymentId: string): Promise<{ [name: string]: JsonValue }> {
    return this.evaluateSection(deploymentId, 'capabilities');
  }
}

/** Creates an engine. */
export function createEngine(options: EngineOptions): Engine {
  return new Engine(options);
}
