import { authorize, ROLES, type Role } from '../auth.js';
import type { RequestContext } from '../context.js';
import { HttpError, readJson, sendJson, type Router } from '../http.js';
import { renderMetrics, serverMetrics } from '../metrics.js';

const STARTED = Date.now();

export function adminRoutes(router: Router<RequestContext>): void {
  // Who the token is: the UI shows what its role may do.
  router.on('GET', '/api/v1/whoami', async (ctx) => {
    const p = ctx.principal;
    sendJson(ctx.res, 200, {
      tokenId: p.tokenId,
      name: p.name,
      role: p.role,
      tenant: ctx.tenant,
      ownTenant: p.tenant,
    });
  });

  router.on('GET', '/api/v1/tokens', async (ctx) => {
    authorize(ctx.principal, 'admin');
    sendJson(ctx.res, 200, { tokens: await ctx.services.tokens.list(ctx.tenant) });
  });

  router.on('POST', '/api/v1/tokens', async (ctx) => {
    authorize(ctx.principal, 'admin');
    const body = (await readJson(ctx.req, 64 * 1024)) as Record<string, unknown>;
    const role = body.role;
    if (typeof role !== 'string' || !ROLES.includes(role as Role))
      throw new HttpError(400, `"role" must be one of ${ROLES.join(', ')}`);
    const tenant = typeof body.tenant === 'string' ? body.tenant : ctx.tenant;
    const name = typeof body.name === 'string' ? body.name : '';
    const { token, principal } = await ctx.services.tokens.create(tenant, role as Role, name);
    ctx.services.log(
      `token ${principal.tokenId} (${role}, tenant ${tenant}) created by ${ctx.principal.tokenId}`,
    );
    // The only time the token is ever shown.
    sendJson(ctx.res, 201, { token, id: principal.tokenId, tenant, role, name: principal.name });
  });

  router.on('DELETE', '/api/v1/tokens/:id', async (ctx, params) => {
    authorize(ctx.principal, 'admin');
    if (!(await ctx.services.tokens.revoke(params.id!, ctx.tenant)))
      throw new HttpError(404, 'no such token in this tenant');
    ctx.services.log(`token ${params.id} revoked by ${ctx.principal.tokenId}`);
    sendJson(ctx.res, 200, { revoked: params.id });
  });

  // Retention applies to the whole store, so it is an admin's (admins act for every tenant).
  router.on('PUT', '/api/v1/settings/retention', async (ctx) => {
    authorize(ctx.principal, 'admin');
    const body = (await readJson(ctx.req, 4096)) as { days?: unknown } | null;
    const before = ctx.services.retention.days;
    await ctx.services.retention.set(body?.days);
    ctx.services.log(
      `retention changed from ${before} to ${ctx.services.retention.days} days by ${ctx.principal.tokenId}`,
    );
    sendJson(ctx.res, 200, { days: ctx.services.retention.days, source: ctx.services.retention.source });
  });

  // Tenants exist through their tokens, users and events; admins act for any of them.
  router.on('GET', '/api/v1/tenants', async (ctx) => {
    authorize(ctx.principal, 'admin');
    const rows = await ctx.services.store.query<{
      tenant: string;
      tokens: string | number;
      users: string | number;
      events: string | number;
    }>(
      `SELECT tenant, sum(t) AS tokens, sum(u) AS users, sum(e) AS events FROM (
         SELECT tenant, count() AS t, 0 AS u, 0 AS e FROM tokens FINAL
           WHERE revoked = 0 AND (toUnixTimestamp64Milli(expires) = 0 OR expires > now64(3)) GROUP BY tenant
         UNION ALL SELECT tenant, 0, count(), 0 FROM users FINAL WHERE disabled = 0 GROUP BY tenant
         UNION ALL SELECT tenant, 0, 0, count() FROM events WHERE ts >= now() - INTERVAL 1 DAY GROUP BY tenant
       ) GROUP BY tenant ORDER BY tenant`,
    );
    sendJson(ctx.res, 200, {
      tenants: rows.map((r) => ({
        tenant: r.tenant,
        tokens: Number(r.tokens),
        users: Number(r.users),
        eventsLastDay: Number(r.events),
      })),
    });
  });

  // Prometheus scrapes with a token (bearer_token or authorization in its scrape config): no
  // endpoint is open by default.
  router.on('GET', '/api/v1/metrics', async (ctx) => {
    authorize(ctx.principal, 'read');
    const body = renderMetrics(serverMetrics(ctx.services, STARTED, await ctx.services.pipeline.metrics()));
    ctx.res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(body);
  });

  router.on('GET', '/api/v1/status', async (ctx) => {
    authorize(ctx.principal, 'read');
    const s = ctx.services;
    const b = s.incidentBuilder;
    sendJson(ctx.res, 200, {
      store: s.store.kind,
      retentionDays: s.retention.days,
      retention: { days: s.retention.days, source: s.retention.source, editable: s.retention.editable },
      pipeline: await s.pipeline.status(),
      // An api node on a ClickHouse server builds none: `vigil writer` does.
      incidents: b === null ? null : { ...b.stats, unwritten: b.unwritten },
      rules: {
        loaded: s.detector.rules.length,
        compiled: s.detector.compiledRuleCount,
        errors: s.detector.errors.length,
      },
    });
  });
}
