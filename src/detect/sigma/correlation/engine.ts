import { ruleKeys, type CorrelationCondition, type CorrelationRule, type SigmaRule } from '../model.js';

/** A rule match as correlations see it: which rule, when, and its fields (Sigma names). */
export interface RuleHit<E = unknown> {
  /** The matching rule's id, name and (for chained correlations) correlation id. */
  readonly keys: readonly string[];
  /** Epoch milliseconds. */
  readonly time: number;
  readonly field: (name: string) => unknown;
  readonly event: E;
}

/** A correlation that fired: the rule, the group it fired for, and the hits that made it. */
export interface CorrelationHit<E = unknown> {
  readonly rule: CorrelationRule;
  readonly group: Readonly<Record<string, unknown>>;
  readonly first: number;
  readonly last: number;
  /** The aggregate compared with the condition: a count, a sum, an average, a share in percent. */
  readonly value: number | null;
  readonly hits: readonly RuleHit<E>[];
}

export function conditionHolds(c: CorrelationCondition | null, v: number): boolean {
  if (c === null) return true;
  if (c.gt !== undefined && !(v > c.gt)) return false;
  if (c.gte !== undefined && !(v >= c.gte)) return false;
  if (c.lt !== undefined && !(v < c.lt)) return false;
  if (c.lte !== undefined && !(v <= c.lte)) return false;
  if (c.eq !== undefined && v !== c.eq) return false;
  if (c.neq !== undefined && v === c.neq) return false;
  return true;
}

/** Conditions that can only become true as events are added are checked on arrival. */
function growsOnly(rule: CorrelationRule): boolean {
  const c = rule.correlation.condition;
  const t = rule.correlation.type;
  if (t === 'temporal' || t === 'temporal_ordered') return true;
  if (c === null) return true;
  const upward = c.lt === undefined && c.lte === undefined && c.eq === undefined && c.neq === undefined;
  return upward && (t === 'event_count' || t === 'value_count' || t === 'value_sum');
}

interface Group<E> {
  readonly values: Record<string, unknown>;
  hits: RuleHit<E>[];
  /** temporal_ordered: latest start time of an in-order chain through rule i. */
  chain: (number | undefined)[];
  windowStart: number;
}

function numberOf(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/**
 * Evaluates one correlation rule over hits that arrive in time order. State is kept per group
 * (the `group-by` values) and bounded by the timespan: older hits are dropped as time moves on.
 */
export class CorrelationState<E> {
  private readonly groups = new Map<string, Group<E>>();
  private readonly incremental: boolean;
  private readonly ruleIndex = new Map<string, number>();

  constructor(readonly rule: CorrelationRule) {
    this.incremental = growsOnly(rule);
    rule.correlation.rules.forEach((r, i) => this.ruleIndex.set(r, i));
  }

  /** Which referenced rule (by position) a hit belongs to, or -1. */
  private positionOf(hit: RuleHit<E>): number {
    for (const k of hit.keys) {
      const i = this.ruleIndex.get(k);
      if (i !== undefined) return i;
    }
    return -1;
  }

  private fieldFor(hit: RuleHit<E>, name: string): unknown {
    const alias = this.rule.correlation.aliases.get(name);
    if (alias) {
      for (const k of hit.keys) {
        const f = alias.get(k);
        if (f !== undefined) return hit.field(f);
      }
    }
    return hit.field(name);
  }

  private aggregate(hits: readonly RuleHit<E>[]): number | null {
    const c = this.rule.correlation;
    const field = c.condition?.field;
    switch (c.type) {
      case 'event_count':
        return hits.length;
      case 'value_count': {
        const distinct = new Set<string>();
        for (const h of hits) {
          const v = this.fieldFor(h, field!);
          if (v !== undefined && v !== null) distinct.add(String(v));
        }
        return distinct.size;
      }
      case 'value_sum':
      case 'value_avg':
      case 'value_median': {
        const nums = hits
          .map((h) => numberOf(this.fieldFor(h, field!)))
          .filter((n): n is number => n !== null);
        if (nums.length === 0) return null;
        if (c.type === 'value_sum') return nums.reduce((a, b) => a + b, 0);
        if (c.type === 'value_avg') return nums.reduce((a, b) => a + b, 0) / nums.length;
        nums.sort((a, b) => a - b);
        const mid = nums.length >> 1;
        return nums.length % 2 === 1 ? nums[mid]! : (nums[mid - 1]! + nums[mid]!) / 2;
      }
      default:
        return null;
    }
  }

  /** Adds a hit; returns the correlations it completes. Hits must come in time order. */
  push(hit: RuleHit<E>): CorrelationHit<E>[] {
    const position = this.positionOf(hit);
    if (position < 0) return [];
    const { groupBy, timespan, type } = this.rule.correlation;
    const values: Record<string, unknown> = {};
    for (const f of groupBy) values[f] = this.fieldFor(hit, f) ?? null;
    const key = JSON.stringify(groupBy.map((f) => values[f]));
    let group = this.groups.get(key);
    const out: CorrelationHit<E>[] = [];
    if (group !== undefined && !this.incremental && hit.time - group.windowStart > timespan) {
      // A tumbling window closes: judge it, then start afresh with this hit.
      out.push(...this.judgeWindow(group));
      group = undefined;
    }
    if (group === undefined) {
      group = { values, hits: [], chain: [], windowStart: hit.time };
      this.groups.set(key, group);
    }
    group.hits.push(hit);
    if (!this.incremental) return out;
    // Sliding window ending at this hit.
    const from = hit.time - timespan;
    if (group.hits[0]!.time < from) group.hits = group.hits.filter((h) => h.time >= from);
    if (type === 'temporal') {
      const seen = new Set(group.hits.map((h) => this.positionOf(h)));
      if (seen.size === this.rule.correlation.rules.length) out.push(this.fire(group, seen.size));
    } else if (type === 'temporal_ordered') {
      const chain = group.chain;
      if (position === 0) chain[0] = hit.time;
      else {
        const prev = chain[position - 1];
        if (prev !== undefined && hit.time - prev <= timespan)
          chain[position] = Math.max(chain[position] ?? -Infinity, prev);
      }
      const last = chain[this.rule.correlation.rules.length - 1];
      if (last !== undefined && hit.time - last <= timespan)
        out.push(this.fire(group, this.rule.correlation.rules.length));
    } else {
      const v = this.aggregate(group.hits);
      if (v !== null && conditionHolds(this.rule.correlation.condition, v)) out.push(this.fire(group, v));
    }
    return out;
  }

  private fire(group: Group<E>, value: number | null): CorrelationHit<E> {
    const hits = group.hits;
    const result: CorrelationHit<E> = {
      rule: this.rule,
      group: group.values,
      first: hits[0]!.time,
      last: hits.at(-1)!.time,
      value,
      hits,
    };
    // Start over, so one burst yields one correlation rather than one per further event.
    group.hits = [];
    group.chain = [];
    return result;
  }

  private judgeWindow(group: Group<E>): CorrelationHit<E>[] {
    if (group.hits.length === 0) return [];
    const c = this.rule.correlation;
    if (c.type === 'value_percentile') {
      // Each value's share of the group's events, in percent, against the condition.
      const counts = new Map<string, RuleHit<E>[]>();
      for (const h of group.hits) {
        const v = this.fieldFor(h, c.condition!.field!);
        if (v === undefined || v === null) continue;
        const list = counts.get(String(v));
        if (list) list.push(h);
        else counts.set(String(v), [h]);
      }
      const out: CorrelationHit<E>[] = [];
      for (const [, hits] of counts) {
        const share = (hits.length / group.hits.length) * 100;
        if (conditionHolds(c.condition, share)) {
          out.push({
            rule: this.rule,
            group: group.values,
            first: hits[0]!.time,
            last: hits.at(-1)!.time,
            value: share,
            hits,
          });
        }
      }
      return out;
    }
    const v = this.aggregate(group.hits);
    if (v === null || !conditionHolds(c.condition, v)) return [];
    return [
      {
        rule: this.rule,
        group: group.values,
        first: group.hits[0]!.time,
        last: group.hits.at(-1)!.time,
        value: v,
        hits: group.hits,
      },
    ];
  }

  /** End of input: judge every open window. */
  flush(): CorrelationHit<E>[] {
    const out: CorrelationHit<E>[] = [];
    if (!this.incremental) for (const g of this.groups.values()) out.push(...this.judgeWindow(g));
    this.groups.clear();
    return out;
  }

  /** Drops groups idle for longer than the timespan (bounded memory in long streams). */
  expire(now: number): CorrelationHit<E>[] {
    const out: CorrelationHit<E>[] = [];
    for (const [k, g] of this.groups) {
      const last = g.hits.at(-1)?.time ?? g.windowStart;
      if (now - last > this.rule.correlation.timespan) {
        if (!this.incremental) out.push(...this.judgeWindow(g));
        this.groups.delete(k);
      }
    }
    return out;
  }
}

/**
 * All correlation rules of a rule set. Correlations may refer to other correlations: a fired
 * correlation is fed back as a hit keyed by its own id and name.
 */
export class Correlator<E> {
  private readonly states: CorrelationState<E>[];

  constructor(rules: readonly SigmaRule[]) {
    this.states = rules
      .filter((r): r is CorrelationRule => r.type === 'correlation')
      .map((r) => new CorrelationState<E>(r));
  }

  get size(): number {
    return this.states.length;
  }

  /** Keys of rules that correlations consume without `generate: true`: their own alerts are not shown. */
  suppressedKeys(): Set<string> {
    const out = new Set<string>();
    for (const s of this.states)
      if (!s.rule.correlation.generate) for (const r of s.rule.correlation.rules) out.add(r);
    return out;
  }

  push(hit: RuleHit<E>): CorrelationHit<E>[] {
    const out: CorrelationHit<E>[] = [];
    let queue: RuleHit<E>[] = [hit];
    // Chains are at most as deep as the number of correlation rules.
    for (let depth = 0; queue.length > 0 && depth <= this.states.length; depth++) {
      const next: RuleHit<E>[] = [];
      for (const h of queue) {
        for (const s of this.states) {
          for (const fired of s.push(h)) {
            out.push(fired);
            next.push(this.asHit(fired, h.time));
          }
        }
      }
      queue = next;
    }
    return out;
  }

  flush(): CorrelationHit<E>[] {
    const out: CorrelationHit<E>[] = [];
    for (const s of this.states) out.push(...s.flush());
    return out;
  }

  private asHit(fired: CorrelationHit<E>, time: number): RuleHit<E> {
    const first = fired.hits[0]!;
    return {
      keys: ruleKeys(fired.rule),
      time,
      field: (name) => (name in fired.group ? fired.group[name] : first.field(name)),
      event: first.event,
    };
  }
}
