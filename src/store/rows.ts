import type { ColumnValues } from '../normalize/columns.js';
import type { FieldValue, Scalar } from '../normalize/flat-event.js';
import { EVENT_COLUMNS, type EventColumn } from './schema.js';
import type { InsertRows, Store } from './store.js';
import { RowBinaryBytes, type RowBinaryWriter } from './row-binary.js';

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

/** The columns an event row fills, in order. */
export const EVENT_ROW_COLUMNS = Object.keys(EVENT_COLUMNS) as readonly EventColumn[];

/** What fills each cell: one of the event's columns (by type), or a value the event itself holds. */
const enum Cell {
  Text,
  UInt16,
  UInt32,
  UInt64,
  Strings,
  Time,
  Received,
  Tenant,
  EventId,
  Source,
  RuleIds,
  Fields,
  Raw,
}

const OWN_CELLS: Readonly<Partial<Record<EventColumn, Cell>>> = {
  ts: Cell.Time,
  received: Cell.Received,
  tenant: Cell.Tenant,
  event_id: Cell.EventId,
  source: Cell.Source,
  rule_ids: Cell.RuleIds,
  fields: Cell.Fields,
  raw: Cell.Raw,
};

const TYPE_CELLS: Readonly<Record<string, Cell>> = {
  UInt16: Cell.UInt16,
  UInt32: Cell.UInt32,
  UInt64: Cell.UInt64,
  'Array(String)': Cell.Strings,
};

const CELLS: readonly Cell[] = EVENT_ROW_COLUMNS.map(
  (name) => OWN_CELLS[name] ?? TYPE_CELLS[EVENT_COLUMNS[name]] ?? Cell.Text,
);
const COLUMN_INDEX = new Map<string, number>(EVENT_ROW_COLUMNS.map((c, i) => [c, i]));

/** The value as an integer of the column's range; out of it, the default (ClickHouse would wrap it). */
function intIn(v: unknown, max: number): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,16}$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 0 && n <= max ? n : 0;
}

function writeStrings(out: RowBinaryWriter, v: unknown): void {
  if (v === undefined || v === null) {
    out.varUInt(0);
    return;
  }
  const items = Array.isArray(v) ? (v as unknown[]) : [v];
  out.varUInt(items.length);
  for (const item of items) out.string(String(item ?? ''));
}

const scalarText = (x: Scalar) => (x === null ? '' : typeof x === 'string' ? x : String(x));

/** A field's value as one string: an array's items on lines of their own, capped. */
function fieldText(v: FieldValue): string {
  if (!Array.isArray(v)) return scalarText(v as Scalar);
  const items = v as readonly Scalar[];
  let text = '';
  for (let i = 0; i < items.length && text.length < MAX_FIELD_TEXT; i++)
    text += (i > 0 ? '\n' : '') + scalarText(items[i]!);
  return text;
}

const storedField = (v: FieldValue, k: string) => v !== null && k.charCodeAt(0) !== 95; /* _ */

/** writeFields' state: forEach, unlike for…of over entries, allocates no pair per field. */
let fieldsOut: RowBinaryWriter | null = null;
let fieldsLeft = 0;

function countField(v: FieldValue, k: string): void {
  if (storedField(v, k)) fieldsLeft++;
}

function writeField(v: FieldValue, k: string): void {
  if (fieldsLeft === 0 || !storedField(v, k)) return;
  fieldsLeft--;
  fieldsOut!.string(k);
  fieldsOut!.string(fieldText(v), MAX_FIELD_TEXT);
}

/** A Map(String, String): the count, then each key and value. */
function writeFields(out: RowBinaryWriter, fields: ReadonlyMap<string, FieldValue>): void {
  fieldsLeft = 0;
  fields.forEach(countField);
  fieldsLeft = Math.min(fieldsLeft, MAX_FIELDS);
  out.varUInt(fieldsLeft);
  fieldsOut = out;
  fields.forEach(writeField);
  fieldsOut = null;
}

/** The event's own columns, by cell; reused from row to row. */
const values: unknown[] = new Array<unknown>(EVENT_ROW_COLUMNS.length);

/**
 * One RowBinary row for the events table, filling EVENT_ROW_COLUMNS in order: store a block of
 * them with insertEvents.
 */
export function writeEventRow(e: StoredEvent, out: RowBinaryWriter): void {
  values.fill(undefined);
  // The event's own columns, a handful of the forty: the others keep their defaults.
  const c = e.columns as Readonly<Record<string, unknown>>;
  for (const name in c) {
    const i = COLUMN_INDEX.get(name);
    if (i !== undefined) values[i] = c[name];
  }
  for (let i = 0; i < CELLS.length; i++) {
    // The cells the event itself fills win over anything its columns held under those names.
    switch (CELLS[i]!) {
      case Cell.Text: {
        const v = values[i];
        out.string(v === undefined || v === null ? '' : typeof v === 'string' ? v : String(v));
        break;
      }
      case Cell.UInt16:
        out.uint16(intIn(values[i], 0xffff));
        break;
      case Cell.UInt32:
        out.uint32(intIn(values[i], 0xffffffff));
        break;
      case Cell.UInt64:
        out.int64(intIn(values[i], Number.MAX_SAFE_INTEGER));
        break;
      case Cell.Strings:
        writeStrings(out, values[i]);
        break;
      case Cell.Time:
        // Whole milliseconds, as Date reads a fractional time.
        out.int64(Math.trunc(validTime(e.time) ? e.time : e.received));
        break;
      case Cell.Received:
        out.int64(Math.trunc(e.received));
        break;
      case Cell.Tenant:
        out.string(e.tenant);
        break;
      case Cell.EventId:
        out.string(e.eventId);
        break;
      case Cell.Source:
        out.string(e.source ?? '');
        break;
      case Cell.RuleIds:
        writeStrings(out, e.ruleIds);
        break;
      case Cell.Fields:
        writeFields(out, e.fields);
        break;
      case Cell.Raw:
        out.string(e.raw);
        break;
    }
  }
}

const scratch = new RowBinaryBytes();

/** Event rows (writeEventRow) for a few events, as one block's bytes: for tests and tools. */
export function eventRows(events: readonly StoredEvent[]): Buffer {
  scratch.clear();
  for (const e of events) writeEventRow(e, scratch);
  return Buffer.from(scratch.bytes());
}

/** Stores event rows (writeEventRow, back to back) as one block. */
export function insertEvents(store: Store, rows: InsertRows, dedupToken?: string): Promise<void> {
  return store.insert('events', rows, {
    format: 'RowBinary',
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
