import type { Pred } from '../compile/predicate.js';
import { AhoCorasick, type Pattern } from './aho-corasick.js';
import { ANY_FIELD, anchorGroups, MAX_GROUPS, type Anchor } from './anchors.js';
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
  /**
   * The part of `pred` to take index literals from first (default `pred`); must be implied by it.
   * When it has none, they are taken from `pred` (a logsource precondition on other fields).
   */
  readonly indexed?: Pred;
}

/**
 * A slot is one anchor group of one entry: `entry * SLOTS_PER_ENTRY + group`. An entry becomes a
 * candidate once every one of its groups has a hit, so each group is counted once per event.
 */
const SLOTS_PER_ENTRY = MAX_GROUPS;

/** The distinct anchors on one field (or ANY_FIELD), numbered: a literal and where it sits. */
class FieldAnchors {
  readonly patterns: Pattern[] = [];
  /** The number of the field's non-ASCII anchor (its pattern is a placeholder), or -1. */
  nonAsciiId = -1;
  private readonly ids = new Map<string, number>();

  constructor(readonly field: string) {}

  idOf(a: Anchor): number {
    if (a.nonAscii) {
      if (this.nonAsciiId < 0) this.nonAsciiId = this.patterns.push({ text: '' }) - 1;
      return this.nonAsciiId;
    }
    const key = `${Number(a.atStart)}${Number(a.atEnd)}${a.literal}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.patterns.push({ text: a.literal, atStart: a.atStart, atEnd: a.atEnd }) - 1;
      this.ids.set(key, id);
    }
    return id;
  }
}

/**
 * Which entries each bucket holds, as bit sets per bucket field: the entries that accept any
 * value of the field, and those that name each value. A bucket's members are the AND over fields.
 */
class BucketIndex {
  private readonly words: number;
  private readonly any: Uint32Array[];
  private readonly named: Map<string, Uint32Array>[];

  constructor(
    private readonly size: number,
    fields: number,
    buckets: (i: number) => readonly (readonly string[] | null)[],
  ) {
    this.words = Math.ceil(size / 32);
    this.any = Array.from({ length: fields }, () => new Uint32Array(this.words));
    this.named = Array.from({ length: fields }, () => new Map<string, Uint32Array>());
    for (let i = 0; i < size; i++) {
      const b = buckets(i);
      for (let f = 0; f < fields; f++) {
        const values = b[f] ?? null;
        if (values === null) this.any[f]![i >>> 5]! |= 1 << (i & 31);
        else
          for (const v of values) {
            let set = this.named[f]!.get(v);
            if (set === undefined) this.named[f]!.set(v, (set = new Uint32Array(this.words)));
            set[i >>> 5]! |= 1 << (i & 31);
          }
      }
    }
  }

  /** The entries of the bucket with these values (null: any), in entry order. */
  members(values: readonly (string | null)[]): number[] {
    const acc = new Uint32Array(this.words).fill(0xffffffff);
    values.forEach((v, f) => {
      if (v === null) return;
      const any = this.any[f]!;
      const named = this.named[f]!.get(v);
      for (let w = 0; w < acc.length; w++) acc[w]! &= any[w]! | (named === undefined ? 0 : named[w]!);
    });
    const out: number[] = [];
    for (let i = 0; i < this.size; i++) if ((acc[i >>> 5]! & (1 << (i & 31))) !== 0) out.push(i);
    return out;
  }
}

const NON_ASCII = /[^\0-\x7f]/;

/**
 * One field's scan in one bucket: an automaton over the literals of the bucket's members only
 * (small tables stay in cache), whose states lead straight to the slots of the literals ending there;
 * and the slots of its members' non-ASCII anchors, taken when a value holds a non-ASCII character.
 */
class FieldScan {
  private readonly visit: (state: number) => boolean;

  constructor(
    readonly field: string,
    private readonly automaton: AhoCorasick | null,
    slotsAt: ReadonlyMap<number, Int32Array>,
    private readonly nonAsciiSlots: Int32Array | null,
    private readonly take: (slots: Int32Array) => void,
  ) {
    this.visit = (state) => {
      take(slotsAt.get(state)!);
      return true;
    };
  }

  /** Feeds `take` the slots of the anchors found in each of a value's scalars. */
  scan(v: FieldValue | undefined): void {
    if (v === undefined || v === null) return;
    if (typeof v === 'string') this.scanText(v);
    else if (Array.isArray(v)) {
      for (const x of v as readonly Scalar[]) if (x !== null) this.scanText(String(x));
    } else this.scanText(String(v));
  }

  private scanText(text: string): void {
    if (this.automaton !== null) this.automaton.scanStates(text, this.visit);
    if (this.nonAsciiSlots !== null && NON_ASCII.test(text)) this.take(this.nonAsciiSlots);
  }
}

/** The work for one bucket (source, channel, event id): entries always evaluated, fields to scan. */
interface Plan {
  readonly always: Int32Array;
  /** Named fields, each scanned in that field's value only. */
  readonly fields: readonly FieldScan[];
  /** The keyword scan, over every value of the event, when this bucket needs it. */
  readonly keywords: FieldScan | null;
  /** 1 for entries in this bucket: anchor hits on other entries are ignored. */
  readonly member: Uint8Array;
}

/** Plans cached by an event's raw bucket values: one Map level per bucket field, plans at the last. */
type RawPlans = Map<unknown, RawPlans | Plan>;

/** Cached plans at most: a hostile stream of distinct channels must not grow memory without limit. */
const MAX_PLANS = 4096;

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

/**
 * Matches events against many rules at once. Rules are bucketed by the channel and event id
 * their logsource requires; within a bucket, the literals each rule needs (tied to the start or
 * end of a value where its test is) are compiled into one automaton per field, so a rule is
 * evaluated only when its literals occur in the event: one of each of its (at most two) groups.
 */
export class RuleSet<T> {
  private readonly matchers: Matcher[];
  /** Anchor groups of each entry; 0 for entries evaluated on every event of their buckets. */
  private readonly groups: Uint8Array;
  private readonly plans = new Map<string, Plan>();
  private readonly rawPlans: RawPlans = new Map();
  private rawPlanCount = 0;
  private readonly fieldAnchors = new Map<string, FieldAnchors>();
  /** Automata by field and literals: buckets with the same literals on a field share one. */
  private readonly automata = new Map<string, AhoCorasick>();
  private readonly bucketFields: readonly string[];
  private readonly buckets: BucketIndex;
  /** Each entry's anchors: the field's anchor table, the anchor's number there, and its slot. */
  private readonly entryAnchors: {
    readonly index: FieldAnchors;
    readonly id: number;
    readonly slot: number;
  }[][];
  private readonly ctx = new MatchContext();
  // Per-event state of the scans: the bucket's members, stamps of slots and entries already
  // counted, groups hit per entry, and the queue of candidates (each entry at most once per
  // event, so the queue never outgrows the entry count).
  private member: Uint8Array = new Uint8Array(0);
  private stamp = 0;
  private readonly slotSeen: Int32Array;
  private readonly entrySeen: Int32Array;
  private readonly hitGroups: Uint8Array;
  private readonly candidates: Int32Array;
  private count = 0;
  private readonly take = (slots: Int32Array): void => {
    const { member, stamp, slotSeen, entrySeen, hitGroups, groups } = this;
    for (let s = 0; s < slots.length; s++) {
      const slot = slots[s]!;
      const i = (slot / SLOTS_PER_ENTRY) | 0;
      if (member[i] !== 1 || slotSeen[slot] === stamp) continue;
      slotSeen[slot] = stamp;
      if (entrySeen[i] !== stamp) {
        entrySeen[i] = stamp;
        hitGroups[i] = 0;
      }
      if (++hitGroups[i]! === groups[i]) this.candidates[this.count++] = i;
    }
  };
  /** Rules fully evaluated, for statistics. */
  evaluations = 0;

  constructor(
    readonly entries: readonly EngineEntry<T>[],
    options: RuleSetOptions = {},
  ) {
    this.bucketFields = options.bucketFields ?? DEFAULT_BUCKET_FIELDS;
    this.buckets = new BucketIndex(entries.length, this.bucketFields.length, (i) => entries[i]!.buckets);
    this.entryAnchors = entries.map(() => []);
    this.matchers = entries.map((e) => compileMatcher(e.pred));
    this.groups = new Uint8Array(entries.length);
    this.slotSeen = new Int32Array(entries.length * SLOTS_PER_ENTRY);
    this.entrySeen = new Int32Array(entries.length);
    this.hitGroups = new Uint8Array(entries.length);
    this.candidates = new Int32Array(entries.length);
    entries.forEach((e, i) => {
      // Tests of the fields an entry's bucket pins hold for every event of the bucket: no use as anchors.
      const ignored = new Set(
        this.bucketFields.filter((_, f) => e.buckets[f] !== null && e.buckets[f] !== undefined),
      );
      let groups = anchorGroups(e.indexed ?? e.pred, ignored);
      if (groups === null && e.indexed !== undefined) groups = anchorGroups(e.pred, ignored);
      if (groups === null) return;
      this.groups[i] = groups.length;
      groups.forEach((group, g) => {
        for (const a of group) {
          let index = this.fieldAnchors.get(a.field);
          if (!index) this.fieldAnchors.set(a.field, (index = new FieldAnchors(a.field)));
          this.entryAnchors[i]!.push({ index, id: index.idOf(a), slot: i * SLOTS_PER_ENTRY + g });
        }
      });
    });
  }

  /**
   * The plan of an event's bucket. Most events find it by their raw bucket values, with no
   * lower-casing or string building; the rest (first of their bucket, lists) go the long way.
   */
  private planOfEvent(view: EventView): Plan {
    const fields = this.bucketFields;
    let level: RawPlans | Plan | undefined = this.rawPlans;
    for (let f = 0; f < fields.length && level !== undefined; f++)
      level = (level as RawPlans).get(view.get(fields[f]!));
    return level === undefined || level instanceof Map ? this.planOfValues(view) : level;
  }

  private planOfValues(view: EventView): Plan {
    const raw = this.bucketFields.map((f) => view.get(f));
    const plan = this.planFor(raw.map(key));
    // Lists are never cached by identity: each event brings its own.
    if (this.rawPlanCount < MAX_PLANS && raw.length > 0 && !raw.some((v) => Array.isArray(v))) {
      let level = this.rawPlans;
      for (let f = 0; f < raw.length - 1; f++) {
        let next = level.get(raw[f]) as RawPlans | undefined;
        if (next === undefined) level.set(raw[f], (next = new Map()));
        level = next;
      }
      level.set(raw.at(-1), plan);
      this.rawPlanCount++;
    }
    return plan;
  }

  /** The entries an event with these bucket values can match; null values mean any. */
  private planFor(values: readonly (string | null)[]): Plan {
    const k = values.map((v) => (v ?? '\u0000any') + '\u0000').join('');
    let plan = this.plans.get(k);
    if (plan !== undefined) return plan;
    const always: number[] = [];
    const member = new Uint8Array(this.entries.length);
    // The members' anchors by field, each anchor with the members' slots.
    const anchors = new Map<FieldAnchors, Map<number, number[]>>();
    for (const i of this.buckets.members(values)) {
      member[i] = 1;
      if (this.groups[i] === 0) always.push(i);
      for (const { index, id, slot } of this.entryAnchors[i]!) {
        let ids = anchors.get(index);
        if (ids === undefined) anchors.set(index, (ids = new Map()));
        const slots = ids.get(id);
        if (slots === undefined) ids.set(id, [slot]);
        else slots.push(slot);
      }
    }
    const scans = [...anchors].map(([index, slots]) => this.scanOf(index, slots));
    plan = {
      always: Int32Array.from(always),
      fields: scans.filter((x) => x.field !== ANY_FIELD),
      keywords: scans.find((x) => x.field === ANY_FIELD) ?? null,
      member,
    };
    if (this.plans.size < MAX_PLANS) this.plans.set(k, plan);
    return plan;
  }

  private scanOf(index: FieldAnchors, slotsById: ReadonlyMap<number, readonly number[]>): FieldScan {
    const ids = [...slotsById.keys()].filter((id) => id !== index.nonAsciiId).sort((a, b) => a - b);
    const nonAscii = slotsById.get(index.nonAsciiId);
    let automaton: AhoCorasick | null = null;
    const slotsAt = new Map<number, Int32Array>();
    if (ids.length > 0) {
      const key = `${index.field}\u0000${ids.join(',')}`;
      automaton = this.automata.get(key) ?? null;
      if (automaton === null) {
        automaton = new AhoCorasick(
          ids.map((id) => index.patterns[id]!),
          true,
        );
        this.automata.set(key, automaton);
      }
      // Each state where literals end gets their slots, so a hit is one list to walk.
      for (let state = 0; state < automaton.stateCount; state++) {
        const patterns = automaton.patternsAt(state);
        if (patterns === null) continue;
        const slots = new Set<number>();
        for (const p of patterns) for (const slot of slotsById.get(ids[p]!)!) slots.add(slot);
        slotsAt.set(state, Int32Array.from(slots));
      }
    }
    const nonAsciiSlots = nonAscii === undefined ? null : Int32Array.from(nonAscii);
    return new FieldScan(index.field, automaton, slotsAt, nonAsciiSlots, this.take);
  }

  /** The payloads of every entry the event satisfies, in entry order. */
  match(view: EventView): T[] {
    const plan = this.planOfEvent(view);
    // Stamps mark slots and entries already counted for this event; a long stream must not overflow them.
    if (this.stamp === 0x7fffffff) {
      this.slotSeen.fill(0);
      this.entrySeen.fill(0);
      this.stamp = 0;
    }
    this.stamp++;
    this.member = plan.member;
    this.count = 0;
    const fields = plan.fields;
    for (let f = 0; f < fields.length; f++) fields[f]!.scan(view.get(fields[f]!.field));
    const keywords = plan.keywords;
    if (keywords !== null) for (const v of view.values()) keywords.scan(v);
    const candidates = this.candidates;
    let n = this.count;
    const always = plan.always;
    for (let a = 0; a < always.length; a++) candidates[n++] = always[a]!;
    const out: T[] = [];
    if (n === 0) return out;
    sortPrefix(candidates, n);
    this.evaluations += n;
    const ctx = this.ctx;
    ctx.reset(view);
    for (let c = 0; c < n; c++) {
      const i = candidates[c]!;
      if (this.matchers[i]!(ctx)) out.push(this.entries[i]!.payload);
    }
    return out;
  }
}

/** Sorts the first `n` numbers in place: insertion sort, as there are only a few. */
function sortPrefix(xs: Int32Array, n: number): void {
  if (n > 32) {
    xs.subarray(0, n).sort();
    return;
  }
  for (let i = 1; i < n; i++) {
    const x = xs[i]!;
    let j = i - 1;
    while (j >= 0 && xs[j]! > x) {
      xs[j + 1] = xs[j]!;
      j--;
    }
    xs[j + 1] = x;
  }
}
