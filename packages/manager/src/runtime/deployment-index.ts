/**
 * A tenant's deployments as lists need them, in memory: id, blueprint, times, owner and the
 * latest execution's status, in creation order. A list request filters and pages this index
 * and reads full records only for the page it returns (and keeps the views it built), so its
 * cost follows the page size, not the number of deployments.
 *
 * The manager process is the only writer of its tenants' stores, so the routes and the
 * execution queue keep the index current as they change things (see the note on one manager
 * per database in docs/manager/README.md).
 */
import type { Deployment } from '@cairn/api';
import type { DeploymentSummaryRecord, ExecutionRecord, ResourceRecord, Store } from '@cairn/store';
import { deploymentStatus, deploymentView, type LatestExecution } from '../routes/views.js';

/** What the index keeps of one deployment. */
export interface DeploymentSummary {
  readonly id: string;
  readonly blueprint_id: string;
  readonly created_at: string;
  updated_at: string;
  owner: ResourceRecord;
  latest: LatestExecution | undefined;
}

/** The fields a list can filter and sort on without reading records. */
const SUMMARY_FIELDS = new Set([
  'id',
  'blueprint_id',
  'created_at',
  'updated_at',
  'visibility',
  'created_by',
  'tenant_name',
  'latest_execution_status',
  'installation_status',
  'deployment_status',
]);

/** Whether every field named is one the summary has. */
export function summaryCovers(fields: readonly string[]): boolean {
  return fields.every((field) => SUMMARY_FIELDS.has(field));
}

/** The latest execution of each deployment, and whether its last finished install stands. */
export function latestByDeployment(
  executions: readonly ExecutionRecord[],
): Map<string, LatestExecution> {
  const latest = new Map<string, LatestExecution>();
  for (const execution of executions)
    latest.set(execution.deployment_id, after(latest.get(execution.deployment_id), execution));
  return latest;
}

/** What a deployment's summary says after `execution` reached its current status. */
function after(
  previous: LatestExecution | undefined,
  execution: Pick<ExecutionRecord, 'status' | 'workflow_id'>,
): LatestExecution {
  let installed = previous?.installed ?? false;
  if (execution.status === 'terminated') {
    if (execution.workflow_id === 'install') installed = true;
    if (execution.workflow_id === 'uninstall') installed = false;
  }
  return { status: execution.status, installed };
}

/** The fields of a summary as a (partial) deployment view, for filtering and `_include`. */
export function summaryFields(summary: DeploymentSummary): Partial<Deployment> {
  return {
    id: summary.id,
    blueprint_id: summary.blueprint_id,
    created_at: summary.created_at,
    updated_at: summary.updated_at,
    visibility: summary.owner.visibility,
    created_by: summary.owner.created_by,
    tenant_name: summary.owner.tenant,
    latest_execution_status: summary.latest?.status ?? null,
    installation_status: summary.latest?.installed === true ? 'active' : 'inactive',
    deployment_status: deploymentStatus(summary.latest?.status),
  };
}

/** Most full views kept in memory per tenant. */
const VIEW_CACHE_SIZE = 2000;

/** A tenant's deployments, summarised. */
export class DeploymentIndex {
  private readonly byId = new Map<string, DeploymentSummary>();
  /** The summaries in creation order, rebuilt after a change (lists read it as is). */
  private ordered: DeploymentSummary[] | undefined;
  /** How many deployments are private (when none are, every member sees them all). */
  private privates = 0;
  /** Full views built for pages, by id (least recently used first). */
  private readonly views = new Map<string, { updated_at: string; view: Deployment }>();
  /** Views being read from the store, by id and version. */
  private readonly reading = new Map<string, Promise<Deployment | undefined>>();

  private constructor(private readonly store: Store) {}

  /** Reads a tenant's deployments, their owners and executions. */
  static async load(store: Store, owners: readonly ResourceRecord[]): Promise<DeploymentIndex> {
    const index = new DeploymentIndex(store);
    const ownerOf = new Map(owners.map((o) => [o.id, o]));
    const latest = latestByDeployment(await store.listExecutions());
    for (const record of await store.listDeploymentSummaries()) {
      const owner = ownerOf.get(record.id);
      // A deployment without an owner record was never finished being created: not listed.
      if (owner === undefined) continue;
      index.add(record, owner, latest.get(record.id));
    }
    return index;
  }

  /** Every summary, in creation order (the same array until something changes). */
  all(): readonly DeploymentSummary[] {
    this.ordered ??= [...this.byId.values()];
    return this.ordered;
  }

  /** How many of the deployments are private. */
  get privateCount(): number {
    return this.privates;
  }

  get(id: string): DeploymentSummary | undefined {
    return this.byId.get(id);
  }

  /** Records a new deployment. */
  add(record: DeploymentSummaryRecord, owner: ResourceRecord, latest?: LatestExecution): void {
    this.remove(record.id);
    this.ordered = undefined;
    if (owner.visibility === 'private') this.privates += 1;
    this.byId.set(record.id, {
      id: record.id,
      blueprint_id: record.blueprint_id,
      created_at: record.created_at,
      updated_at: record.updated_at,
      owner,
      latest,
    });
  }

  /** Forgets a deleted deployment. */
  remove(id: string): void {
    const summary = this.byId.get(id);
    if (summary === undefined) return;
    if (summary.owner.visibility === 'private') this.privates -= 1;
    this.byId.delete(id);
    this.views.delete(id);
    this.ordered = undefined;
  }

  /** Records a changed owner record (visibility). */
  setOwner(owner: ResourceRecord): void {
    const summary = this.byId.get(owner.id);
    if (summary === undefined) return;
    if (summary.owner.visibility === 'private') this.privates -= 1;
    if (owner.visibility === 'private') this.privates += 1;
    summary.owner = owner;
  }

  /** Records that an execution of a deployment reached `status`. */
  executionChanged(
    execution: Pick<ExecutionRecord, 'deployment_id' | 'status' | 'workflow_id'>,
  ): void {
    const summary = this.byId.get(execution.deployment_id);
    if (summary !== undefined) summary.latest = after(summary.latest, execution);
  }

  /** Records that a deployment's record changed (its plugins were moved …). */
  touched(id: string, updatedAt: string): void {
    const summary = this.byId.get(id);
    if (summary !== undefined) summary.updated_at = updatedAt;
    this.views.delete(id);
  }

  /** The full view of a listed deployment, read from the store once and then kept. */
  async view(summary: DeploymentSummary): Promise<Deployment | undefined> {
    const cached = this.views.get(summary.id);
    let view = cached?.updated_at === summary.updated_at ? cached.view : undefined;
    if (view === undefined) {
      // Requests that want it at the same time (a page asked by several clients at once) share
      // one read.
      const key = `${summary.id}\n${summary.updated_at}`;
      let reading = this.reading.get(key);
      if (reading === undefined) {
        reading = this.store
          .getDeployment(summary.id)
          .then((record) =>
            record === undefined
              ? undefined
              : deploymentView(record, summary.owner, summary.latest),
          )
          .finally(() => this.reading.delete(key));
        this.reading.set(key, reading);
      }
      view = await reading;
      if (view === undefined) return undefined;
    }
    this.views.delete(summary.id);
    this.views.set(summary.id, { updated_at: summary.updated_at, view });
    if (this.views.size > VIEW_CACHE_SIZE) {
      const oldest = this.views.keys().next().value;
      if (oldest !== undefined) this.views.delete(oldest);
    }
    // Ownership and the latest execution change without the record changing: always current.
    return { ...view, ...summaryFields(summary) };
  }
}
