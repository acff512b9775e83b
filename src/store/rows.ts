import type { ColumnValues } from '../normalize/columns.js';
import type { FieldValue, Scalar } from '../normalize/flat-event.js';
import { EVENT_COLUMNS, type EventColumn } from './schema.js';
import type { InsertRows, Store } from './store.js';
import { TsvBytes, type TsvWriter } from './tsv-writer.js';

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

const DAY = 86_400_000;

interface DayCache {
  day: number;
  /** `2024-05-01 `: the date, made once per day seen. */
  prefix: string;
}
const eventDays: DayCache = { day: NaN, prefix: '' };
const receiveDays: DayCache = { day: NaN, prefix: '' };

function twoDigits(out: TsvWriter, n: number): void {
  out.byte(0x30 + Math.floor(n / 10));
  out.byte(0x30 + (n % 10));
}

/** sqlTime, written without making a string: events of a batch mostly share their day. */
function writeTime(out: TsvWriter, ms: number, cache: DayCache): void {
  const whole = Math.trunc(ms); // as Date reads it
  const day = Math.floor(whole / DAY);
  if (day !== cache.day) {
    cache.day = day;
    cache.prefix = sqlTime(day * DAY).slice(0, 11);
  }
  out.ascii(cache.prefix);
  let rest = whole - day * DAY;
  const milli = rest % 1000;
  rest = (rest - milli) / 1000;
  twoDigits(out, Math.floor(rest / 3600));
  out.byte(0x3a);
  twoDigits(out, Math.floor(rest / 60) % 60);
  out.byte(0x3a);
  twoDigits(out, rest % 60);
  out.byte(0x2e);
  out.byte(0x30 + Math.floor(milli / 100));
  twoDigits(out, milli % 100);
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
const INT_MAX: Readonly<Record<string, number>> = {
  UInt16: 0xffff,
  UInt32: 0xffffffff,
  UInt64: Number.MAX_SAFE_INTEGER,
};

/** What fills each cell: one of the event's columns (by type), or a value the event itself holds. */
const enum Cell {
  Text,
  Int,
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
const CELLS: readonly Cell[] = EVENT_ROW_COLUMNS.map((name) => {
  const own = OWN_CELLS[name];
  if (own !== undefined) return own;
  const type: string = EVENT_COLUMNS[name];
  return type in INT_MAX ? Cell.Int : type === 'Array(String)' ? Cell.Strings : Cell.Text;
});
const MAXIMA: readonly number[] = EVENT_ROW_COLUMNS.map((name) => INT_MAX[EVENT_COLUMNS[name]] ?? 0);
const COLUMN_INDEX = new Map<string, number>(EVENT_ROW_COLUMNS.map((c, i) => [c, i]));

const TAB = 0x09;
const NEWLINE = 0x0a;
const QUOTE = 0x27;
const COMMA = 0x2c;

function writeInt(out: TsvWriter, v: unknown, max: number): void {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,16}$/.test(v) ? Number(v) : NaN;
  // Out of range, ClickHouse would wrap it silently (a port of 70000 read as 4464): the default.
  out.uint(Number.isInteger(n) && n >= 0 && n <= max ? n : 0);
}

function writeStrings(out: TsvWriter, v: unknown): void {
  out.byte(0x5b);
  if (v !== undefined && v !== null) {
    const items = Array.isArray(v) ? (v as unknown[]) : [v];
    for (let i = 0; i < items.length; i++) {
      if (i > 0) out.byte(COMMA);
      out.quoted(String(items[i] ?? ''));
    }
  }
  out.byte(0x5d);
}

const scalarText = (x: Scalar) => (x === null ? '' : typeof x === 'string' ? x : String(x));

/** A field's value as one quoted string: an array's items on lines of their own, capped. */
function writeFieldValue(out: TsvWriter, v: FieldValue): void {
  out.byte(QUOTE);
  if (!Array.isArray(v)) out.quotedPart(scalarText(v as Scalar), MAX_FIELD_TEXT);
  else {
    let left = MAX_FIELD_TEXT;
    const items = v as readonly Scalar[];
    for (let i = 0; i < items.length && left > 0; i++) {
      if (i > 0) {
        out.quotedPart('\n');
        if (--left === 0) break;
      }
      const t = scalarText(items[i]!);
      out.quotedPart(t, left);
      left -= Math.min(t.length, left);
    }
  }
  out.byte(QUOTE);
}

/** writeFields' state: forEach, unlike for…of over entries, allocates no pair per field. */
let fieldsOut: TsvWriter | null = null;
let fieldsWritten = 0;

function writeField(v: FieldValue, k: string): void {
  if (v === null || k.charCodeAt(0) === 95 /* _ */ || fieldsWritten >= MAX_FIELDS) return;
  const out = fieldsOut!;
  if (fieldsWritten++ > 0) out.byte(COMMA);
  out.quoted(k);
  out.byte(0x3a);
  writeFieldValue(out, v);
}

function writeFields(out: TsvWriter, fields: ReadonlyMap<string, FieldValue>): void {
  out.byte(0x7b);
  fieldsOut = out;
  fieldsWritten = 0;
  fields.forEach(writeField);
  fieldsOut = null;
  out.byte(0x7d);
}

/** The event's own columns, by cell; reused from row to row. */
const values: unknown[] = new Array<unknown>(EVENT_ROW_COLUMNS.length);

/**
 * One TabSeparated line for the events table, with its newline, filling EVENT_ROW_COLUMNS in
 * order: store a block of them with insertEvents.
 */
export function writeEventRow(e: StoredEvent, out: TsvWriter): void {
  values.fill(undefined);
  // The event's own columns, a handful of the forty: the others keep their defaults.
  const c = e.columns as Readonly<Record<string, unknown>>;
  for (const name in c) {
    const i = COLUMN_INDEX.get(name);
    if (i !== undefined) values[i] = c[name];
  }
  for (let i = 0; i < CELLS.length; i++) {
    if (i > 0) out.byte(TAB);
    // The cells the event itself fills win over anything its columns held under those names.
    switch (CELLS[i]!) {
      case Cell.Text: {
        const v = values[i];
        if (v !== undefined && v !== null) out.text(typeof v === 'string' ? v : String(v));
        break;
      }
      case Cell.Int:
        writeInt(out, values[i], MAXIMA[i]!);
        break;
      case Cell.Strings:
        writeStrings(out, values[i]);
        break;
      case Cell.Time:
        writeTime(out, validTime(e.time) ? e.time : e.received, eventDays);
        break;
      case Cell.Received:
        writeTime(out, e.received, receiveDays);
        break;
      case Cell.Tenant:
        out.text(e.tenant);
        break;
      case Cell.EventId:
        out.text(e.eventId);
        break;
      case Cell.Source:
        out.text(e.source ?? '');
        break;
      case Cell.RuleIds:
        writeStrings(out, e.ruleIds);
        break;
      case Cell.Fields:
        writeFields(out, e.fields);
        break;
      case Cell.Raw:
        out.text(e.raw);
        break;
    }
  }
  out.byte(NEWLINE);
}

const scratch = new TsvBytes();

/** writeEventRow as a string, without its newline: for a few rows (tests, tools). */
export function eventRow(e: StoredEvent): string {
  scratch.clear();
  writeEventRow(e, scratch);
  const bytes = scratch.bytes();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength - 1).toString('utf8');
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
