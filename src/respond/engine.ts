import { randomUUID } from 'node:crypto';
import { AgentCommandQueue } from './agent-queue.js';
import {
  ActionError,
  type Action,
  type ActionContext,
  type ActionOutcome,
  type ActionRegistry,
  type Params,
} from './actions/action.js';
import { formatDuration } from './duration.js';
import { FEED_CONTENT_TYPES, renderFeed, type FeedFormat } from './feeds.js';
import type { Playbook, Step } from './model.js';
import { recordedParams, renderParams } from './params.js';
import { RateLimiter, type RateLimit } from './rate-limit.js';
import { SecretScope, type Environment } from './secrets.js';
import {
  FINISHED,
  MAX_RUN_LIMIT,
  type AgentCommand,
  type AuditEntry,
  type AuditFilter,
  type BlockListName,
  type ResponseStore,
  type RunFilter,
  type RunRecord,
  type StepRun,
} from './store.js';
import {
  digest,
  snapshotOf,
  subjectOf,
  subjectOfAlert,
  subjectOfIncident,
  type AlertInput,
  type IncidentChange,
  type IncidentInput,
  type Subject,
} from './subject.js';
import { playbookMatches } from './triggers.js';

export interface Clock {
  now(): number;
}

export interface ResponseConfig {
  /** Triggers waiting to be recorded; beyond it they are dropped (and recorded as dropped). */
  readonly maxIntake: number;
  /** Runs waiting for a worker; beyond it new runs are dropped, with the reason recorded. */
  readonly maxQueue: number;
  /** Runs acting at once. */
  readonly concurrency: number;
  /** Token buckets by action name; `*` for the others. */
  readonly rateLimits: Readonly<Record<string, RateLimit>>;
  /** Longest a step waits for a rate-limit token before it fails. */
  readonly maxRateWaitMs: number;
  /** Retry delays: base × 2^(attempt−1), at most max, with jitter. */
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** Most values one step fans out over. */
  readonly maxFanOut: number;
  /** A run waiting for approval longer than this expires. */
  readonly approvalTtlMs: number;
}

export const DEFAULT_CONFIG: ResponseConfig = {
  maxIntake: 1000,
  maxQueue: 100,
  concurrency: 4,
  rateLimits: { '*': { perMinute: 60, burst: 20 } },
  maxRateWaitMs: 5 * 60_000,
  backoffBaseMs: 1000,
  backoffMaxMs: 60_000,
  maxFanOut: 20,
  approvalTtlMs: 24 * 3_600_000,
};

export interface ResponseEngineDeps {
  readonly store: ResponseStore;
  readonly actions: ActionRegistry;
  readonly playbooks?: readonly Playbook[];
  readonly clock?: Clock;
  readonly config?: Partial<ResponseConfig>;
  /** Where `env:NAME` secrets come from (default process.env). */
  readonly env?: Environment;
  readonly log?: (message: string) => void;
}

/** What a trigger call did: one entry per playbook that matched. */
export interface TriggerReceipt {
  readonly runs: readonly {
    readonly runId: string;
    readonly playbook: string;
    readonly accepted: boolean;
    readonly reason: string | null;
  }[];
}

export interface Preview {
  readonly runId: string;
  readonly playbook: { readonly id: string; readonly version: number; readonly title: string };
  /** act now, wait for approval, only plan (dry-run playbook), or blocked by the kill switch. */
  readonly decision: 'act' | 'approval' | 'dry-run' | 'blocked';
  readonly reason: string | null;
  readonly steps: readonly StepRun[];
}

/** A request the engine refuses; `status` is the HTTP status the server should answer with. */
export class ResponseRequestError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409 | 503,
  ) {
    super(message);
    this.name = 'ResponseRequestError';
  }
}

export interface ResponseStats {
  triggers: number;
  runs: number;
  duplicates: number;
  dropped: number;
  /** Drops that could not even be recorded (too many writes outstanding). */
  unrecorded: number;
  lastError: string | null;
}

class Timeout extends ActionError {
  constructor(ms: number) {
    super(`timed out after ${formatDuration(ms)}`, true);
  }
}

class Halt extends Error {
  constructor(readonly why: 'kill' | 'stop') {
    super(why === 'kill' ? 'the kill switch is on' : 'the engine stopped');
  }
}

const KILL_SWITCH = 'response.kill_switch';
const RECENT_RUN_IDS = 10_000;
const MAX_OUTSTANDING_WRITES = 200;

/** Sleeps, unless the signal aborts first. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const done = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', done);
      resolve();
    }, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Why a person must approve before this playbook acts on this subject; null when it may act now. */
export function approvalNeeded(playbook: Playbook, subject: Subject): string | null {
  if (playbook.mode === 'approve') return 'the playbook asks for approval';
  if (playbook.minConfidence !== null && subject.risk < playbook.minConfidence)
    return `risk ${subject.risk} is below min_confidence ${playbook.minConfidence}`;
  return null;
}

const haltOf = (reason: unknown): Halt => (reason instanceof Halt ? reason : new Halt('kill'));

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * The response engine. Triggers (onIncident, onAlert) are matched against the playbooks in
 * memory and return at once; recording and acting happen in the background through two bounded
 * queues: an intake (records each run: pending approval, dry run, queued, dropped or blocked) and
 * an action queue served by `concurrency` workers. Every step instance has an idempotency key
 * claimed in the store before it acts, so no trigger + playbook + step + value acts twice, across
 * restarts too.
 */
export class ResponseEngine {
  readonly stats: ResponseStats = {
    triggers: 0,
    runs: 0,
    duplicates: 0,
    dropped: 0,
    unrecorded: 0,
    lastError: null,
  };
  readonly agents: AgentCommandQueue;
  private readonly store: ResponseStore;
  private readonly actions: ActionRegistry;
  private readonly clock: Clock;
  private readonly config: ResponseConfig;
  private readonly env: Environment;
  private readonly log: (message: string) => void;
  private readonly limiter: RateLimiter;
  private playbooks = new Map<string, Playbook>();
  private readonly intake: { runId: string; playbook: Playbook; subject: Subject }[] = [];
  private readonly queue: string[] = [];
  /** Runs queued or acting, so one run is never taken twice. */
  private readonly scheduled = new Set<string>();
  private readonly controllers = new Map<string, AbortController>();
  /** Runs an approve, reject or rollback call is working on. */
  private readonly deciding = new Set<string>();
  private readonly recent = new Set<string>();
  private admitting = false;
  private active = 0;
  private writes = 0;
  private killed = false;
  private stopping = false;
  private ready: Promise<void>;
  private markReady!: () => void;
  private idleWaiters: (() => void)[] = [];

  constructor(deps: ResponseEngineDeps) {
    this.store = deps.store;
    this.actions = deps.actions;
    this.clock = deps.clock ?? { now: () => Date.now() };
    this.config = { ...DEFAULT_CONFIG, ...deps.config };
    this.env = deps.env ?? process.env;
    this.log = deps.log ?? (() => {});
    this.limiter = new RateLimiter(this.config.rateLimits);
    this.agents = new AgentCommandQueue(this.store, () => this.clock.now());
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.setPlaybooks(deps.playbooks ?? []);
  }

  /** Replaces the playbooks (after a reload). Runs already recorded keep the version they were planned with. */
  setPlaybooks(playbooks: readonly Playbook[]): void {
    this.playbooks = new Map(playbooks.map((p) => [p.id, p]));
  }

  get killSwitchOn(): boolean {
    return this.killed;
  }

  /**
   * Restores state and starts acting: the kill switch as it was left, runs that were queued, and
   * runs a crash interrupted (recorded as interrupted: a step may have acted, so it is not run
   * again). Triggers received before start wait for it.
   */
  async start(): Promise<void> {
    const ks = await this.store.getSetting(KILL_SWITCH);
    this.killed = ks !== null && (JSON.parse(ks) as { on?: boolean }).on === true;
    for (const run of await this.store.listRuns({ status: 'running', limit: MAX_RUN_LIMIT })) {
      for (const s of run.steps)
        if (s.status === 'running' || s.status === 'retrying' || s.status === 'deferred')
          s.status = 'interrupted';
      for (const s of run.steps) if (s.status === 'pending') s.status = 'skipped';
      run.status = 'interrupted';
      run.reason = 'Vigil stopped while this run was acting; steps that had not finished are not repeated';
      await this.save(run);
      await this.audit(run.tenant, 'vigil', 'run.interrupted', run.id, run.reason);
    }
    const queued = await this.store.listRuns({ status: 'queued', limit: MAX_RUN_LIMIT });
    for (const run of queued.reverse()) this.schedule(run.id, true);
    this.markReady();
    this.pumpIntake();
    this.pumpQueue();
  }

  /** Stops acting: running steps are aborted and recorded as interrupted. Triggers not yet recorded are lost. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.markReady();
    for (const c of this.controllers.values()) c.abort(new Halt('stop'));
    await this.idle();
  }

  /** Resolves when nothing is waiting or running (tests and the CLI wait for it). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    const queueStuck = this.killed || this.stopping || this.queue.length === 0;
    return (
      this.intake.length === 0 && !this.admitting && queueStuck && this.active === 0 && this.writes === 0
    );
  }

  private checkIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  // ---- triggers -------------------------------------------------------------------------------

  /** An incident was created or escalated. Returns at once; the work happens in the background. */
  onIncident(incident: IncidentInput, change: IncidentChange, tenant = 'default'): TriggerReceipt {
    return this.trigger(subjectOfIncident(incident, change, tenant));
  }

  /** An alert was stored. Returns at once; the work happens in the background. */
  onAlert(alert: AlertInput, tenant = 'default'): TriggerReceipt {
    return this.trigger(subjectOfAlert(alert, tenant));
  }

  private trigger(subject: Subject): TriggerReceipt {
    this.stats.triggers++;
    const runs: { runId: string; playbook: string; accepted: boolean; reason: string | null }[] = [];
    if (this.stopping) return { runs };
    for (const playbook of this.playbooks.values()) {
      if (!playbookMatches(playbook, subject)) continue;
      const runId = `run-${digest(subject.tenant, playbook.id, subject.triggerKey)}`;
      if (this.recent.has(runId)) {
        this.stats.duplicates++;
        runs.push({ runId, playbook: playbook.id, accepted: false, reason: 'duplicate trigger' });
        continue;
      }
      this.remember(runId);
      if (this.intake.length >= this.config.maxIntake) {
        const reason = `dropped: ${this.config.maxIntake} triggers are waiting to be recorded`;
        this.stats.dropped++;
        this.recordInBackground(this.newRun(runId, playbook, subject, 'dropped', reason));
        runs.push({ runId, playbook: playbook.id, accepted: false, reason });
        continue;
      }
      this.intake.push({ runId, playbook, subject });
      runs.push({ runId, playbook: playbook.id, accepted: true, reason: null });
    }
    this.pumpIntake();
    return { runs };
  }

  private remember(runId: string): void {
    this.recent.add(runId);
    if (this.recent.size > RECENT_RUN_IDS) this.recent.delete(this.recent.values().next().value!);
  }

  private recordInBackground(run: RunRecord): void {
    if (this.writes >= MAX_OUTSTANDING_WRITES) {
      this.stats.unrecorded++;
      this.log(
        `response: run ${run.id} (${run.playbook.id}) ${run.status} and not recorded: the store is behind`,
      );
      return;
    }
    this.writes++;
    void (async () => {
      try {
        await this.store.saveRun(run);
        await this.audit(run.tenant, 'vigil', `run.${run.status}`, run.id, run.reason ?? '');
      } catch (e) {
        this.fault(e);
      } finally {
        this.writes--;
        this.checkIdle();
      }
    })();
  }

  private newRun(
    runId: string,
    playbook: Playbook,
    subject: Subject,
    status: RunRecord['status'],
    reason: string | null,
  ): RunRecord {
    const now = this.clock.now();
    return {
      id: runId,
      tenant: subject.tenant,
      playbook: { id: playbook.id, version: playbook.version, title: playbook.title },
      trigger: {
        key: subject.triggerKey,
        kind: subject.kind,
        change: subject.change,
        subjectId: subject.id,
        title: subject.title,
        severity: subject.severity,
        risk: subject.risk,
      },
      subject: snapshotOf(subject),
      mode: playbook.mode,
      status,
      reason,
      approval: null,
      rejection: null,
      created: now,
      updated: now,
      steps: [],
      rollback: null,
    };
  }

  private pumpIntake(): void {
    if (this.admitting) return;
    this.admitting = true;
    void (async () => {
      await this.ready;
      try {
        while (this.intake.length > 0 && !this.stopping) {
          const item = this.intake.shift()!;
          try {
            await this.admit(item.runId, item.playbook, item.subject);
          } catch (e) {
            this.fault(e);
          }
        }
      } finally {
        this.admitting = false;
        if (this.stopping) this.intake.length = 0;
        this.checkIdle();
      }
    })();
  }

  /** Records a matched trigger as a run, and queues it when it may act now. */
  private async admit(runId: string, playbook: Playbook, subject: Subject): Promise<void> {
    if ((await this.store.getRun(runId)) !== null) {
      this.stats.duplicates++;
      return;
    }
    this.stats.runs++;
    const run = this.newRun(runId, playbook, subject, 'queued', null);
    if (this.killed) {
      run.status = 'blocked';
      run.reason = 'the kill switch is on';
    } else if (playbook.mode === 'dry-run') {
      run.steps = this.plan(playbook, subject, runId, 'planned');
      run.status = 'dry_run';
      run.reason = 'dry-run playbook: nothing was done';
    } else {
      run.steps = this.plan(playbook, subject, runId, 'pending');
      const needs = approvalNeeded(playbook, subject);
      if (needs !== null) {
        run.status = 'pending_approval';
        run.reason = needs;
      } else if (this.queue.length >= this.config.maxQueue) {
        run.status = 'dropped';
        run.reason = `dropped: the action queue is full (${this.config.maxQueue} runs waiting)`;
        this.stats.dropped++;
      } else {
        const why =
          playbook.minConfidence === null
            ? 'mode auto'
            : `mode auto, risk ${subject.risk} ≥ min_confidence ${playbook.minConfidence}`;
        run.approval = { by: 'policy', at: run.created, note: why };
      }
    }
    await this.save(run);
    await this.audit(
      run.tenant,
      'vigil',
      `run.${run.status}`,
      run.id,
      run.reason ?? run.approval?.note ?? '',
    );
    if (run.status === 'queued') this.schedule(run.id, true);
  }

  /** Each step's instances (one per fan-out value) with their parameters filled, as approvers see them. */
  private plan(
    playbook: Playbook,
    subject: Subject,
    runId: string,
    status: 'pending' | 'planned',
  ): StepRun[] {
    const out: StepRun[] = [];
    const scope = { subject, playbook, runId };
    for (const step of playbook.steps) {
      const action = this.actions.get(step.action);
      let values: (string | null)[] = [null];
      let note: string | null = null;
      if (step.fanOut !== null) {
        const all = subject.entities.get(step.fanOut) ?? [];
        values = all.slice(0, this.config.maxFanOut);
        if (all.length > values.length)
          note = `${all.length - values.length} more ${step.fanOut} values not acted on (at most ${this.config.maxFanOut})`;
        if (values.length === 0) note = `no ${step.fanOut} entities`;
      }
      if (values.length === 0) {
        out.push(this.stepRun(step, action, null, {}, 'skipped', '', note, subject, playbook));
        continue;
      }
      for (const value of values) {
        const rendered =
          action === undefined ? null : renderParams(action.params, step.params, scope, value ?? undefined);
        const problem =
          action === undefined
            ? `unknown action ${step.action}`
            : !rendered!.ok
              ? rendered!.error
              : (action.check?.(rendered!.params) ?? null);
        const params = rendered?.ok && action ? recordedParams(action.params, rendered.params) : {};
        const s = this.stepRun(
          step,
          action,
          value,
          params,
          problem === null ? status : 'failed',
          '',
          note,
          subject,
          playbook,
        );
        if (problem !== null) s.error = `parameters: ${problem}`;
        else s.plan = action!.plan(rendered!.ok ? rendered!.params : {});
        out.push(s);
        note = null;
      }
    }
    return out;
  }

  private stepRun(
    step: Step,
    action: Action | undefined,
    value: string | null,
    params: Record<string, unknown>,
    status: StepRun['status'],
    plan: string,
    note: string | null,
    subject: Subject,
    playbook: Playbook,
  ): StepRun {
    return {
      key: `step-${digest(subject.tenant, playbook.id, subject.triggerKey, step.id, value ?? '')}`,
      step: step.id,
      action: step.action,
      value,
      params,
      status,
      plan,
      attempts: [],
      output: null,
      error: null,
      undo: null,
      rollback: step.rollback,
      irreversible: action?.irreversible ?? null,
      note,
      started: null,
      finished: null,
      rolledBack: null,
    };
  }

  /**
   * What the playbooks would do for this incident or alert, recording nothing: the playbooks that
   * match, whether each would act, wait for approval or only plan, and its steps with their
   * parameters filled.
   */
  preview(
    input: { incident: IncidentInput; change: IncidentChange } | { alert: AlertInput },
    tenant = 'default',
  ): Preview[] {
    const subject =
      'alert' in input
        ? subjectOfAlert(input.alert, tenant)
        : subjectOfIncident(input.incident, input.change, tenant);
    const out: Preview[] = [];
    for (const playbook of this.playbooks.values()) {
      if (!playbookMatches(playbook, subject)) continue;
      const runId = `run-${digest(subject.tenant, playbook.id, subject.triggerKey)}`;
      const needs = playbook.mode === 'dry-run' ? null : approvalNeeded(playbook, subject);
      out.push({
        runId,
        playbook: { id: playbook.id, version: playbook.version, title: playbook.title },
        decision: this.killed
          ? 'blocked'
          : playbook.mode === 'dry-run'
            ? 'dry-run'
            : needs !== null
              ? 'approval'
              : 'act',
        reason: this.killed ? 'the kill switch is on' : needs,
        steps: this.plan(playbook, subject, runId, 'planned'),
      });
    }
    return out;
  }

  // ---- acting ---------------------------------------------------------------------------------

  private schedule(runId: string, force: boolean): boolean {
    if (this.scheduled.has(runId)) return true;
    if (!force && this.queue.length >= this.config.maxQueue) return false;
    this.scheduled.add(runId);
    this.queue.push(runId);
    this.pumpQueue();
    return true;
  }

  private pumpQueue(): void {
    while (this.active < this.config.concurrency && this.queue.length > 0 && !this.killed && !this.stopping) {
      const runId = this.queue.shift()!;
      this.active++;
      void this.execute(runId)
        .catch((e) => this.fault(e))
        .finally(() => {
          this.active--;
          this.scheduled.delete(runId);
          this.pumpQueue();
          this.checkIdle();
        });
    }
  }

  private async execute(runId: string): Promise<void> {
    await this.ready;
    const run = await this.store.getRun(runId);
    if (run === null || run.status !== 'queued') return;
    const playbook = this.playbooks.get(run.playbook.id);
    if (playbook === undefined || playbook.version !== run.playbook.version || !playbook.enabled) {
      run.status = 'failed';
      run.reason =
        playbook === undefined
          ? 'the playbook is no longer loaded'
          : !playbook.enabled
            ? 'the playbook was disabled'
            : `the playbook changed since this run was planned (version ${run.playbook.version} → ${playbook.version})`;
      for (const s of run.steps) if (s.status === 'pending') s.status = 'skipped';
      await this.save(run);
      await this.audit(run.tenant, 'vigil', 'run.failed', run.id, run.reason);
      return;
    }
    const controller = new AbortController();
    this.controllers.set(run.id, controller);
    // The kill switch (or stop) may have come while the run was being read.
    if (this.killed || this.stopping) controller.abort(new Halt(this.killed ? 'kill' : 'stop'));
    try {
      run.status = 'running';
      await this.save(run);
      await this.audit(run.tenant, 'vigil', 'run.started', run.id, `${playbook.id} v${playbook.version}`);
      const subject = subjectOf(run.subject);
      let failed = false;
      let halted: Halt | null = null;
      for (const step of playbook.steps) {
        for (const s of run.steps.filter((x) => x.step === step.id && x.status === 'pending')) {
          if (halted === null && controller.signal.aborted) halted = haltOf(controller.signal.reason);
          if (halted !== null || failed) {
            s.status = halted === null ? 'skipped' : halted.why === 'kill' ? 'cancelled' : 'interrupted';
            s.note = halted === null ? 'an earlier step failed' : halted.message;
            continue;
          }
          await this.runStep(run, playbook, step, s, subject, controller.signal);
          if (s.status === 'cancelled' || s.status === 'interrupted')
            halted = haltOf(controller.signal.reason);
        }
        // Every instance of a step is tried; a failure stops the later steps, which assumed it worked.
        if (run.steps.some((x) => x.step === step.id && x.status === 'failed')) failed = true;
      }
      run.status =
        halted !== null
          ? halted.why === 'kill'
            ? 'cancelled'
            : 'interrupted'
          : failed
            ? 'failed'
            : 'succeeded';
      run.reason =
        halted !== null
          ? halted.message
          : failed
            ? run.steps
                .filter((s) => s.status === 'failed')
                .map((s) => `${s.step}${s.value ? ` (${s.value})` : ''}: ${s.error}`)
                .join('; ')
            : null;
      await this.save(run);
      await this.audit(run.tenant, 'vigil', `run.${run.status}`, run.id, run.reason ?? '');
    } finally {
      this.controllers.delete(run.id);
    }
  }

  private context(
    run: RunRecord,
    step: StepRun,
    subject: Subject,
    signal: AbortSignal,
    scope: SecretScope,
  ): ActionContext {
    return {
      tenant: run.tenant,
      runId: run.id,
      stepKey: step.key,
      subject,
      playbook: { id: run.playbook.id, title: run.playbook.title },
      signal,
      now: () => this.clock.now(),
      secret: (ref) => scope.resolve(ref),
      store: this.store,
    };
  }

  /** One attempt, bounded by the step's timeout; the action's own promise may linger, its result is ignored. */
  private async attempt(
    fn: (ctx: ActionContext) => Promise<ActionOutcome | Readonly<Record<string, unknown>>>,
    ctx: ActionContext,
    timeoutMs: number,
  ): Promise<ActionOutcome | Readonly<Record<string, unknown>>> {
    const timer = new AbortController();
    const timeout = setTimeout(() => timer.abort(new Timeout(timeoutMs)), timeoutMs);
    const signal = AbortSignal.any([ctx.signal, timer.signal]);
    try {
      const work = fn({ ...ctx, signal });
      work.catch(() => {});
      const aborted = new Promise<never>((_, reject) => {
        if (signal.aborted) reject(signal.reason);
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
      aborted.catch(() => {});
      return await Promise.race([work, aborted]);
    } finally {
      clearTimeout(timeout);
    }
  }

  private backoff(attempt: number): number {
    const full = Math.min(this.config.backoffMaxMs, this.config.backoffBaseMs * 2 ** (attempt - 1));
    return Math.round(full / 2 + (Math.random() * full) / 2);
  }

  private async runStep(
    run: RunRecord,
    playbook: Playbook,
    step: Step,
    s: StepRun,
    subject: Subject,
    signal: AbortSignal,
  ): Promise<void> {
    const action = this.actions.get(step.action);
    const rendered =
      action === undefined
        ? null
        : renderParams(
            action.params,
            step.params,
            { subject, playbook, runId: run.id },
            s.value ?? undefined,
          );
    if (action === undefined || rendered === null || !rendered.ok) {
      s.status = 'failed';
      s.error =
        action === undefined
          ? `unknown action ${step.action}`
          : `parameters: ${rendered && !rendered.ok ? rendered.error : ''}`;
      return;
    }
    const holder = await this.store.claimStep(s.key, run.id, this.clock.now());
    if (holder !== null) {
      s.status = holder === run.id ? 'interrupted' : 'skipped';
      s.note =
        holder === run.id
          ? 'this step was claimed before and may have acted: not repeated'
          : `already done by ${holder}`;
      await this.save(run);
      return;
    }
    s.started = this.clock.now();
    const scope = new SecretScope(this.env);
    const ctx = this.context(run, s, subject, signal, scope);
    try {
      try {
        await this.waitForToken(run, s, step.action, signal);
      } catch (e) {
        if (!(e instanceof ActionError)) throw e;
        s.status = 'failed';
        s.error = e.message;
        await this.audit(run.tenant, 'vigil', 'step.failed', run.id, `${s.step} ${s.action}: ${e.message}`);
        return;
      }
      for (let n = 1; ; n++) {
        s.status = 'running';
        await this.save(run);
        const started = this.clock.now();
        const t0 = performance.now();
        try {
          const outcome = (await this.attempt(
            (c) => action.run(rendered.params, c),
            ctx,
            step.timeoutMs,
          )) as ActionOutcome;
          s.attempts.push({ n, started, ms: Math.round(performance.now() - t0), error: null });
          s.status = 'succeeded';
          s.output = scope.scrubValue({ ...outcome.output });
          s.undo = outcome.undo === null ? null : scope.scrubValue({ ...outcome.undo });
          await this.audit(
            run.tenant,
            'vigil',
            'step.succeeded',
            run.id,
            `${s.step} ${s.action}${s.value ? ` ${s.value}` : ''}`,
          );
          return;
        } catch (e) {
          if (signal.aborted) throw signal.reason;
          const error = scope.scrub(messageOf(e));
          s.attempts.push({ n, started, ms: Math.round(performance.now() - t0), error });
          const retryable = e instanceof ActionError && e.retryable;
          if (!retryable || n > step.retries) {
            s.status = 'failed';
            s.error = n > 1 ? `${error} (after ${n} attempts)` : error;
            await this.audit(run.tenant, 'vigil', 'step.failed', run.id, `${s.step} ${s.action}: ${s.error}`);
            return;
          }
          const delay = this.backoff(n);
          s.status = 'retrying';
          s.note = `attempt ${n} failed; retrying in ${delay} ms`;
          await this.save(run);
          await this.audit(run.tenant, 'vigil', 'step.retry', run.id, `${s.step} ${s.action}: ${error}`);
          await sleep(delay, signal);
        }
      }
    } catch (e) {
      const halt = e instanceof Halt ? e : signal.reason instanceof Halt ? signal.reason : null;
      if (halt === null) throw e;
      s.status = halt.why === 'kill' ? 'cancelled' : 'interrupted';
      s.note = halt.message;
      await this.audit(
        run.tenant,
        'vigil',
        `step.${s.status}`,
        run.id,
        `${s.step} ${s.action}: ${halt.message}`,
      );
    } finally {
      s.finished = this.clock.now();
      await this.save(run);
    }
  }

  private async waitForToken(run: RunRecord, s: StepRun, action: string, signal: AbortSignal): Promise<void> {
    let waited = 0;
    for (;;) {
      const wait = this.limiter.take(action, this.clock.now());
      if (wait === 0) return;
      if (waited + wait > this.config.maxRateWaitMs) {
        throw new ActionError(
          `rate limit for ${action}: no slot within ${formatDuration(this.config.maxRateWaitMs)}`,
          false,
        );
      }
      s.status = 'deferred';
      s.note = `deferred by the rate limit for ${action}: next slot in ${wait} ms`;
      await this.save(run);
      await this.audit(run.tenant, 'vigil', 'step.deferred', run.id, `${s.step} ${action}: ${s.note}`);
      await sleep(wait, signal);
      waited += wait;
    }
  }

  // ---- people ---------------------------------------------------------------------------------

  private async decide<T>(
    runId: string,
    tenant: string | undefined,
    fn: (run: RunRecord) => Promise<T>,
  ): Promise<T> {
    if (this.deciding.has(runId))
      throw new ResponseRequestError(`run ${runId} is being changed by another request`, 409);
    this.deciding.add(runId);
    try {
      const run = await this.store.getRun(runId);
      // Another tenant's run does not exist for this caller.
      if (run === null || (tenant !== undefined && run.tenant !== tenant))
        throw new ResponseRequestError(`no run ${runId}`, 404);
      return await fn(run);
    } finally {
      this.deciding.delete(runId);
    }
  }

  private who(who: string): string {
    const w = typeof who === 'string' ? who.trim() : '';
    if (w === '' || w.length > 200) throw new ResponseRequestError('say who decides (a user name)', 400);
    return w;
  }

  private async expireIfStale(run: RunRecord): Promise<boolean> {
    if (run.status !== 'pending_approval' || this.clock.now() - run.created <= this.config.approvalTtlMs)
      return false;
    run.status = 'expired';
    run.reason = `not approved within ${formatDuration(this.config.approvalTtlMs)}`;
    for (const s of run.steps) if (s.status === 'pending') s.status = 'skipped';
    await this.save(run);
    await this.audit(run.tenant, 'vigil', 'run.expired', run.id, run.reason);
    return true;
  }

  /**
   * A person approves a run waiting for approval: it is queued to act. With `tenant` (the
   * caller's, as the server passes it), another tenant's run is not found; likewise for reject
   * and rollback.
   */
  async approve(runId: string, who: string, tenant?: string): Promise<RunRecord> {
    const by = this.who(who);
    return this.decide(runId, tenant, async (run) => {
      if (this.killed)
        throw new ResponseRequestError('the kill switch is on: nothing acts until it is off', 409);
      if (await this.expireIfStale(run))
        throw new ResponseRequestError(`run ${runId} expired: ${run.reason}`, 409);
      if (run.status !== 'pending_approval')
        throw new ResponseRequestError(`run ${runId} is ${run.status}, not waiting for approval`, 409);
      if (this.queue.length >= this.config.maxQueue)
        throw new ResponseRequestError('the action queue is full: try again shortly', 503);
      run.status = 'queued';
      run.approval = { by, at: this.clock.now(), note: run.reason ?? 'approved' };
      run.reason = null;
      await this.save(run);
      await this.audit(run.tenant, by, 'run.approved', run.id, run.approval.note);
      this.schedule(run.id, true);
      return run;
    });
  }

  /** A person rejects a run waiting for approval; the reason is kept. */
  async reject(runId: string, who: string, reason: string, tenant?: string): Promise<RunRecord> {
    const by = this.who(who);
    const why = typeof reason === 'string' ? reason.trim() : '';
    if (why === '' || why.length > 2000)
      throw new ResponseRequestError('a rejection needs a reason (at most 2,000 characters)', 400);
    return this.decide(runId, tenant, async (run) => {
      if (await this.expireIfStale(run))
        throw new ResponseRequestError(`run ${runId} expired: ${run.reason}`, 409);
      if (run.status !== 'pending_approval')
        throw new ResponseRequestError(`run ${runId} is ${run.status}, not waiting for approval`, 409);
      run.status = 'rejected';
      run.rejection = { by, at: this.clock.now(), reason: why };
      run.reason = why;
      for (const s of run.steps) if (s.status === 'pending') s.status = 'skipped';
      await this.save(run);
      await this.audit(run.tenant, by, 'run.rejected', run.id, why);
      return run;
    });
  }

  /**
   * Undoes what a finished run did, newest step first: block-list entries removed, a paused
   * container unpaused, networks reconnected, an isolation countered. What cannot be undone
   * (notifications, tickets, kills) is listed in the rollback's notes. Works with the kill switch
   * on: undoing is how people recover from what automation did.
   */
  async rollback(runId: string, who: string, tenant?: string): Promise<RunRecord> {
    const by = this.who(who);
    return this.decide(runId, tenant, async (run) => {
      if (!FINISHED.includes(run.status) || this.scheduled.has(run.id))
        throw new ResponseRequestError(
          `run ${runId} is ${run.status}: only finished runs are rolled back`,
          409,
        );
      if (run.rollback !== null && (run.rollback.status === 'done' || run.rollback.status === 'running'))
        throw new ResponseRequestError(`run ${runId} was already rolled back`, 409);
      const subject = subjectOf(run.subject);
      const playbook = this.playbooks.get(run.playbook.id);
      const notes: string[] = [];
      const targets = run.steps.filter((s) => {
        if (
          s.status !== 'succeeded' ||
          s.rolledBack?.status === 'done' ||
          s.rolledBack?.status === 'not_needed'
        )
          return false;
        const name = `${s.step} (${s.action}${s.value ? ` ${s.value}` : ''})`;
        if (s.irreversible !== null) notes.push(`${name} is not undone: ${s.irreversible}`);
        else if (!s.rollback) notes.push(`${name} is not undone: the playbook says rollback: false`);
        else if (s.undo === null) {
          s.rolledBack = { status: 'not_needed', at: this.clock.now(), output: null, error: null };
          notes.push(`${name} changed nothing, so there is nothing to undo`);
        } else return true;
        return false;
      });
      run.rollback = { by, at: this.clock.now(), status: 'running', finished: null, notes };
      await this.save(run);
      await this.audit(run.tenant, by, 'rollback.started', run.id, notes.join('; '));
      let failures = 0;
      const controller = new AbortController();
      for (const s of targets.reverse()) {
        const action = this.actions.get(s.action);
        const scope = new SecretScope(this.env);
        const timeoutMs = playbook?.steps.find((x) => x.id === s.step)?.timeoutMs ?? 30_000;
        try {
          if (action?.undo === undefined) throw new Error(`${s.action} has no undo`);
          const undo = action.undo;
          const ctx = this.context(run, s, subject, controller.signal, scope);
          const output = (await this.attempt((c) => undo(s.undo!, c), ctx, timeoutMs)) as Readonly<
            Record<string, unknown>
          >;
          s.rolledBack = {
            status: 'done',
            at: this.clock.now(),
            output: scope.scrubValue({ ...output }),
            error: null,
          };
          await this.audit(
            run.tenant,
            by,
            'rollback.step',
            run.id,
            `${s.step} ${s.action}${s.value ? ` ${s.value}` : ''}: undone`,
          );
        } catch (e) {
          failures++;
          s.rolledBack = {
            status: 'failed',
            at: this.clock.now(),
            output: null,
            error: scope.scrub(messageOf(e)),
          };
          await this.audit(
            run.tenant,
            by,
            'rollback.failed',
            run.id,
            `${s.step} ${s.action}: ${s.rolledBack.error}`,
          );
        }
      }
      run.rollback.status =
        targets.length === 0
          ? 'nothing'
          : failures === 0
            ? 'done'
            : failures === targets.length
              ? 'failed'
              : 'partial';
      run.rollback.finished = this.clock.now();
      await this.save(run);
      await this.audit(
        run.tenant,
        by,
        `rollback.${run.rollback.status}`,
        run.id,
        `${targets.length - failures} of ${targets.length} steps undone`,
      );
      return run;
    });
  }

  /**
   * Stops every run at once when on: running steps are aborted, retries waiting for their delay
   * are cancelled, queued runs are cancelled, new triggers are recorded as blocked, and approvals
   * are refused. Kept in the store, so it survives restarts.
   */
  async killSwitch(on: boolean, who: string): Promise<void> {
    const by = this.who(who);
    const was = this.killed;
    this.killed = on;
    const cancelled: string[] = [];
    if (on) {
      for (const c of this.controllers.values()) c.abort(new Halt('kill'));
      for (const id of this.queue.splice(0)) {
        this.scheduled.delete(id);
        cancelled.push(id);
      }
    }
    await this.store.setSetting(
      KILL_SWITCH,
      JSON.stringify({ on, by, at: this.clock.now() }),
      this.clock.now(),
    );
    await this.audit(
      '',
      by,
      on ? 'killswitch.on' : 'killswitch.off',
      null,
      was === on ? `already ${on ? 'on' : 'off'}` : '',
    );
    for (const id of cancelled) {
      const run = await this.store.getRun(id);
      if (run === null || run.status !== 'queued') continue;
      run.status = 'cancelled';
      run.reason = 'the kill switch is on';
      for (const s of run.steps) if (s.status === 'pending') s.status = 'cancelled';
      await this.save(run);
      await this.audit(run.tenant, by, 'run.cancelled', run.id, run.reason);
    }
    if (!on) this.pumpQueue();
    this.checkIdle();
  }

  // ---- reading --------------------------------------------------------------------------------

  getRun(runId: string): Promise<RunRecord | null> {
    return this.store.getRun(runId);
  }

  listRuns(filter: RunFilter = {}): Promise<RunRecord[]> {
    return this.store.listRuns(filter);
  }

  /** Runs waiting for a person, oldest first; stale ones are expired on the way. */
  async pending(tenant?: string): Promise<RunRecord[]> {
    const runs = await this.store.listRuns({
      status: 'pending_approval',
      limit: MAX_RUN_LIMIT,
      ...(tenant !== undefined ? { tenant } : {}),
    });
    const out: RunRecord[] = [];
    for (const r of runs.reverse()) if (!(await this.expireIfStale(r))) out.push(r);
    return out;
  }

  auditLog(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    return this.store.listAudit(filter);
  }

  /** A block list as a feed: the body and its content type, for the server to serve. */
  async feed(
    tenant: string,
    list: BlockListName,
    format: FeedFormat,
  ): Promise<{ contentType: string; body: string }> {
    const entries = await this.store.listBlockEntries(tenant, list, this.clock.now());
    return { contentType: FEED_CONTENT_TYPES[format], body: renderFeed(list, format, entries) };
  }

  /** An agent polls for its commands. */
  pollAgent(tenant: string, host: string): Promise<AgentCommand[]> {
    return this.agents.poll(tenant, host);
  }

  /** An agent reports a command's result; it lands in the audit log. */
  async ackAgent(
    tenant: string,
    host: string,
    commandId: string,
    result: { ok: boolean; output?: string },
  ): Promise<AgentCommand> {
    const c = await this.agents.ack(tenant, host, commandId, result);
    await this.audit(
      tenant,
      `agent:${c.host}`,
      c.state === 'done' ? 'agent.done' : 'agent.failed',
      c.runId,
      `${c.command} ${c.id}: ${(c.result?.output ?? '').slice(0, 500)}`,
    );
    return c;
  }

  // ---- records --------------------------------------------------------------------------------

  private async save(run: RunRecord): Promise<void> {
    run.updated = this.clock.now();
    await this.store.saveRun(run);
  }

  private async audit(
    tenant: string,
    actor: string,
    event: string,
    runId: string | null,
    detail: string,
  ): Promise<void> {
    try {
      await this.store.appendAudit({
        id: randomUUID(),
        time: this.clock.now(),
        tenant,
        actor,
        event,
        runId,
        detail: detail.slice(0, 4000),
      });
    } catch (e) {
      this.fault(e);
    }
  }

  private fault(e: unknown): void {
    this.stats.lastError = messageOf(e);
    this.log(`response: ${this.stats.lastError}`);
  }
}

export type { Params };
