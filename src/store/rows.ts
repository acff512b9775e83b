import type { ColumnValues } from '../normalize/columns.js';
import type { FieldValue, Scalar } from '../normalize/flat-event.js';
import { EVENT_COLUMNS, type EventColumn } from './schema.js';
import type { InsertRows, Store } from './store.js';

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

interface SecondCache {
  second: number;
  prefix: string;
}
const eventTimes: SecondCache = { second: NaN, prefix: '' };
const receiveTimes: SecondCache = { second: NaN, prefix: '' };

/** sqlTime for a stream of times close together: the date and time of day are made once a second. */
function rowTime(ms: number, cache: SecondCache): string {
  const second = Math.floor(ms / 1000);
  const milli = ms - second * 1000;
  if (!Number.isInteger(milli)) return sqlTime(ms);
  if (second !== cache.second) {
    cache.second = second;
    cache.prefix = sqlTime(second * 1000).slice(0, 19);
  }
  return `${cache.prefix}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}`;
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

type Kind = 'text' | 'int' | 'strings';

interface ColumnPlan {
  readonly name: EventColumn;
  readonly kind: Kind;
  /** For integer columns, the largest value that fits. */
  readonly max: number;
}

/** The columns an event row fills, in order, and how each is written. */
export const EVENT_ROW_COLUMNS = Object.keys(EVENT_COLUMNS) as readonly EventColumn[];
const INT_MAX: Readonly<Record<string, number>> = {
  UInt16: 0xffff,
  UInt32: 0xffffffff,
  UInt64: Number.MAX_SAFE_INTEGER,
};
const PLAN: readonly ColumnPlan[] = EVENT_ROW_COLUMNS.map((name) => {
  const type: string = EVENT_COLUMNS[name];
  if (type in INT_MAX) return { name, kind: 'int', max: INT_MAX[type]! };
  if (type === 'Array(String)') return { name, kind: 'strings', max: 0 };
  return { name, kind: 'text', max: 0 };
});

const TSV_SPECIAL = /[\\\t\n\r\0]/;
const TSV_SPECIALS = /[\\\t\n\r\0]/g;
const QUOTED_SPECIAL = /[\\'\t\n\r\0]/;
const QUOTED_SPECIALS = /[\\'\t\n\r\0]/g;
const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  "'": "\\'",
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
  '\0': '\\0',
};
const escapeChar = (c: string) => ESCAPES[c]!;

/** A top-level TabSeparated value: backslash escapes for the characters that delimit rows. */
export function tsvText(s: string): string {
  return TSV_SPECIAL.test(s) ? s.replace(TSV_SPECIALS, escapeChar) : s;
}

/**
 * A string inside an array or map value: quoted, with ClickHouse's escapes. The array or map text
 * is not escaped again as a whole: ClickHouse reads it as written.
 */
function quoted(s: string): string {
  return `'${QUOTED_SPECIAL.test(s) ? s.replace(QUOTED_SPECIALS, escapeChar) : s}'`;
}

function intText(v: unknown, max: number): string {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,16}$/.test(v) ? Number(v) : NaN;
  // Out of range, ClickHouse would wrap it silently (a port of 70000 read as 4464): the default.
  return Number.isInteger(n) && n >= 0 && n <= max ? String(n) : '0';
}

function stringsText(v: unknown): string {
  if (v === undefined || v === null) return '[]';
  const items = Array.isArray(v) ? (v as unknown[]) : [v];
  let out = '[';
  for (let i = 0; i < items.length; i++) out += (i > 0 ? ',' : '') + quoted(String(items[i] ?? ''));
  return out + ']';
}

const COLUMN_INDEX = new Map<string, number>(PLAN.map((c, i) => [c.name, i]));
const cell = (name: EventColumn) => COLUMN_INDEX.get(name)!;
const TS = cell('ts');
const RECEIVED = cell('received');
const TENANT = cell('tenant');
const EVENT_ID = cell('event_id');
const SOURCE = cell('source');
const RULE_IDS = cell('rule_ids');
const FIELDS = cell('fields');
const RAW = cell('raw');
const DEFAULT_CELLS: readonly string[] = PLAN.map((c) =>
  c.kind === 'int' ? '0' : c.kind === 'strings' ? '[]' : '',
);

/** Scratch for the pieces of one map or row: joined once, instead of concatenated piece by piece. */
const pairs: string[] = [];
const cells: string[] = [];

function fieldsText(fields: ReadonlyMap<string, FieldValue>): string {
  pairs.length = 0;
  for (const [k, v] of fields) {
    if (v === null || k.charCodeAt(0) === 95 /* _ */) continue;
    if (pairs.length >= MAX_FIELDS) break;
    pairs.push(`${quoted(k)}:${quoted(fieldText(v))}`);
  }
  return `{${pairs.join(',')}}`;
}

/**
 * One TabSeparated line (without its newline) for the events table, filling EVENT_ROW_COLUMNS in
 * order: store it with insertEvents.
 */
export function eventRow(e: StoredEvent): string {
  for (let i = 0; i < DEFAULT_CELLS.length; i++) cells[i] = DEFAULT_CELLS[i]!;
  // The event's own columns, a handful of the forty: the others keep their defaults.
  const c = e.columns as Readonly<Record<string, unknown>>;
  for (const name in c) {
    const i = COLUMN_INDEX.get(name);
    if (i === undefined) continue;
    const v = c[name];
    const col = PLAN[i]!;
    if (col.kind === 'int') cells[i] = intText(v, col.max);
    else if (col.kind === 'strings') cells[i] = stringsText(v);
    else if (v !== undefined && v !== null) cells[i] = tsvText(typeof v === 'string' ? v : String(v));
  }
  // The cells the event itself fills, over anything its columns held under those names.
  cells[TS] = rowTime(validTime(e.time) ? e.time : e.received, eventTimes);
  cells[RECEIVED] = rowTime(e.received, receiveTimes);
  cells[TENANT] = tsvText(e.tenant);
  cells[EVENT_ID] = tsvText(e.eventId);
  cells[SOURCE] = tsvText(e.source ?? '');
  cells[RULE_IDS] = e.ruleIds.length === 0 ? '[]' : stringsText(e.ruleIds);
  cells[FIELDS] = fieldsText(e.fields);
  cells[RAW] = tsvText(e.raw);
  return cells.join('\t');
}

/** Stores event rows (eventRow lines, each ending in a newline) as one block. */
export function insertEvents(store: Store, rows: InsertRows, dedupToken?: string): Promise<void> {
  return store.insert('events', rows, {
    format: 'TabSeparated',
    columns: EVENT_ROW_COLUMNS,
    ...(dedupToken === undefined ? {} : { dedupToken }),
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
