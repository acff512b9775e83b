import {
  comparePositions,
  readJsonFile,
  writeDurableJson,
  type Wal,
  type WalEntry,
  type WalPosition,
} from '../bus/wal.js';
import type { Detector } from '../detect/hunt/detector.js';
import { Correlator } from '../detect/sigma/correlation/engine.js';
import type { ColumnMapper } from '../normalize/columns.js';
import type { Mappings } from '../normalize/mappings.js';
import { insertEvents, type Store } from '../store/index.js';
import { correlateHits, type HitInfo } from './alerts.js';
import { type CorrelationAlert, type IncidentInput, type IncidentService } from '../correlate/index.js';
import { Suppressions, type TenantSuppression } from '../detect/suppressions.js';
import { BatchEnricher, type EnrichedBatch, type PlainHit } from './enrich.js';
import type { EnrichPool } from './enrich-pool.js';
import { decodeBatch, type IngestBatch } from './batch.js';
import { AnalyticsStage } from './analytics-stage.js';

interface PreparedGroup {
  /** Event rows per batch (writeEventRow, RowBinary). */
  readonly events: Uint8Array[];
  readonly eventCount: number;
  readonly alerts: string[];
  /** For incident building, once the group is stored. */
  readonly incidents: IncidentInput[];
}

/** Log records handed to the workers at `now`: each one's rows, being made or made. */
interface Work {
  readonly now: number;
  readonly results: readonly (Promise<EnrichedBatch | null> | EnrichedBatch | null)[];
}

/** A group of log records handed to the workers, not yet correlated or stored. */
interface StartedGroup extends Work {
  readonly from: WalPosition;
  readonly to: WalPosition;
}

interface Checkpoint {
  /** Everything before this position is stored. */
  readonly position: WalPosition;
  /** A group being stored: replayed exactly (same dedup token) after a crash. */
  readonly pending: { readonly from: WalPosition; readonly to: WalPosition } | null;
}

export interface ProcessorStats {
  batches: number;
  events: number;
  alerts: number;
  /** Log records that could not be read back (damaged on disk); their events are lost. */
  damaged: number;
  lastError: string | null;
  /** Milliseconds spent waiting for normalize → detect → rows, and for the store's inserts. */
  enrichMs: number;
  insertMs: number;
  /** Detections an analyst's exception kept from becoming alerts. */
  suppressed: number;
}

export interface ProcessorOptions {
  /** Log bytes stored as one insert (one block per table). */
  readonly groupBytes?: number;
  /** Delay before retrying a failed insert; doubles up to 30 s. */
  readonly retryMs?: number;
  readonly log?: (message: string) => void;
  /** Worker threads for normalize → detect → rows; without it, this thread does the work. */
  readonly pool?: EnrichPool;
  /** Builds incidents from each stored group's alerts. */
  readonly incidents?: IncidentService;
}

const posKey = (p: WalPosition) => `${p.segment}:${p.offset}`;

/**
 * Told about each stored group's alerts, per tenant, once they are in the store (a replay after a
 * crash tells again: listeners dedupe by alert id). Must return quickly; an exception is logged
 * and the pipeline goes on.
 */
export type AlertListener = (tenant: string, alerts: readonly CorrelationAlert[]) => void;

/**
 * The single-node pipeline behind the ingest log: normalize → detect → correlate → store. Each
 * group of log records is stored with a deduplication token derived from its log positions, and
 * the group is fixed in the checkpoint before storing, so a crash at any point neither loses nor
 * duplicates events: the same group is replayed with the same token, and ClickHouse drops what it
 * already has.
 */
export class Processor {
  readonly stats: ProcessorStats = {
    batches: 0,
    events: 0,
    alerts: 0,
    damaged: 0,
    lastError: null,
    enrichMs: 0,
    insertMs: 0,
    suppressed: 0,
  };
  private readonly cache = new Map<string, IngestBatch>();
  private cacheRecords = 0;
  private readonly correlators = new Map<string, Correlator<HitInfo>>();
  private enricher: BatchEnricher;
  private pool: EnrichPool | undefined;
  /** The exceptions in force, for workers that start later (a rule reload). */
  private suppressionList: readonly TenantSuppression[] = [];
  private readonly analytics = new AnalyticsStage();
  private poolFailureLogged = false;
  /** The log's last records were all damaged: skip to its end once idle. */
  private damagedTail = false;
  private position: WalPosition = { segment: 0, offset: 0 };
  private stopped = false;
  private loop: Promise<void> | null = null;
  private idleWaiters: (() => void)[] = [];
  private readonly groupBytes: number;
  private readonly retryMs: number;
  /** Hears every stored alert (the response engine). */
  onAlerts: AlertListener | null = null;

  constructor(
    private readonly wal: Wal,
    private readonly store: Store,
    private detector: Detector,
    private readonly mappings: Mappings,
    private readonly columns: ColumnMapper,
    private readonly checkpointPath: string,
    private readonly options: ProcessorOptions = {},
  ) {
    this.groupBytes = options.groupBytes ?? 4 * 1024 * 1024;
    this.retryMs = options.retryMs ?? 200;
    this.enricher = new BatchEnricher(detector, mappings, columns);
    this.pool = options.pool;
  }

  /**
   * Switches to another rule set (a rule uploaded, enabled or disabled): the next batches are
   * detected with it, by the new workers; Sigma correlations start over with the new rules.
   */
  useRules(detector: Detector, pool: EnrichPool | undefined): void {
    const suppressions = this.enricher.suppressions;
    this.detector = detector;
    this.enricher = new BatchEnricher(detector, this.mappings, this.columns);
    this.enricher.suppressions = suppressions;
    this.pool = pool;
    pool?.setSuppressions(this.suppressionList);
    this.correlators.clear();
  }

  /**
   * Hands over the parsed batch just appended at `position`, so the pipeline need not parse it
   * again. Bounded: past the limit the pipeline reads the log instead.
   */
  remember(position: WalPosition, batch: IngestBatch): void {
    if (this.pool !== undefined) return; // workers decode the log record themselves
    if (this.cacheRecords + batch.records.length > 200_000) return;
    this.cache.set(posKey(position), batch);
    this.cacheRecords += batch.records.length;
  }

  start(): void {
    this.loop ??= this.run().catch((e: unknown) => {
      this.stats.lastError = (e as Error).message;
      this.options.log?.(`pipeline stopped: ${(e as Error).message}`);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wal.close();
    await this.loop;
    await this.options.incidents?.flush();
  }

  /** Resolves once everything appended so far is stored. */
  idle(): Promise<void> {
    if (this.loop === null || comparePositions(this.position, this.wal.end()) >= 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async run(): Promise<void> {
    const first = this.wal.segments()[0] ?? 1;
    const saved = await readJsonFile<Checkpoint>(this.checkpointPath);
    this.position = saved?.position ?? { segment: first, offset: 0 };
    if (comparePositions(this.position, { segment: first, offset: 0 }) < 0)
      this.position = { segment: first, offset: 0 };
    this.wal.consumedTo(this.position);
    if (saved?.pending) {
      const entries = this.wal
        .read(saved.pending.from, Infinity)
        .entries.filter((e) => comparePositions(e.position, saved.pending!.to) < 0);
      await this.commit(await this.prepare(entries), saved.pending.from, saved.pending.to);
    }
    // A group is stored while the next is finished here and the one after that is already with the
    // workers, so they never wait for this thread between groups. Inserts and checkpoints still
    // happen one group at a time, in log order.
    let readFrom = this.position;
    let storing: Promise<void> | null = null;
    let current: StartedGroup | null = null;
    while (!this.stopped) {
      current ??= this.startGroup(readFrom);
      if (current === null) {
        await storing;
        storing = null;
        if (this.damagedTail) {
          this.damagedTail = false;
          readFrom = this.position = this.wal.end();
        }
        // Records appended while the last group was being stored: not idle yet.
        if (comparePositions(readFrom, this.wal.end()) < 0) continue;
        await this.options.incidents?.flush();
        for (const w of this.idleWaiters.splice(0)) w();
        await this.wal.waitFor(readFrom);
        continue;
      }
      readFrom = current.to;
      const next = this.startGroup(readFrom);
      const rows = await this.finish(current);
      await storing;
      if (this.stopped) return;
      storing = this.commit(rows, current.from, current.to);
      current = next;
    }
    await storing;
  }

  /** Reads the next group from the log and hands its records to the workers; null if none yet. */
  private startGroup(from: WalPosition): StartedGroup | null {
    const { entries, skipped } = this.wal.read(from, this.groupBytes);
    if (skipped > 0) {
      this.stats.damaged += skipped;
      this.options.log?.(`ingest log: ${skipped} damaged record(s) skipped`);
    }
    if (entries.length === 0) {
      // Only damaged records up to the end: the pipeline moves past them once it is idle.
      if (skipped > 0) this.damagedTail = true;
      return null;
    }
    return { from, to: entries.at(-1)!.next, ...this.startWork(entries) };
  }

  private startWork(entries: readonly WalEntry[]): Work {
    const now = Date.now();
    this.stats.batches += entries.length;
    return { now, results: entries.map((entry) => this.enrich(entry, now)) };
  }

  /** Normalize, detect, correlate and build the rows of a group of log records. */
  private prepare(entries: readonly WalEntry[]): Promise<PreparedGroup> {
    return this.finish(this.startWork(entries));
  }

  /** Correlates each batch of a started group, in log order, and gathers the group's rows. */
  private async finish({ now, results }: Work): Promise<PreparedGroup> {
    const events: Uint8Array[] = [];
    let eventCount = 0;
    const alerts: string[] = [];
    const incidents: IncidentInput[] = [];
    const enrichStart = performance.now();
    for (const result of results) {
      const rows = await result;
      if (rows === null) continue;
      events.push(rows.events);
      eventCount += rows.eventCount;
      for (const a of rows.alerts) alerts.push(a);
      this.stats.suppressed += rows.suppressed;
      const incidentAlerts = [...rows.incidentAlerts];
      this.correlate(rows.tenant, rows.hits, now, alerts, incidentAlerts);
      const found = this.analytics.run(rows.tenant, rows.analytic, now);
      for (const a of found.rows) alerts.push(a);
      for (const a of found.alerts) incidentAlerts.push(a);
      incidents.push({ tenant: rows.tenant, facts: rows.facts, alerts: incidentAlerts });
    }
    this.stats.enrichMs += performance.now() - enrichStart;
    return { events, eventCount, alerts, incidents };
  }

  /**
   * Stores a group: fixed in the checkpoint first, so that after a crash it is replayed with the
   * same deduplication tokens, then inserted, then marked done.
   */
  private async commit(rows: PreparedGroup, from: WalPosition, to: WalPosition): Promise<void> {
    await writeDurableJson(this.checkpointPath, {
      position: from,
      pending: { from, to },
    } satisfies Checkpoint);
    const insertStart = performance.now();
    const token = `${posKey(from)}-${posKey(to)}`;
    const alerts = Buffer.from(rows.alerts.join('\n'));
    for (let delay = this.retryMs; ; delay = Math.min(delay * 2, 30_000)) {
      try {
        // Alerts first: an event is never visible without the alerts it raised.
        await this.store.insert('alerts', alerts, { dedupToken: `a:${token}` });
        await insertEvents(this.store, rows.events, `e:${token}`);
        break;
      } catch (e) {
        this.stats.lastError = (e as Error).message;
        this.options.log?.(`storing events failed, retrying in ${delay} ms: ${(e as Error).message}`);
        if (this.stopped) return;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    this.stats.insertMs += performance.now() - insertStart;
    // Stored: the rows' buffers go back to the workers to be filled again.
    this.pool?.recycle(rows.events);
    this.announceAlerts(rows.incidents);
    await this.options.incidents?.record(rows.incidents);
    await writeDurableJson(this.checkpointPath, { position: to, pending: null } satisfies Checkpoint);
    this.position = to;
    this.wal.consumedTo(to);
    this.stats.events += rows.eventCount;
    this.stats.alerts += rows.alerts.length;
  }

  private announceAlerts(groups: readonly IncidentInput[]): void {
    const listener = this.onAlerts;
    if (listener === null) return;
    for (const g of groups) {
      if (g.alerts.length === 0) continue;
      try {
        listener(g.tenant, g.alerts);
      } catch (e) {
        this.options.log?.(`alert listener failed: ${(e as Error).message}`);
      }
    }
  }

  /** Analysts' exceptions, applied from the next batch on (here and in every worker). */
  setSuppressions(list: readonly TenantSuppression[]): void {
    this.enricher.suppressions = new Suppressions(list);
    this.suppressionList = list;
    this.pool?.setSuppressions(list);
  }

  /** A log record's rows, from the worker pool when it works, else on this thread. */
  private enrich(entry: WalEntry, now: number): Promise<EnrichedBatch | null> | EnrichedBatch | null {
    const pool = this.pool;
    if (pool === undefined || !pool.usable) return this.enrichHere(entry, now);
    return pool.enrich(entry.payload, entry.position, now).catch((e: unknown) => {
      // A record the worker could not handle is retried here, where damage is counted and logged.
      if (!pool.usable && !this.poolFailureLogged) {
        this.poolFailureLogged = true;
        this.options.log?.(`pipeline workers failed, working on the main thread: ${(e as Error).message}`);
      }
      return this.enrichHere(entry, now);
    });
  }

  /** On this thread, from the parsed batch the intake left, or from the log record. */
  private enrichHere(entry: WalEntry, now: number): EnrichedBatch | null {
    const key = posKey(entry.position);
    let batch = this.cache.get(key);
    if (batch !== undefined) {
      this.cache.delete(key);
      this.cacheRecords -= batch.records.length;
    } else {
      try {
        batch = decodeBatch(entry.payload);
      } catch (e) {
        this.stats.damaged++;
        this.options.log?.(`ingest log record at ${key} unreadable: ${(e as Error).message}`);
        return null;
      }
    }
    return this.enricher.enrich(batch, entry.position, now);
  }

  /** Correlation keeps state across batches: it runs here, over each batch's hits in order. */
  private correlate(
    tenant: string,
    hits: readonly PlainHit[],
    now: number,
    alerts: string[],
    incidentAlerts: CorrelationAlert[],
  ): void {
    correlateHits(this.correlator(tenant), tenant, hits, now, alerts, incidentAlerts);
  }

  private correlator(tenant: string): Correlator<HitInfo> {
    let c = this.correlators.get(tenant);
    if (c === undefined) this.correlators.set(tenant, (c = new Correlator<HitInfo>(this.detector.rules)));
    return c;
  }
}
