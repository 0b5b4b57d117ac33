/**
 * Types shared by the built-in workflows.
 */
import type { PlanValue } from '@cairn/dsl';
import { CairnError } from '@cairn/errors';

/** A workflow that cannot run with these parameters; the message is the user's to read. */
export class WorkflowError extends CairnError {
  constructor(message: string) {
    super('INVALID_INPUT', message);
  }
}

/** Parameters after defaults are applied. */
export type WorkflowParameters = { readonly [name: string]: PlanValue };
