/**
 * Manager mode: while a manager profile is active (cairn profiles use URL), the verbs of local
 * mode work on that manager through its REST API. `main` registers these instead of the local
 * ones.
 */
import type { Command } from 'commander';
import type { Output } from '../output.js';
import { registerBlueprintCommands } from './blueprints.js';
import { createSession, type State } from './client.js';
import { registerDeploymentCommands } from './deployments.js';
import { registerEventCommands } from './events.js';
import { registerExecutionCommands } from './executions.js';
import { registerInstallCommands } from './install.js';
import { registerNodeInstanceCommands } from './node-instances.js';
import { registerPluginCommands } from './plugins.js';
import type { ManagerProfile } from './profile-store.js';
import { registerSecretCommands } from './secrets.js';
import { registerTenantCommands } from './tenants.js';
import { registerUserCommands } from './users.js';

export { registerProfileCommands } from './profiles.js';
export { resolveMode, type CliMode, type ManagerProfile } from './profile-store.js';

/** The groups manager mode adds verbs to, registered by the commands both modes share. */
export interface SharedGroups {
  /** `blueprints` (with the local `validate` and `plan`). */
  readonly blueprints: Command;
  /** `plugins` (with the authoring commands). */
  readonly plugins: Command;
}

/** Registers manager mode's commands, working on `profile`'s manager. */
export function registerManagerModeCommands(
  program: Command,
  groups: SharedGroups,
  context: { readonly profile: ManagerProfile; readonly output: Output; readonly state: State },
): void {
  const session = createSession(context.profile, context.output, context.state);
  registerInstallCommands(program, session);
  registerExecutionCommands(program, session);
  registerDeploymentCommands(program, session);
  registerNodeInstanceCommands(program, session);
  registerEventCommands(program, session);
  registerSecretCommands(program, session);
  registerTenantCommands(program, session);
  registerUserCommands(program, session);
  registerBlueprintCommands(groups.blueprints, session);
  registerPluginCommands(groups.plugins, session);
}

/** How the active manager shows in help: `alice@http://… (tenant acme)`. */
export function describeProfile(profile: ManagerProfile): string {
  const who = profile.username === undefined ? '' : `${profile.username}@`;
  const source = profile.kind === 'env' ? 'CAIRN_MANAGER_URL' : `profile '${profile.name}'`;
  return `${who}${profile.url}, tenant ${profile.tenant} (${source})`;
}
