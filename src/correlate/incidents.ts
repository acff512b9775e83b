import { createHash } from 'node:crypto';
import { LEVELS, levelRank, type Level } from '../detect/sigma/model.js';
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
import { Lineage, type Ancestor } from './lineage.js';
import { isOsProgram } from './os-binaries.js';
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
  /**
   * The process that acted and those above it, nearest first, with their programs where the
   * process-creation events told: the graph draws the process tree from it.
   */
  readonly tree?: readonly { readonly id: string; readonly image: string }[];
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
  /** Alert references kept for linking, across all entity values. */
  readonly maxIndexed?: number;
  /** Open incidents kept; past it the longest untouched are retired early. */
  readonly maxOpen?: number;
  readonly prevalence?: Prevalence;
  readonly lineage?: Lineage;
}

interface RuleCount {
  readonly id: string;
  readonly title: string;
  readonly level: Level;
  readonly tags: readonly string[];
  count: number;
}

/** What an open incident keeps; the rest of its summary is derived from its timeline. */
interface State {
  id: string;
  seq: number;
  mergedInto: State | null;
  alerts: IncidentAlert[];
  alertCount: number;
  links: Link[];
  hosts: Set<string>;
  rules: Map<string, RuleCount>;
  /** Alerts per level, in LEVELS order. */
  levels: number[];
  first: number;
  last: number;
  mergedFrom: string[];
}

interface Indexed {
  readonly alert: CorrelationAlert;
  /** The alert's id and time, at hand: linking reads them for every reference it walks. */
  readonly id: string;
  readonly time: number;
  readonly role: Entity['role'];
  readonly state: State;
}

/**
 * An earlier alert the new one shares values with. Per kind of evidence only the strongest value
 * counts (a file's SHA1 and SHA256 are one piece of evidence); kinds in the order first seen. Most
 * candidates share one kind or two and never reach the threshold: the first kind is held inline,
 * and evidence is only built for a link.
 */
interface Candidate {
  readonly to: Indexed;
  score: number;
  readonly kind: LinkKind;
  weight: number;
  entity: Entity;
  /** Further kinds, when there are any. */
  more: { readonly kind: LinkKind; weight: number; entity: Entity }[] | null;
}

function evidence(kind: LinkKind, weight: number, e: Entity): LinkEvidence {
  return { kind, entity: { type: e.type, value: e.value }, weight: Math.round(weight * 100) / 100 };
}

function evidenceOf(c: Candidate): LinkEvidence[] {
  const out = [evidence(c.kind, c.weight, c.entity)];
  if (c.more !== null) for (const m of c.more) out.push(evidence(m.kind, m.weight, m.entity));
  return out;
}

/** Counts `weight` of `kind` towards the candidate when it beats what that kind gave so far. */
function strengthen(c: Candidate, kind: LinkKind, weight: number, e: Entity): void {
  if (kind === c.kind) {
    if (weight <= c.weight) return;
    c.score += weight - c.weight;
    c.weight = weight;
    c.entity = e;
    return;
  }
  const m = c.more?.find((x) => x.kind === kind);
  if (m !== undefined) {
    if (weight <= m.weight) return;
    c.score += weight - m.weight;
    m.weight = weight;
    m.entity = e;
    return;
  }
  c.score += weight;
  (c.more ??= []).push({ kind, weight, entity: e });
}

const MAX_LINKS_FACTOR = 2;
const MAX_ENTITIES = 500;
const SWEEP_EVERY_MS = 6 * 3_600_000;
const ANCESTOR_DEPTH = 3;

function incidentId(firstAlert: string): string {
  return `inc-${createHash('sha256').update(firstAlert).digest('hex').slice(0, 16)}`;
}

/** Entity keys an incident shows: not the internal ones (a rule on a host, a host's telemetry). */
const shown = (key: string) => !key.startsWith('detection:') && !key.startsWith('telemetry:');

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
 * count (MAX_LINK_MS), per entity only the most recent, and in all at most `maxIndexed`; an
 * incident quiet for longer than any link reaches is retired. Cleanup is amortized: no call walks
 * everything.
 */
export class IncidentBuilder {
  readonly prevalence: Prevalence;
  readonly lineage: Lineage;
  private readonly index = new Map<string, Indexed[]>();
  private indexedRefs = 0;
  /** Open incidents, least recently touched first. */
  private readonly open = new Map<State, true>();
  /** Every id an open incident has had (merged ones lead to the survivor). */
  private readonly byId = new Map<string, State>();
  /** Alerts already added, oldest first, while they can still link: a replay changes nothing. */
  private readonly added = new Map<string, { state: State; time: number }>();
  private merges: { from: string; into: string }[] = [];
  private readonly ruleFires = new Map<string, number>();
  private readonly perEntity: number;
  private readonly maxTimeline: number;
  private readonly maxIndexed: number;
  private readonly maxOpen: number;
  private seq = 0;
  private now = -Infinity;
  private lastSweep = -Infinity;
  private addsSinceSweep = 0;
  /** Incidents retired before going quiet, because too many were open. */
  forcedRetirements = 0;

  constructor(options: IncidentBuilderOptions = {}) {
    this.prevalence = options.prevalence ?? new Prevalence();
    this.lineage = options.lineage ?? new Lineage();
    this.perEntity = options.perEntity ?? 16;
    this.maxTimeline = options.maxTimeline ?? 1000;
    this.maxIndexed = options.maxIndexed ?? 250_000;
    this.maxOpen = options.maxOpen ?? 100_000;
  }

  /** Adds one alert; returns the id of the incident that now holds it. */
  add(alert: CorrelationAlert): string {
    const known = this.added.get(alert.id);
    if (known !== undefined) return root(known.state).id;
    this.ruleFires.set(alert.ruleId, (this.ruleFires.get(alert.ruleId) ?? 0) + 1);
    if (alert.time > this.now) this.now = alert.time;
    const entities = this.withContext(alert);
    const keys = entities.map(entityKey);
    const joined = new Map<State, Candidate>();
    for (const c of this.candidates(alert, entities, keys).values()) {
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
    for (const c of joined.values()) {
      const { to, score } = c;
      const evidence = evidenceOf(c);
      const link: Link = {
        from: alert.id,
        to: to.alert.id,
        score: Math.round(score * 100) / 100,
        evidence,
        reason: explain(evidence, alert.time - to.alert.time),
      };
      if (target.links.length < this.maxTimeline * MAX_LINKS_FACTOR) target.links.push(link);
    }
    // The timeline keeps the entity keys (shared with the index), not the alert itself.
    this.addTo(target, alert, keys.slice(0, alert.entities.length).filter(shown));
    this.indexAlert(alert, target, entities, keys);
    this.remember(alert, target);
    this.tidy();
    return target.id;
  }

  /**
   * The alert's entities, then what links it beyond them: the processes above its parent (up to a
   * process that starts programs for everyone), and its rule on its host, so that repeats of one
   * detection join.
   */
  private withContext(a: CorrelationAlert): Entity[] {
    const out = [...a.entities];
    const seen = new Set<string>(a.entities.map((e) => e.value));
    for (const e of a.entities)
      if (e.type === 'process' && e.role === 'parent')
        for (const up of this.lineage.lineOf(e.value, ANCESTOR_DEPTH)) {
          if (!seen.has(up.id)) out.push({ type: 'process', value: up.id, role: 'parent' });
          seen.add(up.id);
          // The program a line of processes runs from: a file dropped earlier in the story.
          if (up.image !== '' && !isOsProgram(up.image) && !seen.has(up.image)) {
            seen.add(up.image);
            out.push({ type: 'file', value: up.image, role: 'parent' });
          }
        }
    if (a.host !== '') {
      out.push({ type: 'detection', value: `${a.host.toLowerCase()}|${a.ruleId}`, role: 'self' });
      if (!a.entities.some((e) => e.type === 'telemetry'))
        out.push({ type: 'telemetry', value: a.host.toLowerCase(), role: 'parent' });
    }
    return out;
  }

  /** The alert's process and its ancestors as far as lineage knows them. */
  private processLine(a: CorrelationAlert): Ancestor[] {
    const self = a.entities.find((e) => e.type === 'process' && e.role === 'self');
    const parent = a.entities.find((e) => e.type === 'process' && e.role !== 'self');
    const line = self === undefined ? [] : this.lineage.lineOf(self.value, ANCESTOR_DEPTH + 1);
    // Lineage did not see this process start (a file or network event): its parent may be known.
    if (parent !== undefined && line.length <= 1 && !line.some((p) => p.id === parent.value))
      line.push(...this.lineage.lineOf(parent.value, ANCESTOR_DEPTH));
    return line;
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
    return [...this.open.keys()].map((s) => this.summary(s)).sort((a, b) => a.first - b.first);
  }

  /**
   * Retires incidents that nothing can join any more (quiet for longer than any link reaches),
   * and returns them.
   */
  retire(now = this.now): Incident[] {
    const out: Incident[] = [];
    for (const s of this.open.keys()) {
      // Least recently touched first: the first one still in reach ends the walk.
      if (now - s.last <= MAX_LINK_MS) break;
      out.push(this.summary(s));
      this.close(s);
    }
    return out;
  }

  get openCount(): number {
    return this.open.size;
  }

  /** Alert references kept for linking. */
  get indexedCount(): number {
    return this.indexedRefs;
  }

  private candidates(
    alert: CorrelationAlert,
    entities: readonly Entity[],
    keys: readonly string[],
  ): Map<string, Candidate> {
    const out = new Map<string, Candidate>();
    const id = alert.id;
    const time = alert.time;
    for (let k = 0; k < entities.length; k++) {
      const e = entities[k]!;
      const key = keys[k]!;
      const refs = this.index.get(key);
      if (refs === undefined) continue;
      const cls = linkClass(e);
      const rarity = this.prevalence.rarityOfKey(e.type, key);
      if (rarity === 0) continue;
      const kind = cls.kind;
      for (const ref of refs) {
        if (ref.id === id || !rolesLink(e.type, e.role, ref.role)) continue;
        const weight = cls.weight * rarity * closeness(cls, time - ref.time);
        if (weight <= 0) continue;
        const c = out.get(ref.id);
        if (c === undefined) out.set(ref.id, { to: ref, score: weight, kind, weight, entity: e, more: null });
        else strengthen(c, kind, weight, e);
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
      hosts: new Set(),
      rules: new Map(),
      levels: [0, 0, 0, 0, 0],
      first: alert.time,
      last: alert.time,
      mergedFrom: [],
    };
    this.open.set(s, true);
    this.byId.set(s.id, s);
    return s;
  }

  private addTo(s: State, alert: CorrelationAlert, keys: readonly string[]): void {
    s.alertCount++;
    if (s.alerts.length < this.maxTimeline)
      s.alerts.push({
        id: alert.id,
        time: alert.time,
        ruleId: alert.ruleId,
        title: alert.title,
        level: alert.level,
        host: alert.host,
        entities: keys.length > 64 ? keys.slice(0, 64) : keys,
        tree: this.processLine(alert),
      });
    if (alert.host !== '' && s.hosts.size < 10_000) s.hosts.add(alert.host);
    s.levels[levelRank(alert.level)]!++;
    const rule = s.rules.get(alert.ruleId);
    if (rule) rule.count++;
    else
      s.rules.set(alert.ruleId, {
        id: alert.ruleId,
        title: alert.title,
        level: alert.level,
        tags: alert.tags,
        count: 1,
      });
    s.first = Math.min(s.first, alert.time);
    s.last = Math.max(s.last, alert.time);
    // Most recently touched last.
    this.open.delete(s);
    this.open.set(s, true);
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
    for (const h of other.hosts) if (into.hosts.size < 10_000) into.hosts.add(h);
    other.levels.forEach((n, i) => (into.levels[i]! += n));
    for (const [k, r] of other.rules) {
      const known = into.rules.get(k);
      if (known) known.count += r.count;
      else into.rules.set(k, { ...r });
    }
    into.first = Math.min(into.first, other.first);
    into.last = Math.max(into.last, other.last);
    // The absorbed incident's alerts and bookkeeping now belong to the survivor; drop its arrays.
    other.alerts = [];
    other.links = [];
    other.hosts = new Set();
    other.rules = new Map();
  }

  private close(s: State): void {
    this.open.delete(s);
    this.byId.delete(s.id);
    for (const id of s.mergedFrom) this.byId.delete(id);
  }

  private indexAlert(
    alert: CorrelationAlert,
    state: State,
    entities: readonly Entity[],
    keys: readonly string[],
  ): void {
    for (let k = 0; k < entities.length; k++) {
      const e = entities[k]!;
      const key = keys[k]!;
      let refs = this.index.get(key);
      if (refs === undefined) this.index.set(key, (refs = []));
      refs.push({ alert, id: alert.id, time: alert.time, role: e.role, state });
      this.indexedRefs++;
      if (refs.length > this.perEntity) {
        const drop = refs.length - this.perEntity;
        refs.splice(0, drop);
        this.indexedRefs -= drop;
      }
    }
  }

  private remember(alert: CorrelationAlert, state: State): void {
    this.added.set(alert.id, { state, time: alert.time });
    // Oldest first: forget from the front while too old, or too many.
    for (const [id, a] of this.added) {
      if (this.now - a.time <= MAX_LINK_MS && this.added.size <= this.maxIndexed) break;
      this.added.delete(id);
    }
  }

  /** Amortized cleanup: a sweep of the index only when it is full or hours of stream time passed. */
  private tidy(): void {
    while (this.open.size > this.maxOpen) {
      const oldest = this.open.keys().next().value!;
      this.close(oldest);
      this.forcedRetirements++;
    }
    this.addsSinceSweep++;
    const due = this.now - this.lastSweep >= SWEEP_EVERY_MS && this.addsSinceSweep * 16 >= this.index.size;
    if (this.indexedRefs <= this.maxIndexed && !due) return;
    // A sweep walks the whole index: at most one per 1/16 of its size in adds.
    this.lastSweep = this.now;
    this.addsSinceSweep = 0;
    for (const [key, refs] of this.index) {
      // Refs are added in stream order, so the expired ones are at the front.
      let stale = 0;
      while (stale < refs.length && this.now - refs[stale]!.alert.time > MAX_LINK_MS) stale++;
      if (stale === 0) continue;
      this.indexedRefs -= stale;
      if (stale === refs.length) this.index.delete(key);
      else refs.splice(0, stale);
    }
    // Still too many (a burst of unique values): forget the values indexed longest ago.
    for (const [key, refs] of this.index) {
      if (this.indexedRefs <= this.maxIndexed * 0.8) break;
      this.index.delete(key);
      this.indexedRefs -= refs.length;
    }
  }

  private summary(s: State): Incident {
    const alerts = [...s.alerts].sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const entities = new Map<string, { type: EntityType; value: string; alerts: number }>();
    const users = new Set<string>();
    for (const a of s.alerts)
      for (const key of a.entities) {
        const known = entities.get(key);
        if (known) {
          known.alerts++;
          continue;
        }
        const cut = key.indexOf(':');
        const type = key.slice(0, cut) as EntityType;
        const value = key.slice(cut + 1);
        if (type === 'user' && users.size < 100) users.add(value);
        if (entities.size < MAX_ENTITIES) entities.set(key, { type, value, alerts: 1 });
      }
    const rules = [...s.rules.values()]
      .map(({ id, title, level, count }) => ({ id, title, level, count }))
      .sort(
        (a, b) =>
          levelRank(b.level) - levelRank(a.level) || b.count - a.count || a.title.localeCompare(b.title),
      );
    const tactics = killChainOrder([...s.rules.values()].flatMap((r) => tacticsOf(r.tags)));
    const hosts = [...s.hosts].sort();
    const risk = riskOf({
      levels: LEVELS.flatMap((l, i) => Array<Level>(Math.min(s.levels[i]!, this.maxTimeline)).fill(l)),
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
      users: [...users].sort(),
      tactics,
      rules,
      alerts,
      entities: [...entities.values()].sort((a, b) => b.alerts - a.alerts || a.type.localeCompare(b.type)),
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
