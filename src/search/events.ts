import { csvLine } from '../core/csv.js';
import { compileSearch, SearchSyntaxError } from '../query/index.js';
import { eventField, type Store } from '../store/index.js';
import { rangeParams, SearchRequestError, TENANT_RANGE, type TimeRange } from './request.js';

export const FACET_FIELDS = [
  'host',
  'source',
  'channel',
  'event_code',
  'user_name',
  'process_executable',
] as const;
export const LIST_COLUMNS = [
  'event_id',
  'ts',
  'host',
  'source',
  'channel',
  'event_code',
  'user_name',
  'process_executable',
  'process_command_line',
  'rule_ids',
] as const;
export const MAX_SEARCH_LIMIT = 10_000;

export interface EventSearch extends TimeRange {
  readonly query: string;
  readonly limit: number;
  readonly offset: number;
  /** Include each event's original record. */
  readonly raw: boolean;
  /** Skip the total, histogram and facets (an export wants rows only). */
  readonly rowsOnly?: boolean;
}

export interface EventSearchResult {
  readonly total: number | null;
  readonly events: Record<string, unknown>[];
  readonly histogram: { bucketSeconds: number; buckets: { t: string; n: number }[] } | null;
  readonly facets: Record<string, { value: string; n: number }[]> | null;
}

/** A histogram bucket width that gives about 60 bars over the range. */
export function bucketSeconds(from: number, to: number): number {
  const steps = [1, 5, 10, 30, 60, 300, 600, 1800, 3600, 10800, 21600, 43200, 86400, 604800];
  const want = (to - from) / 1000 / 60;
  return steps.find((s) => s >= want) ?? 604800;
}

/** The WHERE clause and params of a search, for a tenant and a time range. */
export function searchWhere(
  tenant: string,
  s: TimeRange & { readonly query: string },
  now: number = Date.now(),
): { where: string; params: Record<string, unknown> } {
  let compiled;
  try {
    compiled =
      s.query.trim() === '' ? { where: '1', params: {} } : compileSearch(s.query, eventField, { now });
  } catch (e) {
    if (e instanceof SearchSyntaxError) throw new SearchRequestError(e.message, e.position);
    throw e;
  }
  return {
    where: `${TENANT_RANGE} AND (${compiled.where})`,
    params: { ...compiled.params, ...rangeParams(tenant, s) },
  };
}

/** A stored original record as JSON; text that is not JSON (a syslog line) as it is. */
export function parseRaw(text: unknown): unknown {
  if (typeof text !== 'string') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const withRaw = (e: Record<string, unknown>) => ({ ...e, raw: parseRaw(e.raw) });

export type ExportFormat = 'jsonl' | 'csv';

/** What an export starts with: the CSV header, or nothing. */
export function exportHeader(format: ExportFormat): string {
  return format === 'csv' ? csvLine(LIST_COLUMNS) : '';
}

/** One exported event: a JSON line (with its record when asked for), or a CSV row of the list columns. */
export function exportLine(format: ExportFormat, e: Record<string, unknown>): string {
  return format === 'csv' ? csvLine(LIST_COLUMNS.map((c) => e[c])) : `${JSON.stringify(e)}\n`;
}

/** Events that match a query, newest first, with a total, a histogram and top values per field. */
export async function searchEvents(store: Store, tenant: string, s: EventSearch): Promise<EventSearchResult> {
  const { where, params } = searchWhere(tenant, s);
  const rows = store.query<Record<string, unknown>>(
    `SELECT ${LIST_COLUMNS.join(', ')}${s.raw ? ', raw' : ''} FROM events WHERE ${where}
     ORDER BY ts DESC, event_id LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
    { ...params, limit: s.limit, offset: s.offset },
  );
  if (s.rowsOnly === true) {
    const events = await rows;
    return {
      total: null,
      events: s.raw ? events.map(withRaw) : events,
      histogram: null,
      facets: null,
    };
  }
  const bucket = bucketSeconds(s.from, s.to);
  const [total, events, histogram, ...facets] = await Promise.all([
    store.query<{ n: string }>(`SELECT count() AS n FROM events WHERE ${where}`, params),
    rows,
    store.query<{ t: string; n: string }>(
      `SELECT toString(toStartOfInterval(ts, toIntervalSecond({bucket:UInt32}))) AS t, count() AS n
       FROM events WHERE ${where} GROUP BY t ORDER BY t`,
      { ...params, bucket },
    ),
    ...FACET_FIELDS.map((f) =>
      store.query<{ value: string; n: string }>(
        `SELECT toString(${f}) AS value, count() AS n FROM events WHERE ${where} AND notEmpty(toString(${f}))
         GROUP BY value ORDER BY n DESC, value LIMIT 10`,
        params,
      ),
    ),
  ]);
  return {
    total: Number(total[0]?.n ?? 0),
    events: s.raw ? events.map(withRaw) : events,
    histogram: { bucketSeconds: bucket, buckets: histogram.map((h) => ({ t: h.t, n: Number(h.n) })) },
    facets: Object.fromEntries(
      FACET_FIELDS.map((f, i) => [f, facets[i]!.map((x) => ({ value: x.value, n: Number(x.n) }))]),
    ),
  };
}

/**
 * Every matching event, oldest first, in pages that follow (ts, event_id): an export of any size
 * with bounded memory and no OFFSET scans.
 */
export async function* exportEvents(
  store: Store,
  tenant: string,
  s: TimeRange & { readonly query: string; readonly raw: boolean; readonly max: number },
  pageSize = 5000,
): AsyncGenerator<Record<string, unknown>> {
  const { where, params } = searchWhere(tenant, s);
  let after: { ts: string; id: string } | null = null;
  let sent = 0;
  while (sent < s.max) {
    const page: Record<string, unknown>[] = await store.query<Record<string, unknown>>(
      `SELECT ${LIST_COLUMNS.join(', ')}${s.raw ? ', raw' : ''} FROM events WHERE ${where}
       ${after ? "AND (ts, event_id) > (toDateTime64({afterTs:String}, 3, 'UTC'), {afterId:String})" : ''}
       ORDER BY ts, event_id LIMIT {page:UInt32}`,
      {
        ...params,
        page: Math.min(pageSize, s.max - sent),
        ...(after ? { afterTs: after.ts, afterId: after.id } : {}),
      },
    );
    for (const e of page) yield s.raw ? withRaw(e) : e;
    sent += page.length;
    if (page.length < pageSize) return;
    const last = page.at(-1)!;
    after = { ts: String(last.ts), id: String(last.event_id) };
  }
}
