import type { ColumnValues } from '../normalize/columns.js';
import type { FieldValue, Scalar } from '../normalize/flat-event.js';

/** DateTime64(3) covers 1900–2299; times outside it are not real event times. */
const MIN_TIME = Date.UTC(1900, 0, 1);
const MAX_TIME = Date.UTC(2299, 11, 31);
/** Caps that keep one hostile event from bloating a block: the whole record stays in `raw`. */
const MAX_FIELD_TEXT = 32 * 1024;
const MAX_FIELDS = 512;

/** `2024-05-01 10:00:00.123`, the DateTime64 text ClickHouse reads in any input format. */
export function sqlTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

export function validTime(ms: number | null): ms is number {
  return ms !== null && Number.isFinite(ms) && ms >= MIN_TIME && ms <= MAX_TIME;
}

function fieldText(v: FieldValue): string {
  const one = (x: Scalar) => (x === null ? '' : typeof x === 'string' ? x : String(x));
  const t = Array.isArray(v) ? (v as readonly Scalar[]).map(one).join('\n') : one(v as Scalar);
  return t.length > MAX_FIELD_TEXT ? t.slice(0, MAX_FIELD_TEXT) : t;
}

export interface StoredEvent {
  readonly tenant: string;
  readonly eventId: string;
  /** Event time (epoch ms); the receive time stands in when it is missing or absurd. */
  readonly time: number | null;
  readonly received: number;
  readonly source: string | null;
  readonly fields: ReadonlyMap<string, FieldValue>;
  readonly columns: ColumnValues;
  /** The original record, as JSON text. */
  readonly raw: string;
  readonly ruleIds: readonly string[];
}

/** One JSONEachRow line for the events table. */
export function eventRow(e: StoredEvent): string {
  const fields: Record<string, string> = {};
  let n = 0;
  for (const [k, v] of e.fields) {
    if (k.startsWith('_') || v === null) continue;
    if (++n > MAX_FIELDS) break;
    fields[k] = fieldText(v);
  }
  return JSON.stringify({
    ...e.columns,
    ts: sqlTime(validTime(e.time) ? e.time : e.received),
    received: sqlTime(e.received),
    tenant: e.tenant,
    event_id: e.eventId,
    source: e.source ?? '',
    rule_ids: e.ruleIds,
    fields,
    raw: e.raw,
  });
}

export interface StoredAlert {
  readonly tenant: string;
  readonly alertId: string;
  readonly kind: 'detection' | 'correlation' | 'analytic';
  readonly time: number;
  readonly created: number;
  readonly ruleId: string;
  readonly ruleTitle: string;
  readonly level: string;
  readonly tags: readonly string[];
  readonly eventId: string;
  readonly eventIds: readonly string[];
  readonly groupKey: string;
  readonly columns: ColumnValues;
  readonly fields: Readonly<Record<string, string>>;
  /** What the alert is about (`role:type:value`), for rebuilding incidents after a restart. */
  readonly entities?: readonly string[];
}

/** One JSONEachRow line for the alerts table. */
export function alertRow(a: StoredAlert): string {
  const c = a.columns;
  return JSON.stringify({
    ts: sqlTime(validTime(a.time) ? a.time : a.created),
    created: sqlTime(a.created),
    tenant: a.tenant,
    alert_id: a.alertId,
    kind: a.kind,
    rule_id: a.ruleId,
    rule_title: a.ruleTitle,
    level: a.level,
    tags: a.tags,
    host: c.host ?? '',
    user_name: c.user_name ?? '',
    event_id: a.eventId,
    event_ids: a.eventIds,
    channel: c.channel ?? '',
    event_code: c.event_code ?? '',
    process_executable: c.process_executable ?? '',
    process_command_line: c.process_command_line ?? '',
    group_key: a.groupKey,
    fields: a.fields,
    entities: a.entities ?? [],
  });
}
