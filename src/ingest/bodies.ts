import type { VigilError } from '../core/errors.js';
import { readEvtxBuffer } from './evtx/index.js';
import { readJsonRecords } from './json/index.js';
import type { JsonObject } from './types.js';

/**
 * Request bodies of the network front doors, parsed into records. A bad record is a rejection
 * with where and why; its neighbours are kept.
 */
export interface Rejection {
  /** 1-based line (text formats), or byte offset (EVTX). */
  readonly line?: number;
  readonly offset?: number;
  readonly reason: string;
}

export interface ParsedBody {
  readonly records: JsonObject[];
  readonly rejected: Rejection[];
  /** Each record's text as the client sent it, when the body was plain NDJSON. */
  readonly lines?: string[];
  /**
   * The lines as the client's bytes, joined by newlines, when the body was exactly that (nothing
   * trimmed or skipped): the ingest log takes them without encoding the text again.
   */
  readonly linesBytes?: Buffer;
}

const MAX_REJECTIONS_LISTED = 1000;

function reject(out: ParsedBody, r: Rejection): void {
  if (out.rejected.length < MAX_REJECTIONS_LISTED) out.rejected.push(r);
}

function rejection(e: VigilError): Rejection {
  const loc = e.location;
  return {
    ...(loc.line !== undefined ? { line: loc.line } : {}),
    ...(loc.line === undefined && loc.offset !== undefined ? { offset: loc.offset } : {}),
    reason: e.message,
  };
}

/** At most this many brackets cannot nest deeper than the depth limit: no need to measure. */
function deeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (depth > limit) return true;
    if (v !== null && typeof v === 'object')
      for (const child of Object.values(v as object)) stack.push([child, depth + 1]);
  }
  return false;
}

function bracketCount(line: string): number {
  let n = 0;
  for (let i = line.indexOf('{'); i >= 0; i = line.indexOf('{', i + 1)) n++;
  for (let i = line.indexOf('['); i >= 0; i = line.indexOf('[', i + 1)) n++;
  return n;
}

/**
 * The common case, fast: one JSON object per line, parsed natively, each line kept as the
 * record's original text. Anything else (a bad line, an array, a value that is not an object,
 * nesting beyond the limit) returns null, and the full reader takes the body, with its exact
 * rejections.
 */
function plainNdjson(body: Buffer, maxDepth: number): (ParsedBody & { total: number }) | null {
  const text = body.toString('utf8');
  const first = text.trimStart()[0];
  if (first !== '{') return null;
  const records: JsonObject[] = [];
  const lines: string[] = [];
  let start = 0;
  let verbatim = true;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const untrimmed = text.slice(start, end);
    const line = untrimmed.trim();
    start = end + 1;
    if (line === '' || line !== untrimmed) verbatim = false;
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return null;
    }
    if (!isObject(value)) return null;
    if (bracketCount(line) > maxDepth && deeperThan(value, maxDepth)) return null;
    records.push(value);
    lines.push(line);
  }
  // Bytes that were not UTF-8 decode to U+FFFD: then only the decoded text is the record.
  const linesBytes =
    verbatim && Buffer.byteLength(text) === body.length
      ? body.subarray(0, text.endsWith('\n') ? body.length - 1 : body.length)
      : undefined;
  return { records, rejected: [], lines, total: records.length, ...(linesBytes ? { linesBytes } : {}) };
}

/** NDJSON, a JSON array of objects, or concatenated objects: told apart by the body itself. */
export async function parseJsonBody(body: Buffer, maxDepth = 128): Promise<ParsedBody & { total: number }> {
  const fast = plainNdjson(body, maxDepth);
  if (fast !== null) return fast;
  const out: ParsedBody = { records: [], rejected: [] };
  let total = 0;
  for await (const r of readJsonRecords(once(body), 'request', {
    maxRecordBytes: body.length + 1,
    maxDepth,
  })) {
    total++;
    if (r.ok) out.records.push(r.value.event);
    else reject(out, rejection(r.error as VigilError));
  }
  return { ...out, total };
}

/** A raw EVTX file: every readable record; a damaged chunk costs only its own records. */
export function parseEvtxBody(body: Buffer): ParsedBody & { lost: number } {
  const out: ParsedBody = { records: [], rejected: [] };
  let lost = 0;
  for (const r of readEvtxBuffer(body)) {
    if (r.ok) out.records.push(r.value.toJSON());
    else {
      lost += r.error.recordsLost ?? 0;
      reject(out, { offset: r.error.offset, reason: r.error.message });
    }
  }
  return { ...out, lost };
}

export interface BulkItem {
  readonly action: string;
  readonly index: string | null;
  readonly id: string | null;
  /** Index into records, or null when the item was rejected. */
  readonly record: number | null;
  readonly error: string | null;
}

/**
 * Elasticsearch's `_bulk` body: an action line, then (for index/create) a document line. Only
 * `index` and `create` store events; `update` and `delete` are refused per item, as Vigil's
 * events are immutable.
 */
export function parseBulkBody(body: Buffer, defaultIndex: string | null): ParsedBody & { items: BulkItem[] } {
  const out = { records: [] as JsonObject[], rejected: [] as Rejection[], items: [] as BulkItem[] };
  const lines = body.toString('utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.trim();
    if (text === '') continue;
    const lineNo = i + 1;
    let action: unknown;
    try {
      action = JSON.parse(text);
    } catch (e) {
      reject(out, { line: lineNo, reason: `action line is not JSON: ${(e as Error).message}` });
      out.items.push({
        action: 'index',
        index: defaultIndex,
        id: null,
        record: null,
        error: 'invalid action line',
      });
      continue;
    }
    const [name, meta] = isObject(action) ? (Object.entries(action)[0] ?? []) : [];
    const m = isObject(meta) ? meta : {};
    const index = typeof m._index === 'string' ? m._index : defaultIndex;
    const id = typeof m._id === 'string' ? m._id : null;
    if (name === 'delete') {
      out.items.push({
        action: 'delete',
        index,
        id,
        record: null,
        error: 'events are immutable: delete is not supported',
      });
      continue;
    }
    const docLine = lines[i + 1];
    i++;
    if (name !== 'index' && name !== 'create') {
      const what = typeof name === 'string' ? name : 'unknown';
      reject(out, { line: lineNo, reason: `unsupported bulk action "${what}"` });
      out.items.push({ action: what, index, id, record: null, error: `unsupported bulk action "${what}"` });
      continue;
    }
    let doc: unknown;
    try {
      doc = JSON.parse(docLine ?? '');
    } catch (e) {
      reject(out, { line: lineNo + 1, reason: `document is not JSON: ${(e as Error).message}` });
      out.items.push({ action: name, index, id, record: null, error: 'document is not JSON' });
      continue;
    }
    if (!isObject(doc)) {
      reject(out, { line: lineNo + 1, reason: 'document is not a JSON object' });
      out.items.push({ action: name, index, id, record: null, error: 'document is not a JSON object' });
      continue;
    }
    out.items.push({ action: name, index, id, record: out.records.length, error: null });
    out.records.push(doc);
  }
  return out;
}

/**
 * Splunk HEC `/services/collector/event`: concatenated `{"event": ..., "time": ..., "host": ...}`
 * envelopes. String events become `{ message }`; HEC metadata lands under `hec.*`.
 */
export async function parseHecBody(body: Buffer): Promise<ParsedBody> {
  const parsed = await parseJsonBody(body);
  const out: ParsedBody = { records: [], rejected: parsed.rejected };
  parsed.records.forEach((env) => {
    const event = env.event;
    if (event === undefined || event === null || (typeof event === 'string' && event === '')) {
      reject(out, { reason: 'an HEC envelope needs a non-empty "event"' });
      return;
    }
    const record: JsonObject = isObject(event) ? { ...event } : { message: String(event) };
    const meta: JsonObject = {};
    for (const k of ['host', 'source', 'sourcetype', 'index', 'time'] as const)
      if (env[k] !== undefined) meta[k] = env[k]!;
    if (isObject(env.fields)) meta.fields = env.fields;
    if (Object.keys(meta).length > 0) record.hec = meta;
    if (record['@timestamp'] === undefined && typeof env.time === 'number' && Number.isFinite(env.time))
      record['@timestamp'] = new Date(env.time * 1000).toISOString();
    if (record['host.name'] === undefined && typeof env.host === 'string' && !isObject(record.host))
      record.host = { name: env.host };
    out.records.push(record);
  });
  return out;
}

/** HEC `/services/collector/raw`: one event per line of text. */
export function parseRawLines(body: Buffer, maxLine = 1024 * 1024): ParsedBody {
  const out: ParsedBody = { records: [], rejected: [] };
  body
    .toString('utf8')
    .split(/\r?\n/)
    .forEach((line, i) => {
      if (line.trim() === '') return;
      if (line.length > maxLine)
        reject(out, { line: i + 1, reason: `line longer than ${maxLine} characters` });
      else out.records.push({ message: line });
    });
  return out;
}

async function* once(body: Buffer): AsyncGenerator<Buffer> {
  yield body;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
