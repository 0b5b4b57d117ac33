/**
 * The refusals every store gives, with the same messages and details whatever the database:
 * the conformance suite holds both implementations to them, and callers read the details.
 */
import { ConflictError, NotFoundError } from '@cairn/errors';

function quote(id: string): string {
  return JSON.stringify(id);
}

/** A thing looked up by id that is not there: `Blueprint "bp" does not exist`. */
export function missing(what: 'Blueprint' | 'Deployment' | 'Execution', id: string): NotFoundError {
  const key = `${what.toLowerCase()}_id`;
  return new NotFoundError(`${what} ${quote(id)} does not exist`, { details: { [key]: id } });
}

/** A record that names a parent that is not there: the blueprint of a deployment … */
export function missingParent(
  parent: 'Blueprint' | 'Deployment',
  parentId: string,
  child: 'deployment' | 'execution',
  childId: string,
): NotFoundError {
  return new NotFoundError(
    `${parent} ${quote(parentId)} of ${child} ${quote(childId)} does not exist`,
    {
      details: { [`${parent.toLowerCase()}_id`]: parentId, [`${child}_id`]: childId },
    },
  );
}

/** A record created with an id that is taken. */
export function alreadyExists(what: 'Deployment' | 'Execution', id: string): ConflictError {
  return new ConflictError(`${what} ${quote(id)} already exists`, {
    details: { [`${what.toLowerCase()}_id`]: id },
  });
}

/** A blueprint deleted while deployments use it. */
export function blueprintInUse(id: string, deployments: readonly string[]): ConflictError {
  const several = deployments.length > 1;
  return new ConflictError(
    `Blueprint ${quote(id)} is used by deployment${several ? 's' : ''} ` +
      `${deployments.map(quote).join(', ')}; delete ${several ? 'them' : 'it'} first`,
    { details: { blueprint_id: id, deployment_ids: [...deployments] } },
  );
}

/** An execution started while another of its deployment has not ended. */
export function deploymentBusy(
  deploymentId: string,
  executionId: string,
  active: { readonly id: string; readonly status: string },
): ConflictError {
  return new ConflictError(
    `Deployment ${quote(deploymentId)} already has execution ${quote(active.id)} ` +
      `(${active.status}); wait for it to end or cancel it`,
    {
      details: {
        deployment_id: deploymentId,
        execution_id: executionId,
        active_execution_id: active.id,
        active_status: active.status,
      },
    },
  );
}

/** A batch that deletes an instance that is not there. */
export function instanceToDeleteMissing(id: string): NotFoundError {
  return new NotFoundError(`Node instance ${quote(id)} to delete does not exist`, {
    details: { instance_id: id },
  });
}
