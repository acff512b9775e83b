import type { Pred } from '../compile/predicate.js';
import { AhoCorasick } from './aho-corasick.js';
import { necessaryAnchors } from './anchors.js';
import { compileMatcher, type Matcher } from './closure.js';
import { MatchContext } from './context.js';
import type { EventView, FieldValue } from './event-view.js';

/** One rule (or one logsource variant of a rule) as the engine sees it. */
export interface EngineEntry<T> {
  readonly payload: T;
  /** The full test: logsource precondition and detection together. */
  readonly pred: Pred;
  /** Values of `Channel` the precondition requires (lower-case), or null for any channel. */
  readonly channels: readonly string[] | null;
  /** Values of `EventID` the precondition requires, or null for any event id. */
  readonly eventIds: readonly string[] | null;
}

interface FieldScan {
  readonly field: string;
  readonly automaton: AhoCorasick;
  /** Entries anchored on each pattern. */
  readonly entriesByPattern: readonly (readonly number[])[];
}

/** The work for one (channel, event id) pair: entries always evaluated, and fields to scan. */
interface Plan {
  readonly always: readonly number[];
  readonly scans: readonly FieldScan[];
}

export interface RuleSetOptions {
  /** Field names carrying the channel and the event id in the events (default Channel, EventID). */
  readonly channelField?: string;
  readonly eventIdField?: string;
}

const ANY = '\u0000any';

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
 * their logsource requires; within a bucket, the literals each rule needs are compiled into one
 * automaton per field, so a rule is evaluated only when one of its literals occurs in the event.
 */
export class RuleSet<T> {
  private readonly matchers: Matcher[];
  private readonly anchors: ReturnType<typeof necessaryAnchors>[];
  private readonly byChannel = new Map<string, Map<string, number[]>>();
  private readonly plans = new Map<string, Plan>();
  private readonly seen: Int32Array;
  private stamp = 0;
  private readonly ctx = new MatchContext();
  private readonly channelField: string;
  private readonly eventIdField: string;
  /** Rules fully evaluated, for statistics. */
  evaluations = 0;

  constructor(
    readonly entries: readonly EngineEntry<T>[],
    options: RuleSetOptions = {},
  ) {
    this.channelField = options.channelField ?? 'Channel';
    this.eventIdField = options.eventIdField ?? 'EventID';
    this.matchers = entries.map((e) => compileMatcher(e.pred));
    this.anchors = entries.map((e) => necessaryAnchors(e.pred));
    this.seen = new Int32Array(entries.length);
    entries.forEach((e, i) => {
      for (const ch of e.channels ?? [ANY]) {
        let byId = this.byChannel.get(ch);
        if (!byId) this.byChannel.set(ch, (byId = new Map()));
        for (const id of e.eventIds ?? [ANY]) {
          const list = byId.get(id);
          if (list) list.push(i);
          else byId.set(id, [i]);
        }
      }
    });
  }

  /** null for a channel or event id means any: every entry is a member. */
  private planFor(channel: string | null, eventId: string | null): Plan {
    const k = `${channel ?? ANY}\u0000${eventId ?? ANY}`;
    let plan = this.plans.get(k);
    if (plan !== undefined) return plan;
    const members = new Set<number>();
    for (const [ch, byId] of this.byChannel) {
      if (channel !== null && ch !== channel && ch !== ANY) continue;
      for (const [id, list] of byId) {
        if (eventId !== null && id !== eventId && id !== ANY) continue;
        for (const i of list) members.add(i);
      }
    }
    const always: number[] = [];
    const perField = new Map<string, Map<string, number[]>>();
    for (const i of [...members].sort((a, b) => a - b)) {
      const anchors = this.anchors[i];
      if (anchors === null || anchors === undefined) {
        always.push(i);
        continue;
      }
      for (const a of anchors) {
        let lits = perField.get(a.field);
        if (!lits) perField.set(a.field, (lits = new Map()));
        const list = lits.get(a.literal);
        if (list) {
          if (list.at(-1) !== i) list.push(i);
        } else lits.set(a.literal, [i]);
      }
    }
    const scans: FieldScan[] = [...perField].map(([field, lits]) => ({
      field,
      automaton: new AhoCorasick([...lits.keys()]),
      entriesByPattern: [...lits.values()],
    }));
    plan = { always, scans };
    // Bounded: a hostile stream of distinct channels must not grow memory without limit.
    if (this.plans.size < 4096) this.plans.set(k, plan);
    return plan;
  }

  /** The payloads of every entry the event satisfies, in entry order. */
  match(view: EventView): T[] {
    const ctx = this.ctx;
    ctx.reset(view);
    const plan = this.planFor(key(view.get(this.channelField)), key(view.get(this.eventIdField)));
    const stamp = ++this.stamp;
    const seen = this.seen;
    const candidates: number[] = [];
    for (const scan of plan.scans) {
      const texts = ctx.lower(scan.field);
      for (const text of texts) {
        if (text === null) continue;
        scan.automaton.scan(text, (pattern) => {
          for (const i of scan.entriesByPattern[pattern]!) {
            if (seen[i] !== stamp) {
              seen[i] = stamp;
              candidates.push(i);
            }
          }
        });
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
