import { createHash } from 'node:crypto';
import { levelRank, type Level } from '../detect/sigma/model.js';
import { entityKey, type Entity, type EntityType } from './entities.js';
import {
  closeness,
  explain,
  LINK_THRESHOLD,
  linkClass,
  MAX_LINK_MS,
  rolesLink,
  type Link,
  type LinkEvidence,
  type LinkKind,
} from './links.js';
import { Prevalence } from './prevalence.js';
import { killChainOrder, riskOf, tacticsOf, type Risk } from './risk.js';

/** An alert as correlation sees it: what fired, when, where, and about what. */
export interface CorrelationAlert {
  readonly id: string;
  readonly time: number;
  readonly ruleId: string;
  readonly title: string;
  readonly level: Level;
  readonly tags: readonly string[];
  readonly host: string;
  readonly entities: readonly Entity[];
}

export interface IncidentAlert {
  readonly id: string;
  readonly time: number;
  readonly ruleId: string;
  readonly title: string;
  readonly level: Level;
  readonly host: string;
  /** Keys (`type:value`) of its entities, for drawing the alert–entity graph. */
  readonly entities: readonly string[];
}

export interface IncidentEntity {
  readonly type: EntityType;
  readonly value: string;
  /** Alerts of this incident that carry it. */
  readonly alerts: number;
}

/** One story: its alerts in time order, what they are about, and why they belong together. */
export interface Incident {
  readonly id: string;
  readonly title: string;
  readonly severity: Level;
  readonly risk: Risk;
  readonly first: number;
  readonly last: number;
  readonly alertCount: number;
  readonly hosts: readonly string[];
  readonly users: readonly string[];
  /** ATT&CK tactics in kill-chain order. */
  readonly tactics: readonly string[];
  readonly rules: readonly { id: string; title: string; level: Level; count: number }[];
  readonly alerts: readonly IncidentAlert[];
  readonly entities: readonly IncidentEntity[];
  readonly links: readonly Link[];
  /** Incidents that a bridging alert merged into this one. */
  readonly mergedFrom: readonly string[];
}

export interface IncidentBuilderOptions {
  /** Alerts remembered per entity value for linking (the most recent). */
  readonly perEntity?: number;
  /** Alerts kept in one incident's timeline; beyond it only counts grow. */
  readonly maxTimeline?: number;
  /** Entity values indexed for linking before expired ones are swept. */
  readonly maxIndexed?: number;
  readonly prevalence?: Prevalence;
}

interface State {
  id: string;
  seq: number;
  mergedInto: State | null;
  alerts: IncidentAlert[];
  alertCount: number;
  links: Link[];
  entities: Map<string, { type: EntityType; value: string; alerts: number }>;
  hosts: Set<string>;
  users: Set<string>;
  tactics: Set<string>;
  levels: Level[];
  rules: Map<string, { id: string; title: string; level: Level; count: number }>;
  first: number;
  last: number;
  mergedFrom: string[];
}

interface Indexed {
  readonly alert: CorrelationAlert;
  readonly role: Entity['role'];
  readonly state: State;
}

const MAX_LINKS_FACTOR = 2;
const MAX_ENTITIES = 500;

function incidentId(firstAlert: string): string {
  return `inc-${createHash('sha256').update(firstAlert).digest('hex').slice(0, 16)}`;
}

/** Repeats of one rule on one host link (weakly), as the same activity going on. */
function withDetection(a: CorrelationAlert): readonly Entity[] {
  if (a.host === '') return a.entities;
  return [...a.entities, { type: 'detection', value: `${a.host.toLowerCase()}|${a.ruleId}`, role: 'self' }];
}

function root(s: State): State {
  let r = s;
  while (r.mergedInto !== null) r = r.mergedInto;
  // Path compression keeps later lookups short.
  let x = s;
  while (x.mergedInto !== null && x.mergedInto !== r) {
    const next: State = x.mergedInto;
    x.mergedInto = r;
    x = next;
  }
  return r;
}

/**
 * Links alerts that share entities into incidents, one alert at a time, so the same code builds
 * incidents live (in `serve`) and in batch (`hunt --incidents`, which feeds alerts in time order).
 * Memory stays bounded: an alert is remembered for linking only while a link to it could still
 * count (MAX_LINK_MS) and per entity only the most recent; a quiet incident is retired and handed
 * to `onRetire`.
 */
export class IncidentBuilder {
  readonly prevalence: Prevalence;
  private readonly index = new Map<string, Indexed[]>();
  private readonly open = new Set<State>();
  /** Every id an open incident has had (merged ones lead to the survivor). */
  private readonly byId = new Map<string, State>();
  /** Alerts already added, while they can still link: adding one twice (a replay) changes nothing. */
  private readonly added = new Map<string, { state: State; time: number }>();
  private merges: { from: string; into: string }[] = [];
  private readonly ruleFires = new Map<string, number>();
  private readonly perEntity: number;
  private readonly maxTimeline: number;
  private readonly maxIndexed: number;
  private seq = 0;
  private now = -Infinity;
  private sinceSweep = 0;

  constructor(options: IncidentBuilderOptions = {}) {
    this.prevalence = options.prevalence ?? new Prevalence();
    this.perEntity = options.perEntity ?? 24;
    this.maxTimeline = options.maxTimeline ?? 5000;
    this.maxIndexed = options.maxIndexed ?? 200_000;
  }

  /** Adds one alert; returns the id of the incident that now holds it. */
  add(alert: CorrelationAlert): string {
    const known = this.added.get(alert.id);
    if (known !== undefined) return root(known.state).id;
    this.ruleFires.set(alert.ruleId, (this.ruleFires.get(alert.ruleId) ?? 0) + 1);
    if (alert.time > this.now) this.now = alert.time;
    const candidates = this.candidates(alert);
    const joined = new Map<State, { to: Indexed; evidence: LinkEvidence[]; score: number }>();
    for (const c of candidates.values()) {
      if (c.score < LINK_THRESHOLD) continue;
      const s = root(c.to.state);
      const best = joined.get(s);
      if (best === undefined || c.score > best.score) joined.set(s, c);
    }
    let target: State;
    if (joined.size === 0) target = this.newState(alert);
    else {
      const states = [...joined.keys()].sort((a, b) => a.seq - b.seq);
      target = states[0]!;
      for (const other of states.slice(1)) this.merge(target, other);
    }
    for (const { to, evidence, score } of joined.values()) {
      const link: Link = {
        from: alert.id,
        to: to.alert.id,
        score: Math.round(score * 100) / 100,
        evidence,
        reason: explain(evidence, alert.time - to.alert.time),
      };
      if (target.links.length < this.maxTimeline * MAX_LINKS_FACTOR) target.links.push(link);
    }
    this.addTo(target, alert);
    this.indexAlert(alert, target);
    this.added.set(alert.id, { state: target, time: alert.time });
    if (++this.sinceSweep >= 1000) this.sweep();
    return target.id;
  }

  /** The open incident that holds, or absorbed, the incident with this id. */
  find(id: string): Incident | null {
    const s = this.byId.get(id);
    return s === undefined ? null : this.summary(root(s));
  }

  /** Merges since the last call: `from` now lives on in `into`. */
  takeMerges(): { from: string; into: string }[] {
    const out = this.merges;
    this.merges = [];
    return out;
  }

  /** The open incidents, oldest first. */
  incidents(): Incident[] {
    return [...this.open].map((s) => this.summary(s)).sort((a, b) => a.first - b.first);
  }

  /**
   * Retires incidents that nothing can join any more (quiet for longer than any link reaches),
   * and forgets alerts too old to link. Returns the retired incidents.
   */
  retire(now = this.now): Incident[] {
    const out: Incident[] = [];
    for (const s of this.open)
      if (now - s.last > MAX_LINK_MS) {
        this.open.delete(s);
        out.push(this.summary(s));
      }
    for (const [id, s] of this.byId) if (!this.open.has(root(s))) this.byId.delete(id);
    this.sweep(now, true);
    return out;
  }

  get openCount(): number {
    return this.open.size;
  }

  get indexedCount(): number {
    return this.index.size;
  }

  private candidates(alert: CorrelationAlert) {
    const entities = withDetection(alert);
    const out = new Map<
      string,
      { to: Indexed; evidence: LinkEvidence[]; score: number; byKind: Map<LinkKind, number> }
    >();
    for (const e of entities) {
      const refs = this.index.get(entityKey(e));
      if (refs === undefined) continue;
      const cls = linkClass(e);
      const rarity = this.prevalence.rarity(e);
      if (rarity === 0) continue;
      for (const ref of refs) {
        if (ref.alert.id === alert.id || !rolesLink(e.type, e.role, ref.role)) continue;
        const weight = cls.weight * rarity * closeness(cls, alert.time - ref.alert.time);
        if (weight <= 0) continue;
        let c = out.get(ref.alert.id);
        if (c === undefined)
          out.set(ref.alert.id, (c = { to: ref, evidence: [], score: 0, byKind: new Map() }));
        // One kind counts once: a file's SHA1 and SHA256 are one piece of evidence.
        const had = c.byKind.get(cls.kind) ?? 0;
        if (weight <= had) continue;
        c.byKind.set(cls.kind, weight);
        c.score += weight - had;
        const i = c.evidence.findIndex((x) => x.kind === cls.kind);
        const ev: LinkEvidence = {
          kind: cls.kind,
          entity: { type: e.type, value: e.value },
          weight: Math.round(weight * 100) / 100,
        };
        if (i >= 0) c.evidence[i] = ev;
        else c.evidence.push(ev);
      }
    }
    return out;
  }

  private newState(alert: CorrelationAlert): State {
    const s: State = {
      id: incidentId(alert.id),
      seq: this.seq++,
      mergedInto: null,
      alerts: [],
      alertCount: 0,
      links: [],
      entities: new Map(),
      hosts: new Set(),
      users: new Set(),
      tactics: new Set(),
      levels: [],
      rules: new Map(),
      first: alert.time,
      last: alert.time,
      mergedFrom: [],
    };
    this.open.add(s);
    this.byId.set(s.id, s);
    return s;
  }

  private addTo(s: State, alert: CorrelationAlert): void {
    s.alertCount++;
    if (s.alerts.length < this.maxTimeline)
      s.alerts.push({
        id: alert.id,
        time: alert.time,
        ruleId: alert.ruleId,
        title: alert.title,
        level: alert.level,
        host: alert.host,
        entities: alert.entities.map(entityKey).slice(0, 64),
      });
    if (alert.host !== '') s.hosts.add(alert.host);
    for (const t of tacticsOf(alert.tags)) s.tactics.add(t);
    if (s.levels.length < this.maxTimeline) s.levels.push(alert.level);
    const rule = s.rules.get(alert.ruleId);
    if (rule) rule.count++;
    else s.rules.set(alert.ruleId, { id: alert.ruleId, title: alert.title, level: alert.level, count: 1 });
    for (const e of alert.entities) {
      if (e.type === 'user' && s.users.size < 100) s.users.add(e.value);
      const key = entityKey(e);
      const known = s.entities.get(key);
      if (known) known.alerts++;
      else if (s.entities.size < MAX_ENTITIES)
        s.entities.set(key, { type: e.type, value: e.value, alerts: 1 });
    }
    s.first = Math.min(s.first, alert.time);
    s.last = Math.max(s.last, alert.time);
  }

  /** Moves `other` into `into` (the older incident keeps its id). */
  private merge(into: State, other: State): void {
    other.mergedInto = into;
    this.open.delete(other);
    this.merges.push({ from: other.id, into: into.id });
    into.mergedFrom.push(other.id, ...other.mergedFrom);
    into.alertCount += other.alertCount;
    for (const a of other.alerts) if (into.alerts.length < this.maxTimeline) into.alerts.push(a);
    for (const l of other.links)
      if (into.links.length < this.maxTimeline * MAX_LINKS_FACTOR) into.links.push(l);
    for (const [k, e] of other.entities) {
      const known = into.entities.get(k);
      if (known) known.alerts += e.alerts;
      else if (into.entities.size < MAX_ENTITIES) into.entities.set(k, { ...e });
    }
    for (const h of other.hosts) into.hosts.add(h);
    for (const u of other.users) if (into.users.size < 100) into.users.add(u);
    for (const t of other.tactics) into.tactics.add(t);
    for (const l of other.levels) if (into.levels.length < this.maxTimeline) into.levels.push(l);
    for (const [k, r] of other.rules) {
      const known = into.rules.get(k);
      if (known) known.count += r.count;
      else into.rules.set(k, { ...r });
    }
    into.first = Math.min(into.first, other.first);
    into.last = Math.max(into.last, other.last);
  }

  private indexAlert(alert: CorrelationAlert, state: State): void {
    for (const e of withDetection(alert)) {
      const key = entityKey(e);
      let refs = this.index.get(key);
      if (refs === undefined) this.index.set(key, (refs = []));
      refs.push({ alert, role: e.role, state });
      if (refs.length > this.perEntity) refs.splice(0, refs.length - this.perEntity);
    }
  }

  /** Forgets alerts too old to link to anything new; keeps the index within its bound. */
  private sweep(now = this.now, always = false): void {
    this.sinceSweep = 0;
    if (!always && this.index.size < this.maxIndexed / 2 && this.added.size < this.maxIndexed) return;
    for (const [id, a] of this.added) if (now - a.time > MAX_LINK_MS) this.added.delete(id);
    let excess = this.added.size - this.maxIndexed;
    for (const id of this.added.keys()) {
      if (excess-- <= 0) break;
      this.added.delete(id);
    }
    for (const [key, refs] of this.index) {
      const kept = refs.filter((r) => now - r.alert.time <= MAX_LINK_MS);
      if (kept.length === 0) this.index.delete(key);
      else if (kept.length !== refs.length) this.index.set(key, kept);
    }
    // Still too many (a burst of unique values): forget the values indexed longest ago.
    if (this.index.size > this.maxIndexed) {
      let drop = this.index.size - Math.floor(this.maxIndexed * 0.9);
      for (const key of this.index.keys()) {
        if (drop-- <= 0) break;
        this.index.delete(key);
      }
    }
  }

  private summary(s: State): Incident {
    const alerts = [...s.alerts].sort((a, b) => a.time - b.time || a.id.localeCompare(b.id));
    const rules = [...s.rules.values()].sort(
      (a, b) =>
        levelRank(b.level) - levelRank(a.level) || b.count - a.count || a.title.localeCompare(b.title),
    );
    const tactics = killChainOrder(s.tactics);
    const hosts = [...s.hosts].sort();
    const risk = riskOf({
      levels: s.levels,
      tactics,
      hosts: hosts.length,
      ruleFires: rules.map((r) => this.ruleFires.get(r.id) ?? r.count),
    });
    return {
      id: s.id,
      title: titleOf(rules, hosts, tactics, s.alertCount),
      severity: risk.severity,
      risk,
      first: s.first,
      last: s.last,
      alertCount: s.alertCount,
      hosts,
      users: [...s.users].sort(),
      tactics,
      rules,
      alerts,
      entities: [...s.entities.values()].sort((a, b) => b.alerts - a.alerts || a.type.localeCompare(b.type)),
      links: s.links,
      mergedFrom: s.mergedFrom,
    };
  }
}

function titleOf(
  rules: readonly { title: string }[],
  hosts: readonly string[],
  tactics: readonly string[],
  alertCount: number,
): string {
  const lead = rules[0]?.title ?? 'Alert';
  const more = alertCount > 1 ? ` and ${alertCount - 1} related alert${alertCount > 2 ? 's' : ''}` : '';
  const where =
    hosts.length === 0
      ? ''
      : ` on ${hosts[0]}${hosts.length > 1 ? ` and ${hosts.length - 1} more host${hosts.length > 2 ? 's' : ''}` : ''}`;
  const chain = tactics.length >= 2 ? ` (${tactics.join(' → ')})` : '';
  return `${lead}${more}${where}${chain}`;
}
