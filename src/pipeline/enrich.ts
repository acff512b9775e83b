import type { Detection, Detector } from '../detect/hunt/detector.js';
import { Correlator } from '../detect/sigma/correlation/engine.js';
import type { FieldValue } from '../detect/sigma/engine/event-view.js';
import { ruleKeys, type SigmaRule } from '../detect/sigma/model.js';
import type { JsonObject } from '../ingest/types.js';
import type { ColumnMapper, ColumnValues } from '../normalize/columns.js';
import type { Mappings } from '../normalize/mappings.js';
import { writeEventRow } from '../store/rows.js';
import type { WalPosition } from '../bus/wal.js';
import { detectionAlertId, detectionAlertRow } from './alerts.js';
import {
  entitiesOf,
  entityKey,
  FactsCollector,
  type CorrelationAlert,
  type Entity,
  type EventFacts,
} from '../correlate/index.js';
import { Suppressions } from '../detect/suppressions.js';
import { projectForAnalytics } from '../detect/analytics/index.js';
import type { AnalyticInput } from './analytics-stage.js';
import { RowBuffer } from './row-buffer.js';

/** A detection as correlation needs it, small enough to cross a thread. */
export interface PlainHit {
  readonly keys: readonly string[];
  readonly time: number;
  readonly eventId: string;
  readonly columns: ColumnValues;
  /** The values of the fields correlation rules read (Sigma names). */
  readonly fields: Readonly<Record<string, unknown>>;
}

/** One log record's batch, ready to store: event rows, detection alerts, and hits to correlate. */
export interface EnrichedBatch {
  readonly tenant: string;
  /**
   * Event rows (writeEventRow, RowBinary): bytes, so they cross threads without a copy (the
   * view's ArrayBuffer holds nothing else, and may be longer than the rows).
   */
  readonly events: Uint8Array;
  readonly eventCount: number;
  readonly alerts: string[];
  readonly hits: PlainHit[];
  /** The alerts as incident building sees them. */
  readonly incidentAlerts: CorrelationAlert[];
  /** What incident building learns from every event: rarity of values, process lineage. */
  readonly facts: EventFacts;
  /** Detections an analyst's exception silenced. */
  readonly suppressed: number;
  /** The events as Vigil's analytics read them, in order (they run on one thread). */
  readonly analytic: AnalyticInput[];
}

export interface BatchInput {
  readonly tenant: string;
  readonly received: number;
  readonly via: string;
  /** Each record as JSON text. */
  readonly lines: readonly string[];
  /** The parsed records, when this thread has them. */
  readonly records?: readonly JsonObject[];
  /** The events' ids when they have them already (a replay of stored events). */
  readonly ids?: readonly string[];
}

export const eventIdOf = (p: WalPosition, i: number): string =>
  `${p.segment.toString(36)}-${p.offset.toString(36)}-${i.toString(36)}`;

/** The hit fields when no correlation reads any: one shared object, never written to. */
const NO_FIELDS: Readonly<Record<string, unknown>> = Object.freeze({});

/** The rule ids of an event no rule alerted on: one shared list, never written to. */
const NO_RULES: readonly string[] = Object.freeze([]);

/** Fields that correlations group by, aggregate or alias: what a hit must carry. */
function correlationFields(rules: readonly SigmaRule[]): string[] {
  const names = new Set<string>();
  for (const r of rules) {
    if (r.type !== 'correlation') continue;
    for (const g of r.correlation.groupBy) names.add(g);
    if (r.correlation.condition?.field !== undefined) names.add(r.correlation.condition.field);
    for (const byRule of r.correlation.aliases.values()) for (const f of byRule.values()) names.add(f);
  }
  return [...names];
}

/**
 * Normalize → detect → rows, for one batch: everything per event that does not need state across
 * batches, so that it can run on any thread. Correlation, which does, runs on the hits afterwards.
 */
export class BatchEnricher {
  private readonly suppressed: ReadonlySet<string>;
  suppressions = new Suppressions();
  private readonly needed: readonly string[];
  /** Event rows are encoded here as they are made, so none outlives its event. */
  private readonly rows = new RowBuffer();

  constructor(
    private readonly detector: Detector,
    private readonly mappings: Mappings,
    private readonly columns: ColumnMapper,
  ) {
    this.suppressed = new Correlator(detector.rules).suppressedKeys();
    this.needed = correlationFields(detector.rules);
  }

  /** Row buffers whose rows are stored, for the next batches (RowBuffer.recycle). */
  recycle(buffers: readonly ArrayBuffer[]): void {
    this.rows.recycle(buffers);
  }

  enrich(batch: BatchInput, at: WalPosition, now: number): EnrichedBatch {
    // Rows left by a batch that threw half-way belong to no batch.
    this.rows.discard();
    const out = {
      alerts: [] as string[],
      hits: [] as PlainHit[],
      incidentAlerts: [] as CorrelationAlert[],
      suppressed: 0,
      analytic: [] as AnalyticInput[],
    };
    const facts = new FactsCollector();
    const { tenant, received, lines, records, ids } = batch;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const record = records?.[i] ?? (JSON.parse(line) as JsonObject);
      const eventId = ids?.[i] ?? eventIdOf(at, i);
      const flat = this.mappings.flatten(record);
      const columns = this.columns.map(flat.fields);
      const entities = entitiesOf(flat.fields, columns);
      facts.observe(flat.fields, columns, entities);
      out.analytic.push({
        eventId,
        event: projectForAnalytics(flat.time ?? received, flat.fields, columns),
      });
      const detections = this.detector.detectFlat(flat, { source: batch.via, offset: i }, () => record);
      let ruleIds: readonly string[] = NO_RULES;
      if (detections.length > 0) {
        const alerted: string[] = [];
        this.detections(tenant, received, now, eventId, columns, entities, detections, alerted, out);
        ruleIds = alerted;
      }
      writeEventRow(
        {
          tenant,
          eventId,
          time: flat.time,
          received,
          source: flat.shape,
          fields: flat.fields as ReadonlyMap<string, FieldValue>,
          columns,
          raw: line,
          ruleIds,
        },
        this.rows,
      );
    }
    return {
      ...out,
      facts: facts.take(),
      tenant,
      events: this.rows.take(),
      eventCount: lines.length,
    };
  }

  /** One event's detections: hits for correlation, and the alerts no exception silenced. */
  private detections(
    tenant: string,
    received: number,
    now: number,
    eventId: string,
    columns: ColumnValues,
    entities: readonly Entity[],
    detections: readonly Detection[],
    ruleIds: string[],
    out: {
      alerts: string[];
      hits: PlainHit[];
      incidentAlerts: CorrelationAlert[];
      suppressed: number;
    },
  ): void {
    const host = typeof columns.host === 'string' ? columns.host : '';
    const needed = this.needed;
    let entityKeys: string[] | null = null;
    const keysOfEntities = () => (entityKeys ??= entities.map(entityKey));
    for (const d of detections) {
      const keys = ruleKeys(d.rule);
      const time = d.time ?? received;
      let fields = NO_FIELDS;
      if (needed.length > 0) {
        const picked: Record<string, unknown> = {};
        for (const name of needed) {
          const v = d.fields.get(d.fieldMap[name] ?? name);
          if (v !== undefined) picked[name] = v;
        }
        fields = picked;
      }
      out.hits.push({ keys, time, eventId, columns, fields });
      if (this.isSuppressedRule(keys)) continue;
      if (this.suppressions.match(tenant, now, keys, keysOfEntities, d.fields) !== null) {
        out.suppressed++;
        continue;
      }
      const ruleId = d.rule.id ?? d.rule.title;
      ruleIds.push(ruleId);
      const alertId = detectionAlertId(eventId, ruleId);
      out.alerts.push(detectionAlertRow(tenant, d, { eventId, columns }, time, now, {}, entities));
      out.incidentAlerts.push({
        id: alertId,
        time,
        ruleId,
        title: d.rule.title,
        level: d.rule.level,
        tags: d.rule.tags,
        host,
        entities,
      });
    }
  }

  private isSuppressedRule(keys: readonly string[]): boolean {
    for (const k of keys) if (this.suppressed.has(k)) return true;
    return false;
  }
}
