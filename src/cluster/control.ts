import { RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { subjectToken, type EventBus } from '../bus/jetstream.js';
import { Detector } from '../detect/hunt/detector.js';
import { enabledRules } from '../detect/sigma/load.js';
import type { SigmaRule } from '../detect/sigma/model.js';
import type { RuleError } from '../detect/sigma/parse/errors.js';
import { parseRules } from '../detect/sigma/parse/rule.js';
import type { TenantSuppression } from '../detect/suppressions.js';
import type { Mappings } from '../normalize/mappings.js';

/**
 * Changes made on an api node that the workers must apply: the rule set (rules uploaded through
 * the API, rules switched off) and the analysts' exceptions. Each lives on one subject of a small
 * replicated stream that keeps only the last value per subject, as the partition leases do. A
 * worker reads both before it takes partitions, then polls them, and reports the sequence it
 * applied, so an api node can tell which workers have a change.
 */
export const CONTROL_STREAM = 'VIGIL_CONTROL';
const RULES = 'vigil.control.rules';
const SUPPRESSIONS = 'vigil.control.suppressions';
const APPLIED = 'vigil.control.applied';

/** The api node's changes to the rule set the workers load from their own `--rules`. */
export interface RuleChanges {
  /** Rules uploaded through the API, as posted (Sigma YAML), by id. */
  readonly uploaded: readonly { readonly id: string; readonly yaml: string }[];
  /** Rules switched off, by id (or Sigma name). */
  readonly disabled: readonly string[];
}

/** A value as stored, with its stream sequence (what workers report having applied). */
export interface Versioned<T> {
  readonly seq: number;
  readonly value: T;
}

/** What one worker has in force: the sequences of the rules and suppressions it applied (0: none). */
export interface AppliedReport {
  readonly worker: string;
  readonly rules: number;
  readonly suppressions: number;
  /** Uploaded rules that did not parse on the worker (the api node checked them: a version skew). */
  readonly ruleErrors: number;
  /** The worker's clock, for people reading the status. */
  readonly at: number;
}

export class ControlMessageError extends Error {
  constructor(
    message: string,
    /** The damaged message's sequence, when read from the stream. */
    readonly seq = 0,
  ) {
    super(message);
    this.name = 'ControlMessageError';
  }
}

function parseJson(payload: Uint8Array, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
  } catch (e) {
    throw new ControlMessageError(`${what} message is not JSON: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new ControlMessageError(`${what} message is not a JSON object`);
  const o = v as Record<string, unknown>;
  if (o.v !== 1) throw new ControlMessageError(`${what} message has unknown version ${JSON.stringify(o.v)}`);
  return o;
}

/** Sorted, so that equal rule sets encode to equal bytes (no change, no reload). */
export function normalizeRuleChanges(c: RuleChanges): RuleChanges {
  return {
    uploaded: [...c.uploaded].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    disabled: [...new Set(c.disabled)].sort(),
  };
}

export function encodeRuleChanges(c: RuleChanges): Buffer {
  return Buffer.from(JSON.stringify({ v: 1, ...normalizeRuleChanges(c) }));
}

export const sameRuleChanges = (a: RuleChanges, b: RuleChanges) =>
  encodeRuleChanges(a).equals(encodeRuleChanges(b));

/** Reads a rules message. Entries of the wrong shape are dropped and named in `problems`. */
export function decodeRuleChanges(payload: Uint8Array): { changes: RuleChanges; problems: string[] } {
  const o = parseJson(payload, 'rules');
  if (!Array.isArray(o.uploaded) || !Array.isArray(o.disabled))
    throw new ControlMessageError('rules message needs "uploaded" and "disabled" lists');
  const problems: string[] = [];
  const uploaded = o.uploaded.filter((u: unknown, i): u is { id: string; yaml: string } => {
    const ok =
      u !== null &&
      typeof u === 'object' &&
      typeof (u as { id?: unknown }).id === 'string' &&
      (u as { id: string }).id !== '' &&
      typeof (u as { yaml?: unknown }).yaml === 'string';
    if (!ok) problems.push(`uploaded[${i}] is not {id, yaml}`);
    return ok;
  });
  const disabled = o.disabled.filter((d: unknown, i): d is string => {
    if (typeof d !== 'string') problems.push(`disabled[${i}] is not a string`);
    return typeof d === 'string';
  });
  return { changes: { uploaded: uploaded.map((u) => ({ id: u.id, yaml: u.yaml })), disabled }, problems };
}

const STRING_FIELDS = ['tenant', 'id', 'ruleId', 'entity', 'field', 'value', 'reason', 'author'] as const;
const FIELDS = [...STRING_FIELDS, 'created', 'expires'] as const;

/** The fields in one order, so that equal lists encode to equal bytes. */
export function encodeSuppressions(list: readonly TenantSuppression[]): Buffer {
  const rows = list.map((s) => Object.fromEntries(FIELDS.map((f) => [f, s[f]])));
  return Buffer.from(JSON.stringify({ v: 1, list: rows }));
}

/** Reads a suppressions message. Entries of the wrong shape are dropped and named in `problems`. */
export function decodeSuppressions(payload: Uint8Array): {
  list: TenantSuppression[];
  problems: string[];
} {
  const o = parseJson(payload, 'suppressions');
  if (!Array.isArray(o.list)) throw new ControlMessageError('suppressions message needs a "list"');
  const problems: string[] = [];
  const list: TenantSuppression[] = [];
  o.list.forEach((s: unknown, i) => {
    const r = s as Record<string, unknown> | null;
    const bad =
      r === null || typeof r !== 'object'
        ? 'not an object'
        : (STRING_FIELDS.find((f) => typeof r[f] !== 'string') ??
          (['created', 'expires'] as const).find((f) => typeof r[f] !== 'number' || !Number.isFinite(r[f])));
    if (bad !== undefined) {
      problems.push(`list[${i}]: ${bad === 'not an object' ? bad : `bad "${bad}"`}`);
      return;
    }
    const pick = Object.fromEntries(FIELDS.map((f) => [f, r![f]]));
    list.push(pick as unknown as TenantSuppression);
  });
  return { list, problems };
}

/**
 * A worker's rule set: its own rules (`--rules`, the same pack the api node loads) plus the rules
 * uploaded on the api node, minus the ones switched off. A rule of the pack keeps its id; an
 * uploaded rule with the same id is ignored, as the api node's loader does.
 */
export function detectorWith(
  base: readonly SigmaRule[],
  changes: RuleChanges,
  mappings: Mappings,
): { detector: Detector; errors: RuleError[] } {
  const errors: RuleError[] = [];
  const ids = new Set(base.flatMap((r) => (r.id === undefined ? [] : [r.id])));
  const uploaded: SigmaRule[] = [];
  for (const u of changes.uploaded) {
    const parsed = parseRules(u.yaml, `uploaded:${u.id}`);
    errors.push(...parsed.errors);
    for (const r of parsed.rules)
      if (r.id === undefined || !ids.has(r.id)) {
        uploaded.push(r);
        if (r.id !== undefined) ids.add(r.id);
      }
  }
  const detector = new Detector(enabledRules([...base, ...uploaded], new Set(changes.disabled)), mappings);
  return { detector, errors };
}

function withSeq<T>(seq: number, decode: () => T): T {
  try {
    return decode();
  } catch (e) {
    if (e instanceof ControlMessageError) throw new ControlMessageError(e.message, seq);
    throw e;
  }
}

/** Reads and writes the control subjects. */
export class ClusterControl {
  constructor(private readonly bus: EventBus) {}

  static async ensureStream(bus: EventBus, replicas = 3): Promise<void> {
    const exists = await bus.jsm.streams.info(CONTROL_STREAM).catch(() => null);
    if (exists !== null) return;
    await bus.retrying(() =>
      bus.jsm.streams.add({
        name: CONTROL_STREAM,
        subjects: ['vigil.control.>'],
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        num_replicas: replicas,
        max_msgs_per_subject: 1,
      }),
    );
  }

  async rules(): Promise<(Versioned<RuleChanges> & { problems: string[] }) | null> {
    const m = await this.last(RULES);
    if (m === null) return null;
    const { changes, problems } = withSeq(m.seq, () => decodeRuleChanges(m.data));
    return { seq: m.seq, value: changes, problems };
  }

  async suppressions(): Promise<(Versioned<TenantSuppression[]> & { problems: string[] }) | null> {
    const m = await this.last(SUPPRESSIONS);
    if (m === null) return null;
    const { list, problems } = withSeq(m.seq, () => decodeSuppressions(m.data));
    return { seq: m.seq, value: list, problems };
  }

  /** Resolves with the stored sequence once JetStream acks. */
  async publishRules(changes: RuleChanges): Promise<number> {
    return (await this.bus.retrying(() => this.bus.js.publish(RULES, encodeRuleChanges(changes)))).seq;
  }

  async publishSuppressions(list: readonly TenantSuppression[]): Promise<number> {
    return (await this.bus.retrying(() => this.bus.js.publish(SUPPRESSIONS, encodeSuppressions(list)))).seq;
  }

  async report(r: AppliedReport): Promise<void> {
    await this.bus.retrying(() =>
      this.bus.js.publish(`${APPLIED}.${subjectToken(r.worker)}`, JSON.stringify(r)),
    );
  }

  /** The last reports of these workers (a worker that never reported is left out). */
  async reportsOf(workers: readonly string[]): Promise<AppliedReport[]> {
    const out: AppliedReport[] = [];
    for (const w of workers) {
      const m = await this.last(`${APPLIED}.${subjectToken(w)}`);
      if (m === null) continue;
      try {
        const r = JSON.parse(Buffer.from(m.data).toString('utf8')) as AppliedReport;
        if (typeof r.rules === 'number' && typeof r.suppressions === 'number') out.push({ ...r, worker: w });
      } catch {
        // A damaged report counts as none: the worker reports again on its next change.
      }
    }
    return out;
  }

  private async last(subject: string): Promise<{ seq: number; data: Uint8Array } | null> {
    const m = await this.bus.retrying(() =>
      this.bus.jsm.streams.getMessage(CONTROL_STREAM, { last_by_subj: subject }),
    );
    return m === null ? null : { seq: m.seq, data: m.data };
  }
}

export interface ControlHandlers {
  /** Applies a rule set; returns the number of problems building it. */
  rules(changes: RuleChanges): Promise<number> | number;
  suppressions(list: readonly TenantSuppression[]): Promise<void> | void;
}

/** Reports are written again after this long even without a change, so a status never looks stale. */
const REPORT_EVERY_MS = 10 * 60_000;

/**
 * Follows the control subjects: applies each new value once and, for a worker, reports what it
 * has in force. `sync()` once before taking partitions, so no event is prepared with stale rules.
 */
export class ControlFollower {
  private rulesSeq = 0;
  private suppressionsSeq = 0;
  private ruleErrors = 0;
  private reportedAt = 0;
  /** Damaged messages already logged, by subject: logged once, not at every poll. */
  private readonly skipped = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly control: ClusterControl,
    private readonly handlers: ControlHandlers,
    private readonly options: {
      /** Reports what it applied under this name; none when null (an api node following others). */
      readonly worker: string | null;
      readonly intervalMs?: number;
      readonly log?: (m: string) => void;
    },
  ) {}

  get applied(): { rules: number; suppressions: number } {
    return { rules: this.rulesSeq, suppressions: this.suppressionsSeq };
  }

  /** Applies whatever changed since the last call. */
  async sync(): Promise<void> {
    let changed = false;
    const rules = await this.read(() => this.control.rules(), 'rules');
    if (rules !== undefined && rules !== null && rules.seq !== this.rulesSeq) {
      this.rulesSeq = rules.seq;
      this.ruleErrors = rules.problems.length + (await this.handlers.rules(rules.value));
      changed = true;
      this.options.log?.(
        `rules ${rules.seq} applied: ${rules.value.uploaded.length} uploaded, ${rules.value.disabled.length} switched off, ${this.ruleErrors} problems`,
      );
    }
    const supp = await this.read(() => this.control.suppressions(), 'suppressions');
    if (supp !== undefined && supp !== null && supp.seq !== this.suppressionsSeq) {
      this.suppressionsSeq = supp.seq;
      await this.handlers.suppressions(supp.value);
      changed = true;
      this.options.log?.(`suppressions ${supp.seq} applied: ${supp.value.length}`);
    }
    const worker = this.options.worker;
    if (worker !== null && (changed || Date.now() - this.reportedAt > REPORT_EVERY_MS)) {
      await this.control.report({
        worker,
        rules: this.rulesSeq,
        suppressions: this.suppressionsSeq,
        ruleErrors: this.ruleErrors,
        at: Date.now(),
      });
      this.reportedAt = Date.now();
    }
  }

  start(): void {
    this.timer = setInterval(() => {
      this.running = this.running.then(() =>
        this.sync().catch((e: unknown) => this.options.log?.(`control: ${(e as Error).message}`)),
      );
    }, this.options.intervalMs ?? 1000);
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** A damaged message is logged and skipped (the last good value stays in force). */
  private async read<T extends { seq: number } | null>(
    get: () => Promise<T>,
    what: string,
  ): Promise<T | undefined> {
    try {
      return await get();
    } catch (e) {
      if (!(e instanceof ControlMessageError)) throw e;
      if (this.skipped.get(what) !== e.seq)
        this.options.log?.(`control ${what} ${e.seq}: ${e.message}; keeping what is in force`);
      this.skipped.set(what, e.seq);
      return undefined;
    }
  }
}

/** What a worker must offer to follow the control stream. */
export interface ControlledWorker {
  readonly id: string;
  useRules(detector: Detector): void;
  setSuppressions(list: readonly TenantSuppression[]): void;
}

/**
 * A worker's side: reads the rule changes and the exceptions made on api nodes and puts them in
 * force before the worker takes partitions, then follows them (polling every `intervalMs`).
 */
export async function followControl(
  bus: EventBus,
  worker: ControlledWorker,
  o: {
    /** The worker's own rules (`--rules`). */
    readonly base: readonly SigmaRule[];
    readonly mappings: Mappings;
    readonly replicas?: number;
    readonly intervalMs?: number;
    readonly log?: (m: string) => void;
  },
): Promise<ControlFollower> {
  await ClusterControl.ensureStream(bus, o.replicas);
  const follower = new ControlFollower(
    new ClusterControl(bus),
    {
      rules(changes) {
        const { detector, errors } = detectorWith(o.base, changes, o.mappings);
        for (const e of errors.slice(0, 20)) o.log?.(`uploaded rule not loaded: ${e.describe()}`);
        worker.useRules(detector);
        return errors.length;
      },
      suppressions: (list) => worker.setSuppressions(list),
    },
    { worker: worker.id, ...(o.intervalMs === undefined ? {} : { intervalMs: o.intervalMs }), log: o.log },
  );
  await follower.sync();
  follower.start();
  return follower;
}
