import { authorize, ROLES, type Role } from '../auth.js';
import type { RequestContext } from '../context.js';
import { HttpError, readJson, sendJson, type Router } from '../http.js';

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

  router.on('GET', '/api/v1/status', async (ctx) => {
    authorize(ctx.principal, 'read');
    const s = ctx.services;
    sendJson(ctx.res, 200, {
      store: s.store.kind,
      retentionDays: s.config.retentionDays,
      pipeline: { ...s.processor.stats, backlogBytes: s.intake.wal.lagBytes() },
      incidents: { ...s.incidentBuilder.stats, unwritten: s.incidentBuilder.unwritten },
      rules: {
        loaded: s.detector.rules.length,
        compiled: s.detector.compiledRuleCount,
        errors: s.detector.errors.length,
      },
    });
  });
}
