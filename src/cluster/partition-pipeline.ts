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
import type { PreparedRows } from './rows.js';

/**
 * The single-node pipeline's stages for one partition: normalize → detect → rows (BatchEnricher),
 * then Sigma correlation and Vigil's analytics, whose state is per host and so lives with the
 * partition. A partition that moves to another worker starts this state afresh there.
 */
export class PartitionPipeline {
  private readonly enricher: BatchEnricher;
  private readonly correlators = new Map<string, Correlator<HitInfo>>();
  private readonly analytics = new AnalyticsStage();

  constructor(
    private readonly detector: Detector,
    mappings: Mappings,
    columns: ColumnMapper,
  ) {
    this.enricher = new BatchEnricher(detector, mappings, columns);
  }

  /**
   * One event message's rows. `at` names the message (stream epoch, sequence): event ids derive
   * from it, so a redelivered message yields the same ids and the same dedup token.
   */
  prepare(batch: IngestBatch, at: WalPosition, now = Date.now()): PreparedRows {
    const rows = this.enricher.enrich(batch, at, now);
    const alerts = [...rows.alerts];
    const incidentAlerts = [...rows.incidentAlerts];
    this.correlate(rows.tenant, rows.hits, now, alerts, incidentAlerts);
    const found = this.analytics.run(rows.tenant, rows.analytic, now);
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
