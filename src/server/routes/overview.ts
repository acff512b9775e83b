import { IncidentRepository } from '../../correlate/index.js';
import { parseRange, rangeParams, TENANT_RANGE } from '../../search/index.js';
import { authorize } from '../auth.js';
import type { RequestContext } from '../context.js';
import { sendJson, type Router } from '../http.js';

const DAY = 8.64e7;
const GAP_RULES = 'vigil.analytics.telemetry-gap%';

/** What the overview page shows, in one call: volume, alerts, open incidents, top talkers, gaps. */
export function overviewRoutes(router: Router<RequestContext>): void {
  router.on('GET', '/api/v1/overview', async (ctx) => {
    authorize(ctx.principal, 'read');
    const q = ctx.url.searchParams;
    const range = parseRange(q.get('from'), q.get('to'), DAY);
    const params = rangeParams(ctx.tenant, range);
    const store = ctx.services.store;
    // Bucket so that the chart has about 48 bars whatever the range.
    const bucketSeconds = Math.max(60, Math.ceil((range.to - range.from) / 48 / 1000 / 60) * 60);
    const [volume, severity, rules, hosts, gaps, incidents] = await Promise.all([
      store.query<{ t: number | string; source: string; n: number | string }>(
        `SELECT toUnixTimestamp(toStartOfInterval(ts, toIntervalSecond({bucket:UInt32}))) * 1000 AS t, source, count() AS n
         FROM events WHERE ${TENANT_RANGE} GROUP BY t, source ORDER BY t`,
        { ...params, bucket: bucketSeconds },
      ),
      store.query<{ level: string; n: number | string }>(
        `SELECT level, count() AS n FROM alerts WHERE ${TENANT_RANGE} GROUP BY level`,
        params,
      ),
      store.query<{ rule_id: string; title: string; n: number | string }>(
        `SELECT rule_id, any(rule_title) AS title, count() AS n FROM alerts WHERE ${TENANT_RANGE}
         GROUP BY rule_id ORDER BY n DESC LIMIT 10`,
        params,
      ),
      store.query<{ host: string; n: number | string }>(
        `SELECT host, count() AS n FROM alerts WHERE ${TENANT_RANGE} AND host != '' GROUP BY host ORDER BY n DESC LIMIT 10`,
        params,
      ),
      store.query<{ host: string; title: string; t: number | string; reason: string }>(
        `SELECT host, rule_title AS title, toUnixTimestamp64Milli(ts) AS t, fields['reason'] AS reason FROM alerts
         WHERE ${TENANT_RANGE} AND rule_id LIKE {gaps:String} ORDER BY ts DESC LIMIT 20`,
        { ...params, gaps: GAP_RULES },
      ),
      new IncidentRepository(store).list(ctx.tenant, { ...range, limit: 1000 }),
    ]);
    const open = incidents.filter((i) => i.state.status !== 'closed');
    sendJson(ctx.res, 200, {
      range,
      bucketSeconds,
      volume: volume.map((r) => ({ t: Number(r.t), source: r.source || 'other', n: Number(r.n) })),
      alertsBySeverity: Object.fromEntries(severity.map((r) => [r.level, Number(r.n)])),
      openIncidents: {
        total: open.length,
        bySeverity: open.reduce<Record<string, number>>(
          (m, i) => ((m[i.severity] = (m[i.severity] ?? 0) + 1), m),
          {},
        ),
        top: open.slice(0, 5).map((i) => ({ id: i.id, title: i.title, severity: i.severity, risk: i.risk })),
      },
      topRules: rules.map((r) => ({ id: r.rule_id, title: r.title, n: Number(r.n) })),
      topHosts: hosts.map((r) => ({ host: r.host, n: Number(r.n) })),
      quietSensors: gaps.map((g) => ({ host: g.host, title: g.title, time: Number(g.t), reason: g.reason })),
    });
  });
}
