import type { ResponseStore } from '../store.js';
import type { Subject } from '../subject.js';

/**
 * The action plugin interface. An action declares its parameters (the loader checks playbooks
 * against them), says what it would do (dry runs), does it, and, where it can, undoes it from the
 * `undo` data it returned.
 */
export type ParamType =
  | 'string'
  | 'text'
  | 'number'
  | 'boolean'
  | 'duration'
  | 'list'
  | 'enum'
  /** Only `env:NAME`: the value never appears in a playbook or a record. */
  | 'secret'
  /** An http(s) URL, or `env:NAME` when it carries a token. Records keep its origin only. */
  | 'url';

export interface ParamSpec {
  readonly type: ParamType;
  readonly required?: boolean;
  readonly values?: readonly string[];
  readonly description: string;
  /** Bounds for numbers and durations (milliseconds). */
  readonly min?: number;
  readonly max?: number;
}

/** Parameters after templating and type checks: durations in ms, lists as arrays. */
export type Params = Readonly<Record<string, string | number | boolean | readonly string[] | undefined>>;

export interface ActionContext {
  readonly tenant: string;
  readonly runId: string;
  /** The idempotency key of this step instance; sent to receivers so they can drop repeats. */
  readonly stepKey: string;
  readonly subject: Subject;
  readonly playbook: { readonly id: string; readonly title: string };
  /** Aborted on timeout and by the kill switch. Actions pass it to their I/O. */
  readonly signal: AbortSignal;
  readonly now: () => number;
  /** Resolves an `env:NAME` reference; the value is scrubbed from everything recorded. */
  readonly secret: (reference: string) => string;
  readonly store: ResponseStore;
}

export interface ActionOutcome {
  /** What happened, for the run record (secrets are scrubbed by the engine). */
  readonly output: Readonly<Record<string, unknown>>;
  /** What rollback needs; null when there is nothing to undo (it was already so). */
  readonly undo: Readonly<Record<string, unknown>> | null;
}

export interface Action {
  readonly name: string;
  readonly description: string;
  readonly params: Readonly<Record<string, ParamSpec>>;
  /** Why it cannot be undone; absent when `undo` exists. */
  readonly irreversible?: string;
  /** Cross-parameter checks after templating; a message when the parameters cannot work. */
  check?(params: Params): string | null;
  /** One line: what it would do with these parameters (dry runs and approvals show it). */
  plan(params: Params): string;
  run(params: Params, ctx: ActionContext): Promise<ActionOutcome>;
  undo?(
    undo: Readonly<Record<string, unknown>>,
    ctx: ActionContext,
  ): Promise<Readonly<Record<string, unknown>>>;
}

/** A failure an action reports; `retryable` says whether trying again could help. */
export class ActionError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'ActionError';
  }
}

export class ActionRegistry {
  private readonly actions = new Map<string, Action>();

  constructor(actions: Iterable<Action> = []) {
    for (const a of actions) this.add(a);
  }

  add(action: Action): void {
    if (this.actions.has(action.name)) throw new Error(`action ${action.name} is registered twice`);
    this.actions.set(action.name, action);
  }

  get(name: string): Action | undefined {
    return this.actions.get(name);
  }

  names(): string[] {
    return [...this.actions.keys()].sort();
  }

  list(): Action[] {
    return this.names().map((n) => this.actions.get(n)!);
  }
}
