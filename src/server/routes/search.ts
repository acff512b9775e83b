import {
  exportEvents,
  exportHeader,
  exportLine,
  parseRaw,
  MAX_IOCS,
  MAX_SEARCH_LIMIT,
  parseCount,
  parseRange,
  searchEvents,
  SearchRequestError,
  sweepIocs,
} from '../../search/index.js';
import { authorize } from '../auth.js';
import type { RequestContext } from '../context.js';
import { HttpError, readJson, sendJson, type Router } from '../http.js';

const DAY = 8.64e7;
const MAX_EXPORT = 1_000_000;

async function requestFields(ctx: RequestContext): Promise<Record<string, unknown>> {
  if (ctx.req.method !== 'POST') return Object.fromEntries(ctx.url.searchParams);
  const body = await readJson(ctx.req, 4 * 1024 * 1024);
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new HttpError(400, 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

function queryText(body: Record<string, unknown>): string {
  const query = body.query ?? body.q ?? '';
  if (typeof query !== 'string') throw new SearchRequestError('"query" must be a string');
  return query;
}

const yes = (v: unknown) => v === true || v === 'true' || v === '1';

export function searchRoutes(router: Router<RequestContext>): void {
  const search = async (ctx: RequestContext) => {
    authorize(ctx.principal, 'read');
    const body = await requestFields(ctx);
    const result = await searchEvents(ctx.services.store, ctx.tenant, {
      query: queryText(body),
      ...parseRange(body.from, body.to, DAY),
      limit: parseCount(body.limit, 100, MAX_SEARCH_LIMIT, 'limit'),
      offset: parseCount(body.offset, 0, 1_000_000, 'offset'),
      raw: yes(body.raw),
    });
    sendJson(ctx.res, 200, result);
  };
  router.on('GET', '/api/v1/search', search);
  router.on('POST', '/api/v1/search', search);

  // Streams every match, oldest first: JSON lines or CSV, with bounded memory.
  const exportRoute = async (ctx: RequestContext) => {
    authorize(ctx.principal, 'read');
    const body = await requestFields(ctx);
    const format = String(body.format ?? 'jsonl');
    if (format !== 'jsonl' && format !== 'csv') throw new HttpError(400, '"format" is jsonl or csv');
    const rows = exportEvents(ctx.services.store, ctx.tenant, {
      query: queryText(body),
      ...parseRange(body.from, body.to, DAY),
      raw: format === 'jsonl' && yes(body.raw),
      max: parseCount(body.limit, MAX_EXPORT, MAX_EXPORT, 'limit'),
    });
    const first = await rows.next(); // errors in the query still get a clean 400
    const res = ctx.res;
    res.writeHead(200, {
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
      'content-disposition': `attachment; filename="vigil-events.${format}"`,
      'cache-control': 'no-store',
    });
    let chunk: string[] = [exportHeader(format)];
    const flush = async () => {
      if (chunk.length === 0) return;
      const ok = res.write(chunk.join(''));
      chunk = [];
      if (!ok) await new Promise((r) => res.once('drain', r));
    };
    if (!first.done) chunk.push(exportLine(format, first.value));
    for await (const e of rows) {
      if (res.destroyed) return;
      chunk.push(exportLine(format, e));
      if (chunk.length >= 1000) await flush();
    }
    await flush();
    res.end();
  };
  router.on('GET', '/api/v1/search/export', exportRoute);
  router.on('POST', '/api/v1/search/export', exportRoute);

  router.on('POST', '/api/v1/sweep', async (ctx) => {
    authorize(ctx.principal, 'read');
    const body = await requestFields(ctx);
    const raw = body.iocs;
    const iocs =
      typeof raw === 'string'
        ? raw.split(/[\s,;]+/)
        : Array.isArray(raw) && raw.every((x) => typeof x === 'string')
          ? (raw as string[])
          : null;
    if (iocs === null)
      throw new HttpError(400, '"iocs" must be an array of strings, or text with one IOC per line');
    if (iocs.length > MAX_IOCS) throw new HttpError(400, `at most ${MAX_IOCS} IOCs per sweep`);
    const range = parseRange(body.from, body.to, 30 * DAY);
    sendJson(ctx.res, 200, { ...range, ...(await sweepIocs(ctx.services.store, ctx.tenant, iocs, range)) });
  });

  router.on('GET', '/api/v1/events/:id', async (ctx, params) => {
    authorize(ctx.principal, 'read');
    const [row] = await ctx.services.store.query<Record<string, unknown>>(
      'SELECT * EXCEPT (fields) FROM events WHERE tenant = {tenant:String} AND event_id = {id:String} LIMIT 1',
      { tenant: ctx.tenant, id: params.id },
    );
    if (row === undefined) throw new HttpError(404, 'no such event');
    sendJson(ctx.res, 200, { ...row, raw: parseRaw(row.raw) });
  });

  // Triage: alerts grouped by rule or by host, so 100k alerts read as a few hundred rows.
  router.on('GET', '/api/v1/alerts/groups', async (ctx) => {
    authorize(ctx.principal, 'read');
    const q = ctx.url.searchParams;
    const by = q.get('by') ?? 'rule';
    if (by !== 'rule' && by !== 'host') throw new HttpError(400, '"by" is rule or host');
    const range = parseRange(q.get('from'), q.get('to'), 7 * DAY);
    const limit = parseCount(q.get('limit'), 200, 5000, 'limit');
    const key = by === 'rule' ? 'rule_id' : 'host';
    const other = by === 'rule' ? 'host' : 'rule_id';
    const groups = await ctx.services.store.query<Record<string, string | number>>(
      `SELECT ${key} AS key, any(${by === 'rule' ? 'rule_title' : 'host'}) AS title, count() AS n,
         uniqExact(${other}) AS spread, argMax(level, indexOf(['informational','low','medium','high','critical'], level)) AS level,
         toUnixTimestamp64Milli(min(ts)) AS first, toUnixTimestamp64Milli(max(ts)) AS last
       FROM alerts WHERE tenant = {tenant:String} AND ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts <= fromUnixTimestamp64Milli({to:Int64})
       GROUP BY key ORDER BY n DESC LIMIT {limit:UInt32}`,
      { tenant: ctx.tenant, ...range, limit },
    );
    sendJson(ctx.res, 200, {
      by,
      groups: groups.map((g) => ({
        key: String(g.key),
        title: String(g.title),
        alerts: Number(g.n),
        [by === 'rule' ? 'hosts' : 'rules']: Number(g.spread),
        level: String(g.level),
        first: Number(g.first),
        last: Number(g.last),
      })),
    });
  });

  router.on('GET', '/api/v1/alerts', async (ctx) => {
    authorize(ctx.principal, 'read');
    const q = ctx.url.searchParams;
    const range = parseRange(q.get('from'), q.get('to'), 7 * DAY);
    const limit = parseCount(q.get('limit'), 100, MAX_SEARCH_LIMIT, 'limit');
    const offset = parseCount(q.get('offset'), 0, 1_000_000, 'offset');
    const where = `tenant = {tenant:String} AND ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts <= fromUnixTimestamp64Milli({to:Int64})
      AND ({rule:String} = '' OR rule_id = {rule:String}) AND ({host:String} = '' OR host = {host:String}) AND ({level:String} = '' OR level = {level:String})`;
    const params = {
      tenant: ctx.tenant,
      ...range,
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
