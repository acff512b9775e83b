import type { Detection } from '../detect/hunt/detector.js';
import { ruleKeys } from '../detect/sigma/model.js';
import type { CorrelationHit, Correlator, RuleHit } from '../detect/sigma/correlation/engine.js';
import type { ColumnValues } from '../normalize/columns.js';
import { alertRow } from '../store/rows.js';
import { entitiesOfColumns, storedEntity, type CorrelationAlert, type Entity } from '../correlate/index.js';
import type { PlainHit } from './enrich.js';

/** What correlations carry per hit: enough to write the correlation's alert. */
export interface HitInfo {
  readonly eventId: string;
  readonly columns: ColumnValues;
}

export function asStoredHit(d: Detection, info: HitInfo, fallbackTime: number): RuleHit<HitInfo> {
  return {
    keys: ruleKeys(d.rule),
    time: d.time ?? fallbackTime,
    field: (name) => d.fields.get(d.fieldMap[name] ?? name),
    event: info,
  };
}

/**
 * The alert row of a detection. Its id is the event's and the rule's, so the live pipeline and a
 * retro-hunt name the same finding the same way.
 */
export function detectionAlertRow(
  tenant: string,
  d: Detection,
  info: HitInfo,
  time: number,
  now: number,
  fields: Readonly<Record<string, string>> = {},
  entities: readonly Entity[] = [],
): string {
  const ruleId = d.rule.id ?? d.rule.title;
  return alertRow({
    tenant,
    alertId: detectionAlertId(info.eventId, ruleId),
    kind: 'detection',
    time,
    created: now,
    ruleId,
    ruleTitle: d.rule.title,
    level: d.rule.level,
    tags: d.rule.tags,
    eventId: info.eventId,
    eventIds: [info.eventId],
    groupKey: '',
    columns: info.columns,
    fields,
    entities: entities.map(storedEntity),
  });
}

export function detectionAlertId(eventId: string, ruleId: string): string {
  return `${eventId}/${ruleId}`;
}

export function correlationAlertId(hit: CorrelationHit<HitInfo>): string {
  return `${hit.rule.id ?? hit.rule.title}/${JSON.stringify(hit.group)}/${hit.first}`;
}

export function correlationAlertRow(
  tenant: string,
  hit: CorrelationHit<HitInfo>,
  now: number,
  extra: Readonly<Record<string, string>> = {},
  entities: readonly Entity[] = [],
): string {
  const hits = hit.hits as readonly RuleHit<HitInfo>[];
  const group = JSON.stringify(hit.group);
  const ruleId = hit.rule.id ?? hit.rule.title;
  const fields: Record<string, string> = { ...extra };
  for (const [k, v] of Object.entries(hit.group)) fields[k] = v === null || v === undefined ? '' : String(v);
  if (hit.value !== null) fields.value = String(hit.value);
  return alertRow({
    tenant,
    alertId: correlationAlertId(hit),
    kind: 'correlation',
    time: hit.last,
    created: now,
    ruleId,
    ruleTitle: hit.rule.title,
    level: hit.rule.level,
    tags: hit.rule.tags,
    eventId: hits.at(-1)?.event.eventId ?? '',
    eventIds: hits.slice(0, 1000).map((h) => h.event.eventId),
    groupKey: group,
    columns: hits.at(-1)?.event.columns ?? {},
    fields,
    entities: entities.map(storedEntity),
  });
}

/**
 * Feeds one tenant's rule hits to its correlation rules; each correlation that fires becomes an
 * alert row and an alert for incidents, about what its events are about. Shared by the single
 * node's processor and the scale-out workers.
 */
export function correlateHits(
  correlator: Correlator<HitInfo>,
  tenant: string,
  hits: readonly PlainHit[],
  now: number,
  alerts: string[],
  incidentAlerts: CorrelationAlert[],
): void {
  for (const h of hits) {
    const hit: RuleHit<HitInfo> = {
      keys: h.keys,
      time: h.time,
      field: (name) => h.fields[name],
      event: { eventId: h.eventId, columns: h.columns },
    };
    for (const c of correlator.push(hit)) {
      const list = entitiesOfColumns(c.hits.map((x) => x.event.columns));
      alerts.push(correlationAlertRow(tenant, c, now, {}, list));
      const last = c.hits.at(-1)?.event.columns.host;
      incidentAlerts.push({
        id: correlationAlertId(c),
        time: c.last,
        ruleId: c.rule.id ?? c.rule.title,
        title: c.rule.title,
        level: c.rule.level,
        tags: c.rule.tags,
        host: typeof last === 'string' ? last : '',
        entities: list,
      });
    }
  }
}
