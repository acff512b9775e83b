import { levelRank, type Level } from '../detect/sigma/model.js';
import { sqlTime } from '../store/rows.js';
import type { Store } from '../store/store.js';
import { parseStoredEntity, type Entity } from './entities.js';
import { learnFacts, type EventFacts } from './facts.js';
import { IncidentBuilder, type CorrelationAlert, type Incident, type IncidentAlert } from './incidents.js';
import { MAX_LINK_MS, type Link } from './links.js';

/** What the pipeline hands over after storing a group: per tenant, sightings and new alerts. */
export interface IncidentInput {
  readonly tenant: string;
  readonly facts: EventFacts;
  readonly alerts: readonly CorrelationAlert[];
}

export interface IncidentServiceStats {
  alerts: number;
  incidents: number;
  merges: number;
  restored: number;
  lastError: string | null;
}

/**
 * Told about an incident once it is stored: when it first appears, and each time its severity
 * rises. Listeners must return quickly; an exception is logged and the pipeline goes on.
 */
export type IncidentListener = (tenant: string, incident: Incident, change: 'created' | 'escalated') => void;

const RESTORE_LIMIT = 1_000_000;
const FLUSH_MS = 2000;
/**
 * Rows a periodic write may take: under sustained load a few big incidents change with every
 * group, and rewriting each whole (tens of KB) every FLUSH_MS cost more than building them. New
 * incidents and escalations are always written; the others take turns, least recently written
 * first, so each is rewritten every few seconds and the cost stays flat however fast alerts come.
 */
const FLUSH_BUDGET_BYTES = 1024 * 1024;
/** Serializing big incidents is synchronous work: it yields to requests at least this often. */
const SLICE_MS = 20;

/**
 * Alerts and links never change once made, and a big incident repeats hundreds of them in every
 * row it is written as (every FLUSH_MS while it grows): each one is kept as the bytes it takes in
 * the row (its JSON, escaped as a part of the detail string, in UTF-8), and goes when it does.
 * Small incidents are cheap to write whole, so only big ones keep their parts: memory grows only
 * where it pays.
 */
const pieces = new WeakMap<object, Buffer>();
const KEEP_PARTS_FROM = 32;

/** JSON text as it reads inside a JSON string. Escaping works piece by piece: no piece ends in a lone surrogate. */
function inString(json: string): string {
  return JSON.stringify(json).slice(1, -1);
}

function pieceBytes(x: IncidentAlert | Link): Buffer {
  let bytes = pieces.get(x);
  if (bytes === undefined) pieces.set(x, (bytes = Buffer.from(inString(JSON.stringify(x)))));
  return bytes;
}

const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');
const NEWLINE = Buffer.from('\n');

function pushList(xs: readonly (IncidentAlert | Link)[], out: Buffer[]): void {
  if (xs.length < KEEP_PARTS_FROM) {
    out.push(Buffer.from(inString(JSON.stringify(xs))));
    return;
  }
  out.push(OPEN);
  for (let i = 0; i < xs.length; i++) {
    if (i > 0) out.push(COMMA);
    out.push(pieceBytes(xs[i]!));
  }
  out.push(CLOSE);
}

/**
 * The incidents row for a built incident: the summary in columns, the rest as JSON in `detail`.
 * Byte for byte what JSON.stringify makes of the row (an object's JSON is its members' JSON in
 * order), with a big incident's alerts and links taken from their kept bytes.
 */
export function incidentRow(tenant: string, inc: Incident, version: number, now: number): Buffer {
  const head = JSON.stringify({
    tenant,
    incident_id: inc.id,
    version,
    merged_into: '',
    title: inc.title,
    severity: inc.severity,
    risk: inc.risk.score,
    first: sqlTime(inc.first),
    last: sqlTime(inc.last),
    alert_count: inc.alertCount,
    hosts: inc.hosts,
    users: inc.users,
    tactics: inc.tactics,
    rule_ids: inc.rules.map((r) => r.id),
  });
  const out: Buffer[] = [
    Buffer.from(
      `${head.slice(0, -1)},"detail":"` +
        inString(`{"risk":${JSON.stringify(inc.risk)},"rules":${JSON.stringify(inc.rules)},"alerts":`),
    ),
  ];
  pushList(inc.alerts, out);
  out.push(Buffer.from(inString(`,"entities":${JSON.stringify(inc.entities)},"links":`)));
  pushList(inc.links, out);
  out.push(
    Buffer.from(
      inString(`,"mergedFrom":${JSON.stringify(inc.mergedFrom)}}`) +
        `","updated":${JSON.stringify(sqlTime(now))}}`,
    ),
  );
  return Buffer.concat(out);
}

/** Rows as JSONEachRow: one a line. */
function joinRows(rows: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [];
  rows.forEach((r, i) => {
    if (i > 0) parts.push(NEWLINE);
    parts.push(r);
  });
  return Buffer.concat(parts);
}

function mergedRow(tenant: string, from: string, into: string, version: number, now: number): Buffer {
  return Buffer.from(
    JSON.stringify({ tenant, incident_id: from, version, merged_into: into, updated: sqlTime(now) }),
  );
}

/** An incident's key in the service's maps: tenant and id (tenants may reuse ids). */
const incidentKey = (tenant: string, id: string) => `${tenant}\u0000${id}`;

/**
 * Incidents built live, as alerts are stored: one builder per tenant (tenants never link), the
 * incidents each group touched written back after it. After a restart the builders are rebuilt
 * from the alerts of the last week, which carry their entities, so stories continue where they
 * were.
 */
export class IncidentService {
  readonly stats: IncidentServiceStats = { alerts: 0, incidents: 0, merges: 0, restored: 0, lastError: null };
  private readonly builders = new Map<string, IncidentBuilder>();
  /** Per tenant, incidents changed since the last write. */
  private readonly dirty = new Map<string, Set<string>>();
  /** Rows already built (merges, retired incidents) waiting for the next write. */
  private pending: Buffer[] = [];
  private lastFlush = 0;
  /** How long the last write took: under sustained load the next waits longer (bounded cost). */
  private lastFlushCost = 0;
  private flushing: Promise<void> | null = null;
  /** Rows taken for the write under way: still unwritten until the store has them. */
  private writing = 0;
  private version = 0;
  /** Incidents retired with changes, to be announced once their rows are written. */
  private retiredChanged: { tenant: string; incident: Incident }[] = [];
  /** The severity each open incident was last announced at (tenant NUL id → rank). */
  private readonly announced = new Map<string, number>();
  /** When each open incident's row was last written (tenant NUL id → ms): the stalest go first. */
  private readonly writtenAt = new Map<string, number>();
  /** Hears incidents created and escalated, after they are written (the response engine). */
  onIncident: IncidentListener | null = null;

  private readonly flushBudgetBytes: number;

  constructor(
    private readonly store: Store,
    private readonly log: (m: string) => void = () => {},
    options: { readonly flushBudgetBytes?: number } = {},
  ) {
    this.flushBudgetBytes = options.flushBudgetBytes ?? FLUSH_BUDGET_BYTES;
  }

  private builder(tenant: string): IncidentBuilder {
    let b = this.builders.get(tenant);
    if (b === undefined) this.builders.set(tenant, (b = new IncidentBuilder()));
    return b;
  }

  /** Versions only grow, even when the clock steps back. */
  private nextVersion(now: number): number {
    this.version = Math.max(this.version + 1, now * 1000);
    return this.version;
  }

  /**
   * Links a stored group's alerts. The incidents they changed are written at most every
   * FLUSH_MS (a big incident changes with every group, and rewriting it each time would cost more
   * than linking), and whenever the pipeline is idle or stops; a crash in between loses nothing,
   * since the builders are rebuilt from the stored alerts.
   */
  async record(inputs: readonly IncidentInput[], now = Date.now()): Promise<void> {
    for (const input of inputs) {
      const b = this.builder(input.tenant);
      learnFacts(input.facts, b.prevalence, b.lineage);
      let dirty = this.dirty.get(input.tenant);
      if (dirty === undefined) this.dirty.set(input.tenant, (dirty = new Set()));
      for (const a of input.alerts) dirty.add(b.add(a));
      this.stats.alerts += input.alerts.length;
      for (const m of b.takeMerges()) {
        this.stats.merges++;
        dirty.delete(m.from);
        this.forget(incidentKey(input.tenant, m.from));
        this.pending.push(mergedRow(input.tenant, m.from, m.into, this.nextVersion(now), now));
      }
      // A retired incident leaves memory: its last state is written now.
      for (const inc of b.retire()) {
        if (dirty.delete(inc.id)) {
          this.pending.push(incidentRow(input.tenant, inc, this.nextVersion(now), now));
          this.retiredChanged.push({ tenant: input.tenant, incident: inc });
        } else this.forget(incidentKey(input.tenant, inc.id));
      }
    }
    this.countOpen();
    if (this.flushing === null && now - this.lastFlush >= Math.max(FLUSH_MS, 4 * this.lastFlushCost))
      await this.flush(now, this.flushBudgetBytes);
  }

  private countOpen(): void {
    this.stats.incidents = [...this.builders.values()].reduce((s, b) => s + b.openCount, 0);
  }

  private forget(key: string): void {
    this.announced.delete(key);
    this.writtenAt.delete(key);
  }

  /** Incidents changed (or rows built) but not yet written. */
  get unwritten(): number {
    let n = this.pending.length + this.writing;
    for (const ids of this.dirty.values()) n += ids.size;
    return n;
  }

  /**
   * Writes the incidents changed since the last write (one write at a time): all of them, or
   * within a budget of row bytes (FLUSH_BUDGET_BYTES), the rest staying for the next write.
   */
  async flush(now = Date.now(), budgetBytes = Infinity): Promise<void> {
    while (this.flushing !== null) await this.flushing;
    this.flushing = this.write(now, budgetBytes).finally(() => (this.flushing = null));
    return this.flushing;
  }

  /**
   * Dirty incidents in the order they are written: new ones first, then the least recently
   * written (an escalation waits its turn, a few seconds at most). Chosen without building the
   * incidents, which is the expensive part.
   */
  private writeOrder(): { tenant: string; id: string; urgent: boolean; at: number }[] {
    const order = [];
    for (const [tenant, ids] of this.dirty)
      for (const id of ids) {
        const key = incidentKey(tenant, id);
        order.push({ tenant, id, urgent: !this.announced.has(key), at: this.writtenAt.get(key) ?? 0 });
      }
    return order.sort((x, y) => (x.urgent === y.urgent ? x.at - y.at : x.urgent ? -1 : 1));
  }

  private async write(now: number, budgetBytes: number): Promise<void> {
    this.lastFlush = now;
    const started = performance.now();
    const rows = this.pending;
    this.pending = [];
    const written = this.retiredChanged;
    this.retiredChanged = [];
    const retired = written.length;
    let slice = performance.now();
    let bytes = rows.reduce((n, r) => n + r.length, 0);
    for (const { tenant, id, urgent } of this.writeOrder()) {
      if (!urgent && bytes >= budgetBytes) break;
      const ids = this.dirty.get(tenant);
      // Merged or retired while this write yielded: those rows are built elsewhere.
      if (ids?.delete(id) !== true) continue;
      const inc = this.builders.get(tenant)?.find(id) ?? null;
      if (inc === null) continue;
      const row = incidentRow(tenant, inc, this.nextVersion(now), now);
      bytes += row.length;
      rows.push(row);
      written.push({ tenant, incident: inc });
      this.writtenAt.set(incidentKey(tenant, id), now);
      this.writing = rows.length;
      if (performance.now() - slice > SLICE_MS) {
        await new Promise((ok) => setImmediate(ok));
        slice = performance.now();
      }
    }
    this.writing = rows.length;
    if (rows.length === 0) return;
    try {
      await this.store.insert('incidents', joinRows(rows));
      this.lastFlushCost = performance.now() - started;
      this.announce(written, retired);
    } catch (e) {
      // The alerts are stored: a restart rebuilds these incidents from them.
      this.stats.lastError = (e as Error).message;
      this.log(`storing incidents failed: ${(e as Error).message}`);
      for (const { tenant, incident } of written.slice(0, retired))
        this.forget(incidentKey(tenant, incident.id));
    } finally {
      this.writing = 0;
    }
  }

  /**
   * Tells the listener which written incidents are new and which rose in severity. Runs only after
   * a successful write: an incident whose write failed is announced with its next write. The first
   * `retired` entries left memory, so they are forgotten once announced.
   */
  private announce(written: readonly { tenant: string; incident: Incident }[], retired: number): void {
    written.forEach(({ tenant, incident }, i) => {
      const key = incidentKey(tenant, incident.id);
      const rank = levelRank(incident.severity);
      const before = this.announced.get(key);
      if (i < retired) this.forget(key);
      else this.announced.set(key, Math.max(rank, before ?? rank));
      const change = before === undefined ? 'created' : rank > before ? 'escalated' : null;
      if (change === null || this.onIncident === null) return;
      try {
        this.onIncident(tenant, incident, change);
      } catch (e) {
        this.log(`incident listener failed on ${incident.id}: ${(e as Error).message}`);
      }
    });
  }

  /**
   * Rebuilds the live builders from the alerts stored in the last week. What was in memory is
   * dropped first, unwritten changes included: a writer that lost its lease and takes it again must
   * continue from what the writer in between stored, not from its own stale incidents, whose rows
   * would overwrite newer ones (the stored alerts hold everything the dropped changes came from).
   */
  async restore(now = Date.now()): Promise<void> {
    while (this.flushing !== null) await this.flushing;
    this.builders.clear();
    this.dirty.clear();
    this.pending = [];
    this.retiredChanged = [];
    this.writtenAt.clear();
    const rows = await this.store.query<{
      tenant: string;
      alert_id: string;
      t: string | number;
      rule_id: string;
      rule_title: string;
      level: string;
      tags: string[];
      host: string;
      entities: string[];
    }>(
      `SELECT tenant, alert_id, toUnixTimestamp64Milli(ts) AS t, rule_id, rule_title, level, tags, host, entities
       FROM alerts WHERE created >= fromUnixTimestamp64Milli({since:Int64}) AND length(entities) > 0
       ORDER BY ts, alert_id LIMIT ${RESTORE_LIMIT}`,
      { since: now - MAX_LINK_MS },
    );
    const byTenant = new Map<string, CorrelationAlert[]>();
    for (const r of rows) {
      const entities = r.entities.map(parseStoredEntity).filter((e): e is Entity => e !== null);
      let list = byTenant.get(r.tenant);
      if (list === undefined) byTenant.set(r.tenant, (list = []));
      list.push({
        id: r.alert_id,
        time: Number(r.t),
        ruleId: r.rule_id,
        title: r.rule_title,
        level: r.level as Level,
        tags: r.tags,
        host: r.host,
        entities,
      });
    }
    for (const [tenant, alerts] of byTenant) {
      const b = this.builder(tenant);
      for (const a of alerts) b.prevalence.observe(a.host, a.entities);
      for (const a of alerts) b.add(a);
      b.takeMerges();
    }
    this.stats.restored = rows.length;
    this.countOpen();
    // Incidents the crash left unwritten are written now.
    const out: Buffer[] = [];
    for (const [tenant, b] of this.builders)
      for (const inc of b.incidents()) {
        out.push(incidentRow(tenant, inc, this.nextVersion(now), now));
        // Announced before the restart (or lost with it): only later changes are news.
        this.announced.set(incidentKey(tenant, inc.id), levelRank(inc.severity));
      }
    if (out.length > 0) await this.store.insert('incidents', joinRows(out));
    if (rows.length > 0) this.log(`incidents: rebuilt from ${rows.length} recent alerts`);
  }
}
