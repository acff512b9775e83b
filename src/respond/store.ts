import type { Mode } from './model.js';
import type { SubjectSnapshot } from './subject.js';

/**
 * What the response engine keeps: runs (with their approvals and steps), the audit log, block-list
 * entries, agent commands, step keys (idempotency) and settings (the kill switch). One interface,
 * two implementations: in memory, and ClickHouse through the project's Store.
 */
export type RunStatus =
  | 'pending_approval'
  | 'queued'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'interrupted'
  | 'rejected'
  | 'expired'
  | 'dry_run'
  | 'dropped'
  | 'blocked';

export const FINISHED: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled', 'interrupted'];

export type StepStatus =
  | 'pending'
  | 'running'
  | 'deferred'
  | 'retrying'
  | 'succeeded'
  | 'failed'
  | 'skipped'
  | 'cancelled'
  | 'interrupted'
  | 'planned';

export interface Attempt {
  readonly n: number;
  readonly started: number;
  readonly ms: number;
  readonly error: string | null;
}

export interface StepRun {
  /** The idempotency key: tenant + playbook + trigger + step + fan-out value. */
  readonly key: string;
  readonly step: string;
  readonly action: string;
  /** The fan-out value this instance acts on. */
  readonly value: string | null;
  /** Inputs, as recorded: secrets are references, literal URLs only their origin. */
  params: Record<string, unknown>;
  status: StepStatus;
  /** What the action would do / did, in one line. */
  plan: string;
  attempts: Attempt[];
  output: Record<string, unknown> | null;
  error: string | null;
  /** What rollback needs (no secrets). */
  undo: Record<string, unknown> | null;
  /** Whether rollback undoes it; with `irreversible` when the action cannot. */
  rollback: boolean;
  irreversible: string | null;
  note: string | null;
  started: number | null;
  finished: number | null;
  rolledBack: {
    status: 'done' | 'failed' | 'not_needed';
    at: number;
    output: Record<string, unknown> | null;
    error: string | null;
  } | null;
}

export interface RunRecord {
  readonly id: string;
  readonly tenant: string;
  readonly playbook: { readonly id: string; readonly version: number; readonly title: string };
  readonly trigger: {
    readonly key: string;
    readonly kind: 'incident' | 'alert';
    readonly change: string;
    readonly subjectId: string;
    readonly title: string;
    readonly severity: string;
    readonly risk: number;
  };
  /** The incident or alert as it was when the run was triggered: steps are filled from it. */
  readonly subject: SubjectSnapshot;
  readonly mode: Mode;
  status: RunStatus;
  /** Why it is in this status: approval needed, dropped, blocked, failed... */
  reason: string | null;
  /** Who or what let it act: a person, or the policy for auto runs. */
  approval: { by: string; at: number; note: string } | null;
  rejection: { by: string; at: number; reason: string } | null;
  readonly created: number;
  updated: number;
  steps: StepRun[];
  rollback: {
    by: string;
    at: number;
    status: 'running' | 'done' | 'partial' | 'failed' | 'nothing';
    finished: number | null;
    /** What rollback leaves as it is, and why (notifications cannot be unsent...). */
    notes: string[];
  } | null;
}

export interface AuditEntry {
  readonly id: string;
  readonly time: number;
  /** '' for what concerns every tenant (the kill switch). */
  readonly tenant: string;
  /** A person, or `vigil` for the engine. */
  readonly actor: string;
  readonly event: string;
  readonly runId: string | null;
  readonly detail: string;
}

export const BLOCK_LISTS = ['hash', 'domain', 'ip', 'sender'] as const;
export type BlockListName = (typeof BLOCK_LISTS)[number];

export interface BlockEntry {
  readonly tenant: string;
  readonly list: BlockListName;
  readonly value: string;
  readonly reason: string;
  /** The run (or person) that last added it. */
  readonly addedBy: string;
  readonly created: number;
  readonly expires: number;
  readonly removed: boolean;
  readonly updated: number;
}

export type AgentCommandName = 'kill_process' | 'isolate' | 'unisolate';
export type AgentCommandState = 'pending' | 'delivered' | 'done' | 'failed' | 'expired' | 'cancelled';

export interface AgentCommand {
  readonly id: string;
  readonly tenant: string;
  /** Lower case. */
  readonly host: string;
  readonly command: AgentCommandName;
  readonly args: Readonly<Record<string, string>>;
  readonly runId: string;
  readonly created: number;
  readonly expires: number;
  readonly state: AgentCommandState;
  readonly delivered: number | null;
  readonly deliveries: number;
  readonly result: { readonly ok: boolean; readonly output: string; readonly at: number } | null;
}

export interface RunFilter {
  readonly tenant?: string;
  readonly status?: RunStatus | readonly RunStatus[];
  readonly playbook?: string;
  /** An incident or alert id. */
  readonly subject?: string;
  readonly limit?: number;
}

export interface AuditFilter {
  readonly tenant?: string;
  readonly runId?: string;
  readonly limit?: number;
}

export interface ResponseStore {
  /** Inserts or replaces a run (the latest save wins). */
  saveRun(run: RunRecord): Promise<void>;
  getRun(id: string): Promise<RunRecord | null>;
  /** Newest first. */
  listRuns(filter: RunFilter): Promise<RunRecord[]>;
  /**
   * Claims a step key for a run: null when this call claimed it, else the run that holds it.
   * One engine writes per store, and it never claims one key twice at once (a run acts in one
   * worker), so check-then-insert is enough for ClickHouse.
   */
  claimStep(key: string, runId: string, now: number): Promise<string | null>;
  appendAudit(entry: AuditEntry): Promise<void>;
  /** Newest first. */
  listAudit(filter: AuditFilter): Promise<AuditEntry[]>;
  putBlockEntry(entry: BlockEntry): Promise<void>;
  getBlockEntry(tenant: string, list: BlockListName, value: string): Promise<BlockEntry | null>;
  /** Entries not removed and not expired at `now`, ordered by value. */
  listBlockEntries(tenant: string, list: BlockListName, now: number): Promise<BlockEntry[]>;
  putAgentCommand(command: AgentCommand): Promise<void>;
  getAgentCommand(tenant: string, id: string): Promise<AgentCommand | null>;
  /** Oldest first. */
  listAgentCommands(
    tenant: string,
    host: string,
    states?: readonly AgentCommandState[],
  ): Promise<AgentCommand[]>;
  getSetting(key: string): Promise<string | null>;
  setSetting(key: string, value: string, now: number): Promise<void>;
  /** Deletes what is over and untouched since the cut-offs (see `PurgeCutoffs`). */
  purge(cut: PurgeCutoffs): Promise<PurgeCounts>;
}

/**
 * What a purge removes: runs that are over (not waiting, queued or running) and unchanged since
 * `records`, with their step keys; agent commands created before it that are finished or expired;
 * block-list entries removed or expired and unchanged since it; audit entries older than `audit`.
 * Settings (the kill switch) are kept.
 */
export interface PurgeCutoffs {
  readonly records: number;
  readonly audit: number;
}

export interface PurgeCounts {
  readonly runs: number;
  readonly stepKeys: number;
  readonly agentCommands: number;
  readonly blockEntries: number;
  readonly audit: number;
}

/** Runs a purge never takes: they still wait for someone or something. */
export const LIVE_RUN_STATUSES: readonly RunStatus[] = ['pending_approval', 'queued', 'running'];
/** Agent commands a purge may take once created before the cut-off (or expired before it). */
export const ENDED_COMMAND_STATES: readonly AgentCommandState[] = ['done', 'failed', 'expired', 'cancelled'];

export const DEFAULT_RUN_LIMIT = 100;
export const MAX_RUN_LIMIT = 10_000;

export function statusList(status: RunFilter['status']): readonly RunStatus[] | null {
  if (status === undefined) return null;
  return typeof status === 'string' ? [status] : status;
}

export function runLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_RUN_LIMIT;
  return Math.max(1, Math.min(MAX_RUN_LIMIT, Math.floor(limit)));
}
