import type { IncidentInput } from '../correlate/index.js';
import type { Store } from '../store/index.js';

/**
 * What a worker hands to the store for one event message: the events and alerts as JSONEachRow,
 * and what incident building needs. On the rows stream it travels as a JSON header line followed
 * by the event rows (already JSONEachRow text, so they are not escaped again).
 */
export interface PreparedRows {
  /** The source message's identity (`<stream epoch>-<sequence>`): the store's dedup token. */
  readonly id: string;
  readonly eventCount: number;
  /** JSONEachRow lines, each ending in a newline. */
  readonly events: Uint8Array;
  readonly alerts: readonly string[];
  readonly incidents: readonly IncidentInput[];
}

interface Header {
  readonly v: 1;
  readonly id: string;
  readonly eventCount: number;
  readonly alerts: readonly string[];
  readonly incidents: readonly IncidentInput[];
}

export function encodeRows(r: PreparedRows): Buffer {
  const header: Header = {
    v: 1,
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
  if (header.v !== 1) throw new Error(`unknown rows message version ${String(header.v)}`);
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
  const events = Buffer.from(rows.events.buffer, rows.events.byteOffset, rows.events.byteLength);
  await store.insert('events', events, { dedupToken: `ce:${rows.id}` });
}
