import { ActionRegistry, type Action } from './action.js';
import { blocklistAction } from './blocklist.js';
import { noteAction, ticketAction, type AddIncidentNote } from './case.js';
import { containerActions } from './container.js';
import { emailAction } from './email.js';
import { hostActions } from './host.js';
import { slackAction, teamsAction, webhookAction } from './notify.js';

export interface ActionDeps {
  /** The Docker-compatible API for container actions (default unix:///var/run/docker.sock). */
  readonly dockerEndpoint?: string;
  /** How the server adds a note to an incident; without it case.note fails. */
  readonly addNote?: AddIncidentNote | null;
  /** Per-request limits for outbound HTTP (the step's timeout still bounds the whole attempt). */
  readonly http?: { readonly timeoutMs?: number; readonly maxResponseBytes?: number };
  /** More actions (plugins). */
  readonly extra?: readonly Action[];
}

/** Every built-in action, wired to its dependencies. */
export function defaultActions(deps: ActionDeps = {}): ActionRegistry {
  const http = deps.http ?? {};
  return new ActionRegistry([
    webhookAction(http),
    slackAction(http),
    teamsAction(http),
    emailAction(),
    ...containerActions({ endpoint: deps.dockerEndpoint ?? 'unix:///var/run/docker.sock' }),
    blocklistAction(),
    ticketAction(http),
    noteAction(deps.addNote ?? null),
    ...hostActions(),
    ...(deps.extra ?? []),
  ]);
}

export {
  ActionError,
  ActionRegistry,
  type Action,
  type ActionContext,
  type ActionOutcome,
  type Params,
  type ParamSpec,
  type ParamType,
} from './action.js';
export { signPayload } from './notify.js';
export type { AddIncidentNote } from './case.js';
