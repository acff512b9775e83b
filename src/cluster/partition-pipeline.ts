import type { WalPosition } from '../bus/wal.js';
import type { JsonObject } from '../ingest/types.js';
import type { Detector } from '../detect/hunt/detector.js';
import { Correlator } from '../detect/sigma/correlation/engine.js';
import type { ColumnMapper } from '../normalize/columns.js';
import type { Mappings } from '../normalize/mappings.js';
import type { CorrelationAlert } from '../correlate/index.js';
import { correlateHits, type HitInfo } from '../pipeline/alerts.js';
import { AnalyticsStage } from '../pipeline/analytics-stage.js';
import type { IngestBatch } from '../pipeline/batch.js';
import { BatchEnricher } from '../pipeline/enrich.js';
import { Suppressions, type TenantSuppression } from '../detect/suppressions.js';
import type { HistoryEvent } from './history.js';
import type { PreparedRows } from './rows.js';

/** Replayed events keep their stored ids; this position names nothing that is written. */
const REPLAY_AT: WalPosition = { segment: 0, offset: 0 };

/**
 * How far back a new owner replays: the longest correlation timespan of the rule set, at least
 * 15 minutes (the analytics' own windows), at most `cap`.
 */
export function replayWindow(rules: Detector['rules'], capMs: number): number {
  let longest = 15 * 60_000;
  for (const r of rules) if (r.type === 'correlation') longest = Math.max(longest, r.correlation.timespan);
  return Math.min(longest, capMs);
}

/**
 * The single-node pipeline's stages for one partition: normalize → detect → rows (BatchEnricher),
 * then Sigma correlation and Vigil's analytics, whose state is per host and so lives with the
 * partition. A worker that takes a partition over rebuilds that state by replaying the partition's
 * recent stored events (`rebuild`) before it consumes.
 */
export class PartitionPipeline {
  private enricher: BatchEnricher;
  private suppressionList: readonly TenantSuppression[] = [];
  private readonly correlators = new Map<string, Correlator<HitInfo>>();
  private readonly analytics = new AnalyticsStage();
  /**
   * Events the replay already fed to the state. The previous owner may have stored a message's
   * rows and died before its ack: that message comes again, and must not count twice.
   */
  private replayed = new Set<string>();

  constructor(
    private detector: Detector,
    private readonly mappings: Mappings,
    private readonly columns: ColumnMapper,
  ) {
    this.enricher = new BatchEnricher(detector, mappings, columns);
  }

  /**
   * Switches to another rule set (changed on an api node) for the next batches; Sigma
   * correlations start over with the new rules, as on a single node. The same set is a no-op.
   */
  useRules(detector: Detector): void {
    if (detector === this.detector) return;
    const suppressions = this.enricher.suppressions;
    this.detector = detector;
    this.enricher = new BatchEnricher(detector, this.mappings, this.columns);
    this.enricher.suppressions = suppressions;
    this.correlators.clear();
  }

  /** Analysts' exceptions, applied from the next batch on. The same list is a no-op. */
  setSuppressions(list: readonly TenantSuppression[]): void {
    if (list === this.suppressionList) return;
    this.suppressionList = list;
    this.enricher.suppressions = new Suppressions(list);
  }

  /**
   * One event message's rows. `at` names the message (stream epoch, sequence): event ids derive
   * from it, so a redelivered message yields the same ids and the same dedup token.
   */
  prepare(batch: IngestBatch, at: WalPosition, now = Date.now()): PreparedRows {
    const rows = this.enricher.enrich(batch, at, now);
    const alerts = [...rows.alerts];
    const incidentAlerts = [...rows.incidentAlerts];
    const fresh = <T extends { eventId: string }>(list: T[]) =>
      this.replayed.size === 0 ? list : list.filter((x) => !this.replayed.has(x.eventId));
    this.correlate(rows.tenant, fresh(rows.hits), now, alerts, incidentAlerts);
    const found = this.analytics.run(rows.tenant, fresh(rows.analytic), now);
    alerts.push(...found.rows);
    incidentAlerts.push(...found.alerts);
    return {
      id: `${at.segment.toString(36)}-${at.offset.toString(36)}`,
      eventCount: rows.eventCount,
      events: rows.events,
      alerts,
      incidents: [{ tenant: rows.tenant, facts: rows.facts, alerts: incidentAlerts }],
    };
  }

  /**
   * Feeds stored events back through detection, correlation and analytics, in time order, and
   * throws away what they emit: the previous owner already stored those alerts. Records that are
   * no longer valid JSON are skipped. Returns the number of events replayed.
   */
  async rebuild(pages: AsyncIterable<readonly HistoryEvent[]>, now = Date.now()): Promise<number> {
    const replayed = new Set<string>();
    for await (const page of pages) {
      for (let i = 0; i < page.length;) {
        const { tenant, received } = page[i]!;
        const lines: string[] = [];
        const records: JsonObject[] = [];
        const ids: string[] = [];
        for (; i < page.length && page[i]!.tenant === tenant; i++) {
          const e = page[i]!;
          let record: unknown;
          try {
            record = JSON.parse(e.raw);
          } catch {
            continue;
          }
          if (record === null || typeof record !== 'object' || Array.isArray(record)) continue;
          lines.push(e.raw);
          records.push(record as JsonObject);
          ids.push(e.eventId);
          replayed.add(e.eventId);
        }
        if (ids.length === 0) continue;
        const rows = this.enricher.enrich(
          { tenant, received, via: 'replay', lines, records, ids },
          REPLAY_AT,
          now,
        );
        this.correlate(tenant, rows.hits, now, [], []);
        this.analytics.run(tenant, rows.analytic, now);
      }
    }
    this.replayed = replayed;
    return replayed.size;
  }

  /** As the single-node Processor correlates: over each batch's hits in order, per tenant. */
  private correlate(
    tenant: string,
    hits: ReturnType<BatchEnricher['enrich']>['hits'],
    now: number,
    alerts: string[],
    incidentAlerts: CorrelationAlert[],
  ): void {
    let correlator = this.correlators.get(tenant);
    if (correlator === undefined)
      this.correlators.set(tenant, (correlator = new Correlator<HitInfo>(this.detector.rules)));
    correlateHits(correlator, tenant, hits, now, alerts, incidentAlerts);
  }
}

/**
 * The host a raw record is about, as the store will name it (the normalized `host` column): what
 * an ingest node partitions by, so the partition agrees with where the host's rows end up.
 */
export function normalizedHost(mappings: Mappings, columns: ColumnMapper): (record: JsonObject) => string {
  return (record) => {
    const host = columns.map(mappings.flatten(record).fields).host;
    return typeof host === 'string' ? host : '';
  };
}
