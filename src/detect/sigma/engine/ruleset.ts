import type { Pred } from '../compile/predicate.js';
import { AhoCorasick } from './aho-corasick.js';
import { ANY_FIELD, necessaryAnchors } from './anchors.js';
import { compileMatcher, type Matcher } from './closure.js';
import { MatchContext } from './context.js';
import type { EventView, FieldValue, Scalar } from './event-view.js';

/** One rule (or one logsource variant of a rule) as the engine sees it. */
export interface EngineEntry<T> {
  readonly payload: T;
  /** The full test: logsource precondition and detection together. */
  readonly pred: Pred;
  /**
   * For each bucket field (see RuleSetOptions), the values the precondition requires
   * (lower-case; '' means absent), or null for any. The engine only uses these to skip work.
   */
  readonly buckets: readonly (readonly string[] | null)[];
  /** The part of `pred` to take index literals from (default `pred`); must be implied by it. */
  readonly indexed?: Pred;
}

/** One automaton per field over the literals of every rule anchored on it, built on first use. */
interface FieldIndex {
  readonly literals: Map<string, number[]>;
  automaton: AhoCorasick | null;
  entriesByPattern: (readonly number[])[];
}

/** The work for one bucket (source, channel, event id): entries always evaluated, fields to scan. */
interface Plan {
  readonly always: readonly number[];
  readonly fields: readonly string[];
  /** 1 for entries in this bucket: anchor hits on other entries are ignored. */
  readonly member: Uint8Array;
}

export interface RuleSetOptions {
  /** Fields whose values split rules into buckets (default `_source`, `Channel`, `EventID`). */
  readonly bucketFields?: readonly string[];
}

export const DEFAULT_BUCKET_FIELDS = ['_source', 'Channel', 'EventID'];

/** The bucket key of a channel or event id value; null when several values make it ambiguous. */
function key(v: FieldValue | undefined): string | null {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) {
    if (v.length > 1) return null;
    v = v[0] ?? null;
  }
  return v === null ? '' : String(v).toLowerCase();
}

/** Scans the text of each of a value's scalars (numbers as written); nulls have no text. */
function scanValue(automaton: AhoCorasick, v: FieldValue | undefined, hits: number[]): void {
  if (v === undefined || v === null) return;
  if (typeof v === 'string') automaton.scanInto(v, hits);
  else if (Array.isArray(v)) {
    for (const x of v as readonly Scalar[]) if (x !== null) automaton.scanInto(String(x), hits);
  } else automaton.scanInto(String(v), hits);
}

/**
 * Matches events against many rules at once. Rules are bucketed by the channel and event id
 * their logsource requires; within a bucket, the literals each rule needs are compiled into one
 * automaton per field, so a rule is evaluated only when one of its literals occurs in the event.
 */
export class RuleSet<T> {
  private readonly matchers: Matcher[];
  private readonly anchors: ReturnType<typeof necessaryAnchors>[];
  private readonly plans = new Map<string, Plan>();
  private readonly fieldIndex = new Map<string, FieldIndex>();
  private readonly bucketFields: readonly string[];
  private readonly bucketSets: (ReadonlySet<string> | null)[][];
  private readonly seen: Int32Array;
  private stamp = 0;
  private readonly ctx = new MatchContext();
  /** Pattern hits of one field scan, reused across events. */
  private readonly hits: number[] = [];
  /** Rules fully evaluated, for statistics. */
  evaluations = 0;

  constructor(
    readonly entries: readonly EngineEntry<T>[],
    options: RuleSetOptions = {},
  ) {
    this.bucketFields = options.bucketFields ?? DEFAULT_BUCKET_FIELDS;
    this.bucketSets = entries.map((e) =>
      this.bucketFields.map((_, i) => (e.buckets[i] ? new Set(e.buckets[i]) : null)),
    );
    this.matchers = entries.map((e) => compileMatcher(e.pred));
    this.anchors = entries.map((e) => necessaryAnchors(e.indexed ?? e.pred));
    this.seen = new Int32Array(entries.length);
    this.anchors.forEach((anchors, i) => {
      for (const a of anchors ?? []) {
        let index = this.fieldIndex.get(a.field);
        if (!index)
          this.fieldIndex.set(
            a.field,
            (index = { literals: new Map(), automaton: null, entriesByPattern: [] }),
          );
        const list = index.literals.get(a.literal);
        if (list) {
          if (list.at(-1) !== i) list.push(i);
        } else index.literals.set(a.literal, [i]);
      }
    });
  }

  /** The plan of an event's bucket, found by string concatenation only (no arrays per event). */
  private planOfEvent(view: EventView): Plan {
    let k = '';
    let ambiguous = false;
    for (const f of this.bucketFields) {
      const v = key(view.get(f));
      if (v === null) ambiguous = true;
      k += (v ?? '\u0000any') + '\u0000';
    }
    const cached = ambiguous ? undefined : this.plans.get(k);
    return cached ?? this.planFor(this.bucketFields.map((f) => key(view.get(f))));
  }

  /** The entries an event with these bucket values can match; null values mean any. */
  private planFor(values: readonly (string | null)[]): Plan {
    const k = values.map((v) => (v ?? '\u0000any') + '\u0000').join('');
    let plan = this.plans.get(k);
    if (plan !== undefined) return plan;
    const members: number[] = [];
    this.bucketSets.forEach((sets, i) => {
      if (sets.every((set, f) => set === null || values[f] === null || set.has(values[f]!))) members.push(i);
    });
    const always: number[] = [];
    const fields = new Set<string>();
    const member = new Uint8Array(this.entries.length);
    for (const i of members) {
      member[i] = 1;
      const anchors = this.anchors[i];
      if (anchors === null || anchors === undefined) always.push(i);
      else for (const a of anchors) fields.add(a.field);
    }
    plan = { always, fields: [...fields], member };
    // Bounded: a hostile stream of distinct channels must not grow memory without limit.
    if (this.plans.size < 4096) this.plans.set(k, plan);
    return plan;
  }

  private indexFor(field: string): FieldIndex {
    const index = this.fieldIndex.get(field)!;
    if (index.automaton === null) {
      index.automaton = new AhoCorasick([...index.literals.keys()], true);
      index.entriesByPattern = [...index.literals.values()];
    }
    return index;
  }

  /** The payloads of every entry the event satisfies, in entry order. */
  match(view: EventView): T[] {
    const ctx = this.ctx;
    ctx.reset(view);
    const plan = this.planOfEvent(view);
    // Stamps mark rules already queued for this event; a long stream must not overflow them.
    if (this.stamp === 0x7fffffff) {
      this.seen.fill(0);
      this.stamp = 0;
    }
    const stamp = ++this.stamp;
    const seen = this.seen;
    const candidates: number[] = [];
    const member = plan.member;
    const hits = this.hits;
    for (const field of plan.fields) {
      const index = this.indexFor(field);
      const automaton = index.automaton!;
      hits.length = 0;
      if (field === ANY_FIELD) for (const v of view.values()) scanValue(automaton, v, hits);
      else scanValue(automaton, view.get(field), hits);
      const byPattern = index.entriesByPattern;
      for (let h = 0; h < hits.length; h++) {
        const entries = byPattern[hits[h]!]!;
        for (let e = 0; e < entries.length; e++) {
          const i = entries[e]!;
          if (member[i] === 1 && seen[i] !== stamp) {
            seen[i] = stamp;
            candidates.push(i);
          }
        }
      }
    }
    for (const i of plan.always) candidates.push(i);
    if (candidates.length > 1) candidates.sort((a, b) => a - b);
    const out: T[] = [];
    this.evaluations += candidates.length;
    for (const i of candidates) if (this.matchers[i]!(ctx)) out.push(this.entries[i]!.payload);
    return out;
  }
}
