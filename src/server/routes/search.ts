import { compileSearch, SearchSyntaxError } from '../../query/index.js';
import { eventField } from '../../store/index.js';
import { authorize } from '../auth.js';
import type { RequestContext } from '../context.js';
import { HttpError, readJson, sendJson, type Router } from '../http.js';

const FACETS = ['host', 'source', 'channel', 'event_code', 'user_name', 'process_executable'] as const;
const LIST_COLUMNS =
  'event_id, ts, host, source, channel, event_code, user_name, process_executable, process_command_line, rule_ids';
const MAX_LIMIT = 10_000;

interface SearchRequest {
  readonly query: string;
  readonly from: number;
  readonly to: number;
  readonly limit: number;
  readonly offset: number;
  readonly raw: boolean;
}

function time(v: unknown, fallback: number, name: string, now: number): number {
  if (v === undefined || v === null || v === '') return fallback;
  const s = String(v);
  const rel = /^now(?:-(\d+)([smhdw]))?$/.exec(s);
  if (rel) {
    const unit =
      { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8 }[rel[2] as 's' | 'm' | 'h' | 'd' | 'w'] ?? 0;
    return now - Number(rel[1] ?? 0) * unit;
  }
  const t = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
  if (!Number.isFinite(t))
    throw new HttpError(400, `"${name}" is not a time: use ISO 8601, epoch ms or now-15m`);
  return t;
}

function int(v: unknown, fallback: number, max: number, name: string): number {
  if (v === undefined || v === null || v === '') return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0 || n > max)
    throw new HttpError(400, `"${name}" must be an integer from 0 to ${max}`);
  return n;
}

async function searchRequest(ctx: RequestContext): Promise<SearchRequest> {
  const body =
    ctx.req.method === 'POST'
      ? ((await readJson(ctx.req, 1024 * 1024)) as Record<string, unknown>)
      : Object.fromEntries(ctx.url.searchParams);
  const now = Date.now();
  const query = body.query ?? body.q ?? '';
  if (typeof query !== 'string') throw new HttpError(400, '"query" must be a string');
  const from = time(body.from, now - 24 * 3.6e6, 'from', now);
  const to = time(body.to, now, 'to', now);
  if (from > to) throw new HttpError(400, '"from" is after "to"');
  return {
    query,
    from,
    to,
    limit: int(body.limit, 100, MAX_LIMIT, 'limit'),
    offset: int(body.offset, 0, 1_000_000, 'offset'),
    raw: body.raw === true || body.raw === 'true',
  };
}

/** A histogram bucket width that gives about 60 bars over the range. */
function bucketSeconds(from: number, to: number): number {
  const steps = [1, 5, 10, 30, 60, 300, 600, 1800, 3600, 10800, 21600, 43200, 86400, 604800];
  const want = (to - from) / 1000 / 60;
  return steps.find((s) => s >= want) ?? 604800;
}

export function searchRoutes(router: Router<RequestContext>): void {
  const search = async (ctx: RequestContext) => {
    authorize(ctx.principal, 'read');
    const r = await searchRequest(ctx);
    let compiled;
    try {
      compiled =
        r.query.trim() === ''
          ? { where: '1', params: {} }
          : compileSearch(r.query, eventField, { now: Date.now() });
    } catch (e) {
      if (e instanceof SearchSyntaxError) throw new HttpError(400, e.message, { position: e.position });
      throw e;
    }
    const where = `tenant = {tenant:String} AND ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts <= fromUnixTimestamp64Milli({to:Int64}) AND (${compiled.where})`;
    const params = { ...compiled.params, tenant: ctx.tenant, from: r.from, to: r.to };
    const store = ctx.services.store;
    const bucket = bucketSeconds(r.from, r.to);
    const [total, events, histogram, ...facets] = await Promise.all([
      store.query<{ n: string }>(`SELECT count() AS n FROM events WHERE ${where}`, params),
      store.query<Record<string, unknown>>(
        `SELECT ${LIST_COLUMNS}${r.raw ? ', raw' : ''} FROM events WHERE ${where} ORDER BY ts DESC, event_id LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
        { ...params, limit: r.limit, offset: r.offset },
      ),
      store.query<{ t: string; n: string }>(
        `SELECT toString(toStartOfInterval(ts, toIntervalSecond({bucket:UInt32}))) AS t, count() AS n FROM events WHERE ${where} GROUP BY t ORDER BY t`,
        { ...params, bucket },
      ),
      ...FACETS.map((f) =>
        store.query<{ value: string; n: string }>(
          `SELECT toString(${f}) AS value, count() AS n FROM events WHERE ${where} AND notEmpty(toString(${f})) GROUP BY value ORDER BY n DESC, value LIMIT 10`,
          params,
        ),
      ),
    ]);
    sendJson(ctx.res, 200, {
      total: Number(total[0]?.n ?? 0),
      events: events.map((e) => (r.raw && typeof e.raw === 'string' ? { ...e, raw: safeJson(e.raw) } : e)),
      histogram: { bucketSeconds: bucket, buckets: histogram.map((h) => ({ t: h.t, n: Number(h.n) })) },
      facets: Object.fromEntries(
        FACETS.map((f, i) => [f, facets[i]!.map((x) => ({ value: x.value, n: Number(x.n) }))]),
      ),
    });
  };
  router.on('GET', '/api/v1/search', search);
  router.on('POST', '/api/v1/search', search);

  router.on('GET', '/api/v1/events/:id', async (ctx, params) => {
    authorize(ctx.principal, 'read');
    const [row] = await ctx.services.store.query<Record<string, unknown>>(
      'SELECT * EXCEPT (fields) FROM events WHERE tenant = {tenant:String} AND event_id = {id:String} LIMIT 1',
      { tenant: ctx.tenant, id: params.id },
    );
    if (row === undefined) throw new HttpError(404, 'no such event');
    sendJson(ctx.res, 200, { ...row, raw: typeof row.raw === 'string' ? safeJson(row.raw) : null });
  });

  router.on('GET', '/api/v1/alerts', async (ctx) => {
    authorize(ctx.principal, 'read');
    const q = ctx.url.searchParams;
    const now = Date.now();
    const from = time(q.get('from'), now - 7 * 8.64e7, 'from', now);
    const to = time(q.get('to'), now, 'to', now);
    const limit = int(q.get('limit'), 100, MAX_LIMIT, 'limit');
    const offset = int(q.get('offset'), 0, 1_000_000, 'offset');
    const where = `tenant = {tenant:String} AND ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts <= fromUnixTimestamp64Milli({to:Int64})
      AND ({rule:String} = '' OR rule_id = {rule:String}) AND ({host:String} = '' OR host = {host:String}) AND ({level:String} = '' OR level = {level:String})`;
    const params = {
      tenant: ctx.tenant,
      from,
      to,
      rule: q.get('rule') ?? '',
      host: q.get('host') ?? '',
      level: q.get('level') ?? '',
    };
    const [total, alerts] = await Promise.all([
      ctx.services.store.query<{ n: string }>(`SELECT count() AS n FROM alerts WHERE ${where}`, params),
      ctx.services.store.query<Record<string, unknown>>(
        `SELECT * EXCEPT (created) FROM alerts WHERE ${where} ORDER BY ts DESC, alert_id LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
        { ...params, limit, offset },
      ),
    ]);
    sendJson(ctx.res, 200, { total: Number(total[0]?.n ?? 0), alerts });
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
