import type { JsonObject } from '../ingest/types.js';

/** What an ingest request becomes once accepted: its records and who sent them. */
export interface IngestBatch {
  readonly tenant: string;
  /** The client's idempotency key, if it sent one. */
  readonly key: string | null;
  /** Epoch ms when the server accepted it. */
  readonly received: number;
  /** The front door it came through (`http:ndjson`, `http:evtx`, `syslog:tcp`, ...). */
  readonly via: string;
  readonly records: readonly JsonObject[];
  /** Each record as JSON text (what is stored as the original record). */
  readonly lines: readonly string[];
  /** `lines` joined by newlines, as UTF-8, when the caller has them so (a request body). */
  readonly linesBytes?: Buffer;
}

interface Header {
  readonly v: 1;
  readonly tenant: string;
  readonly key: string | null;
  readonly received: number;
  readonly via: string;
  readonly count: number;
}

/** Builds a batch, serializing each record once: the text is both the log payload and `raw`. */
export function makeBatch(
  tenant: string,
  key: string | null,
  via: string,
  records: readonly JsonObject[],
  received = Date.now(),
  /** The records' text as received, one line each, when the caller has it: kept as the original. */
  lines?: readonly string[],
  /** Those lines joined by newlines, as bytes, when the caller has them so. */
  linesBytes?: Buffer,
): IngestBatch {
  const asReceived =
    lines !== undefined && lines.length === records.length && lines.every((l) => !l.includes('\n'));
  const text = asReceived ? lines : records.map((r) => JSON.stringify(r));
  return {
    tenant,
    key,
    received,
    via,
    records,
    lines: text,
    ...(asReceived && linesBytes ? { linesBytes } : {}),
  };
}

/** The log payload: a header line, then one record per line (JSON never holds a raw newline). */
export function encodeBatch(b: IngestBatch): Buffer {
  const header: Header = {
    v: 1,
    tenant: b.tenant,
    key: b.key,
    received: b.received,
    via: b.via,
    count: b.lines.length,
  };
  if (b.linesBytes !== undefined)
    return Buffer.concat([Buffer.from(JSON.stringify(header) + '\n'), b.linesBytes]);
  return Buffer.from(JSON.stringify(header) + '\n' + b.lines.join('\n'), 'utf8');
}

export function decodeBatch(payload: Buffer): IngestBatch {
  const b = decodeBatchLines(payload);
  return { ...b, records: b.lines.map((l) => JSON.parse(l) as JsonObject) };
}

/**
 * The batch with its records still as text: a reader that parses each record as it goes (the
 * enrich worker) lets each parsed record die young, instead of holding the whole batch parsed.
 */
export function decodeBatchLines(payload: Buffer): Omit<IngestBatch, 'records'> {
  const nl = payload.indexOf(10);
  const header = JSON.parse(payload.toString('utf8', 0, nl < 0 ? payload.length : nl)) as Header;
  if (header.v !== 1) throw new Error(`unknown ingest log record version ${String(header.v)}`);
  // Line by line: one string for the whole record would be a large object, placed in memory never
  // touched before for every record (a page fault per 4 KiB), and each line a slice holding it.
  const lines: string[] = [];
  if (header.count !== 0 && nl >= 0)
    for (let start = nl + 1; ;) {
      const end = payload.indexOf(10, start);
      lines.push(payload.toString('utf8', start, end < 0 ? payload.length : end));
      if (end < 0 || lines.length > header.count) break;
      start = end + 1;
    }
  if (lines.length > header.count)
    throw new Error(`ingest log record holds more than the ${header.count} records its header counts`);
  if (lines.length < header.count)
    throw new Error(`ingest log record holds ${lines.length} of ${header.count} records`);
  return { tenant: header.tenant, key: header.key, received: header.received, via: header.via, lines };
}

/** Only the header: enough to rebuild the idempotency index without parsing records. */
export function batchKey(payload: Buffer): { tenant: string; key: string | null } {
  const end = payload.indexOf(10);
  const header = JSON.parse(payload.subarray(0, end < 0 ? payload.length : end).toString('utf8')) as Header;
  return { tenant: header.tenant, key: header.key };
}
