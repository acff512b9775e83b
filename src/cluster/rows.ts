import type { IncidentInput } from '../correlate/index.js';
import { EVENT_ROW_COLUMNS, insertEvents, type Store } from '../store/index.js';

/**
 * What a worker hands to the store for one event message: the event rows (RowBinary, see
 * writeEventRow), the alerts as JSONEachRow, and what incident building needs. On the rows stream
 * it travels as a JSON header line followed by the event rows as they are.
 */
export interface PreparedRows {
  /** The source message's identity (`<stream epoch>-<sequence>`): the store's dedup token. */
  readonly id: string;
  readonly eventCount: number;
  /** writeEventRow rows, back to back. */
  readonly events: Uint8Array;
  /**
   * Rows an older Vigil left on the stream, in the format it wrote: JSONEachRow (header v1) or
   * TabSeparated (v2).
   */
  readonly legacyFormat?: 'JSONEachRow' | 'TabSeparated';
  readonly alerts: readonly string[];
  readonly incidents: readonly IncidentInput[];
}

interface Header {
  readonly v: 1 | 2 | 3;
  readonly id: string;
  readonly eventCount: number;
  readonly alerts: readonly string[];
  readonly incidents: readonly IncidentInput[];
}

export function encodeRows(r: PreparedRows): Buffer {
  const header: Header = {
    v: 3,
    id: r.id,
    eventCount: r.eventCount,
    alerts: r.alerts,
    incidents: r.incidents,
  };
  return Buffer.concat([Buffer.from(JSON.stringify(header) + '\n'), r.events]);
}

export function decodeRows(payload: Uint8Array): PreparedRows {
  const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const nl = buf.indexOf(10);
  if (nl < 0) throw new Error('rows message without a header line');
  const header = JSON.parse(buf.subarray(0, nl).toString('utf8')) as Partial<Header>;
  if (header.v !== 1 && header.v !== 2 && header.v !== 3)
    throw new Error(`unknown rows message version ${String(header.v)}`);
  if (typeof header.id !== 'string' || header.id === '') throw new Error('rows message without an id');
  if (
    !Number.isInteger(header.eventCount) ||
    !Array.isArray(header.alerts) ||
    !Array.isArray(header.incidents)
  )
    throw new Error('rows message header is incomplete');
  return {
    id: header.id,
    eventCount: header.eventCount!,
    alerts: header.alerts,
    incidents: header.incidents,
    events: buf.subarray(nl + 1),
    ...(header.v === 1
      ? { legacyFormat: 'JSONEachRow' }
      : header.v === 2
        ? { legacyFormat: 'TabSeparated' }
        : {}),
  };
}

/**
 * Stores one message's rows, idempotently: the tokens come from the source message, so a
 * redelivered message (or a replayed rows message) is dropped by ClickHouse. Alerts go first, as
 * in the single-node pipeline: an event is never visible without the alerts it raised.
 */
export async function storeRows(store: Store, rows: PreparedRows): Promise<void> {
  if (rows.alerts.length > 0)
    await store.insert('alerts', Buffer.from(rows.alerts.join('\n')), { dedupToken: `ca:${rows.id}` });
  // A message for incident building only (the worker stored its rows itself) has no events.
  if (rows.events.byteLength === 0) return;
  await insertRowsEvents(store, [rows], `ce:${rows.id}`);
}

async function insertRowsEvents(
  store: Store,
  rows: readonly PreparedRows[],
  dedupToken?: string,
): Promise<void> {
  const current = rows.filter((r) => r.legacyFormat === undefined).map((r) => r.events);
  if (current.length > 0) await insertEvents(store, current, dedupToken);
  for (const format of ['JSONEachRow', 'TabSeparated'] as const) {
    const legacy = rows.filter((r) => r.legacyFormat === format).map((r) => r.events);
    if (legacy.length > 0)
      await store.insert('events', legacy, {
        format,
        ...(format === 'TabSeparated' ? { columns: EVENT_ROW_COLUMNS } : {}),
        ...(dedupToken === undefined ? {} : { dedupToken }),
      });
  }
}

/** A message's first event id: event ids are the message's id and the event's index. */
export const firstEventId = (rows: PreparedRows): string => `${rows.id}-0`;

interface AlertKey {
  readonly alert_id: string;
  readonly tenant: string;
  readonly ts: string;
}

/**
 * Stores many messages' rows with one insert per table: ClickHouse (and chDB) pay a fixed cost per
 * insert, a new part, which dominated when every small message was its own insert. Per-message
 * dedup tokens cannot span a batch whose make-up differs on redelivery, so what is already stored
 * is looked up instead: a message whose first event is stored was stored whole (its events are in
 * one block), and alerts are kept out one by one by their ids. Alerts go first, as everywhere.
 * Returns the number of messages whose events were already stored.
 */
export async function storeRowsBatch(store: Store, batch: readonly PreparedRows[]): Promise<number> {
  const alerts = batch.flatMap((r) => r.alerts);
  if (alerts.length > 0) {
    const keys = alerts.map((a) => JSON.parse(a) as AlertKey);
    const times = keys.map((k) => k.ts).sort();
    const seen = await store.query<{ alert_id: string }>(
      `SELECT DISTINCT alert_id FROM alerts
       WHERE tenant IN {tenants:Array(String)}
         AND ts >= toDateTime64({from:String}, 3, 'UTC') AND ts <= toDateTime64({to:String}, 3, 'UTC')
         AND alert_id IN {ids:Array(String)}`,
      {
        tenants: [...new Set(keys.map((k) => k.tenant))],
        from: times[0]!,
        to: times.at(-1)!,
        ids: keys.map((k) => k.alert_id),
      },
    );
    const stored = new Set(seen.map((s) => s.alert_id));
    const fresh = alerts.filter((_, i) => !stored.has(keys[i]!.alert_id));
    if (fresh.length > 0) await store.insert('alerts', Buffer.from(fresh.join('\n')));
  }
  const withEvents = batch.filter((r) => r.events.byteLength > 0);
  if (withEvents.length === 0) return 0;
  const seen = await store.query<{ event_id: string }>(
    'SELECT DISTINCT event_id FROM events WHERE event_id IN {ids:Array(String)}',
    { ids: withEvents.map(firstEventId) },
  );
  const stored = new Set(seen.map((s) => s.event_id));
  const fresh = withEvents.filter((r) => !stored.has(firstEventId(r)));
  if (fresh.length > 0) await insertRowsEvents(store, fresh);
  return withEvents.length - fresh.length;
}
