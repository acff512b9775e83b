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
import type { FieldValue } from '../detect/sigma/engine/event-view.js';
import type { ColumnMapper } from '../normalize/columns.js';
import type { Mappings } from '../normalize/mappings.js';
import { eventRow, type Store } from '../store/index.js';
import { asStoredHit, correlationAlertRow, detectionAlertRow, type HitInfo } from './alerts.js';
import { decodeBatch, type IngestBatch } from './batch.js';

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
}

export interface ProcessorOptions {
  /** Log bytes stored as one insert (one block per table). */
  readonly groupBytes?: number;
  /** Delay before retrying a failed insert; doubles up to 30 s. */
  readonly retryMs?: number;
  readonly log?: (message: string) => void;
}

const posKey = (p: WalPosition) => `${p.segment}:${p.offset}`;
const eventIdOf = (p: WalPosition, i: number) =>
  `${p.segment.toString(36)}-${p.offset.toString(36)}-${i.toString(36)}`;

/**
 * The single-node pipeline behind the ingest log: normalize → detect → correlate → store. Each
 * group of log records is stored with a deduplication token derived from its log positions, and
 * the group is fixed in the checkpoint before storing, so a crash at any point neither loses nor
 * duplicates events: the same group is replayed with the same token, and ClickHouse drops what it
 * already has.
 */
export class Processor {
  readonly stats: ProcessorStats = { batches: 0, events: 0, alerts: 0, damaged: 0, lastError: null };
  private readonly cache = new Map<string, IngestBatch>();
  private cacheRecords = 0;
  private readonly correlators = new Map<string, Correlator<HitInfo>>();
  private readonly suppressed: ReadonlySet<string>;
  private position: WalPosition = { segment: 0, offset: 0 };
  private stopped = false;
  private loop: Promise<void> | null = null;
  private idleWaiters: (() => void)[] = [];
  private readonly groupBytes: number;
  private readonly retryMs: number;

  constructor(
    private readonly wal: Wal,
    private readonly store: Store,
    private readonly detector: Detector,
    private readonly mappings: Mappings,
    private readonly columns: ColumnMapper,
    private readonly checkpointPath: string,
    private readonly options: ProcessorOptions = {},
  ) {
    this.groupBytes = options.groupBytes ?? 4 * 1024 * 1024;
    this.retryMs = options.retryMs ?? 200;
    this.suppressed = new Correlator(detector.rules).suppressedKeys();
  }

  /**
   * Hands over the parsed batch just appended at `position`, so the pipeline need not parse it
   * again. Bounded: past the limit the pipeline reads the log instead.
   */
  remember(position: WalPosition, batch: IngestBatch): void {
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
      await this.storeGroup(entries, saved.pending.from, saved.pending.to);
    }
    while (!this.stopped) {
      const { entries, skipped } = this.wal.read(this.position, this.groupBytes);
      if (skipped > 0) {
        this.stats.damaged += skipped;
        this.options.log?.(`ingest log: ${skipped} damaged record(s) skipped`);
      }
      if (entries.length === 0) {
        if (skipped > 0) this.position = this.wal.end();
        for (const w of this.idleWaiters.splice(0)) w();
        await this.wal.waitFor(this.position);
        continue;
      }
      const from = this.position;
      const to = entries.at(-1)!.next;
      await writeDurableJson(this.checkpointPath, {
        position: from,
        pending: { from, to },
      } satisfies Checkpoint);
      await this.storeGroup(entries, from, to);
    }
  }

  private async storeGroup(entries: readonly WalEntry[], from: WalPosition, to: WalPosition): Promise<void> {
    const events: string[] = [];
    const alerts: string[] = [];
    for (const entry of entries) {
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
          continue;
        }
      }
      this.processBatch(batch, entry.position, events, alerts);
      this.stats.batches++;
    }
    const token = `${posKey(from)}-${posKey(to)}`;
    for (let delay = this.retryMs; ; delay = Math.min(delay * 2, 30_000)) {
      try {
        // Alerts first: an event is never visible without the alerts it raised.
        await this.store.insert('alerts', Buffer.from(alerts.join('\n')), { dedupToken: `a:${token}` });
        await this.store.insert('events', Buffer.from(events.join('\n')), { dedupToken: `e:${token}` });
        break;
      } catch (e) {
        this.stats.lastError = (e as Error).message;
        this.options.log?.(`storing events failed, retrying in ${delay} ms: ${(e as Error).message}`);
        if (this.stopped) return;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    await writeDurableJson(this.checkpointPath, { position: to, pending: null } satisfies Checkpoint);
    this.position = to;
    this.wal.consumedTo(to);
    this.stats.events += events.length;
    this.stats.alerts += alerts.length;
  }

  private processBatch(batch: IngestBatch, at: WalPosition, events: string[], alerts: string[]): void {
    const now = Date.now();
    batch.records.forEach((record, i) => {
      const eventId = eventIdOf(at, i);
      const flat = this.mappings.flatten(record);
      const columns = this.columns.map(flat.fields);
      const detections = this.detector.detectFlat(flat, { source: batch.via, offset: i }, () => record);
      const ruleIds: string[] = [];
      for (const d of detections) {
        const info = { eventId, columns };
        const hit = asStoredHit(d, info, batch.received);
        for (const c of this.correlator(batch.tenant).push(hit))
          alerts.push(correlationAlertRow(batch.tenant, c, now));
        if (hit.keys.some((k) => this.suppressed.has(k))) continue;
        ruleIds.push(d.rule.id ?? d.rule.title);
        alerts.push(detectionAlertRow(batch.tenant, d, info, hit.time, now));
      }
      events.push(
        eventRow({
          tenant: batch.tenant,
          eventId,
          time: flat.time,
          received: batch.received,
          source: flat.shape,
          fields: flat.fields as ReadonlyMap<string, FieldValue>,
          columns,
          raw: batch.lines[i] ?? JSON.stringify(record),
          ruleIds,
        }),
      );
    });
  }

  private correlator(tenant: string): Correlator<HitInfo> {
    let c = this.correlators.get(tenant);
    if (c === undefined) this.correlators.set(tenant, (c = new Correlator<HitInfo>(this.detector.rules)));
    return c;
  }
}
