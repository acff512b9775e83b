import { IncidentRequestError, STATUSES, type IncidentStatus } from '../../correlate/index.js';
import { LEVELS, type Level } from '../../detect/sigma/model.js';
import { parseCount, parseRange } from '../../search/index.js';
import { authorize } from '../auth.js';
import type { RequestContext } from '../context.js';
import { HttpError, readJson, sendJson, type Router } from '../http.js';
import type { Propagation } from '../pipeline-control.js';

const MONTH = 30 * 8.64e7;

async function jsonObject(ctx: RequestContext): Promise<Record<string, unknown>> {
  const body = await readJson(ctx.req, 64 * 1024);
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new HttpError(400, 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

/** Runs a repository call, turning the caller's mistakes into 400s. */
async function asked<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof IncidentRequestError) throw new HttpError(400, e.message);
    throw e;
  }
}

/** Who did it, for the record: the token's name and id. */
const authorOf = (ctx: RequestContext) => `${ctx.principal.name} (${ctx.principal.tokenId})`;

export function incidentRoutes(router: Router<RequestContext>): void {
  router.on('GET', '/api/v1/incidents', async (ctx) => {
    authorize(ctx.principal, 'read');
    const q = Object.fromEntries(ctx.url.searchParams);
    const status = q.status;
    if (status !== undefined && !(STATUSES as readonly string[]).includes(status))
      throw new HttpError(400, `"status" is one of ${STATUSES.join(', ')}`);
    const severity = q.severity;
    if (severity !== undefined && !(LEVELS as readonly string[]).includes(severity))
      throw new HttpError(400, `"severity" is one of ${LEVELS.join(', ')}`);
    const incidents = await ctx.services.incidents.list(ctx.tenant, {
      ...parseRange(q.from, q.to, MONTH),
      status: status as IncidentStatus | undefined,
      minSeverity: severity as Level | undefined,
      limit: parseCount(q.limit, 100, 1000, 'limit'),
      offset: parseCount(q.offset, 0, 10_000_000, 'offset'),
    });
    sendJson(ctx.res, 200, { incidents });
  });

  router.on('GET', '/api/v1/incidents/:id', async (ctx, params) => {
    authorize(ctx.principal, 'read');
    const incident = await ctx.services.incidents.get(ctx.tenant, params.id!);
    if (incident === null) throw new HttpError(404, `no incident ${params.id}`);
    sendJson(ctx.res, 200, incident);
  });

  router.on('PATCH', '/api/v1/incidents/:id', async (ctx, params) => {
    authorize(ctx.principal, 'write');
    const body = await jsonObject(ctx);
    const updated = await asked(() =>
      ctx.services.incidents.update(ctx.tenant, params.id!, body, authorOf(ctx)),
    );
    if (updated === null) throw new HttpError(404, `no incident ${params.id}`);
    sendJson(ctx.res, 200, updated);
  });

  router.on('POST', '/api/v1/incidents/:id/notes', async (ctx, params) => {
    authorize(ctx.principal, 'write');
    const body = await jsonObject(ctx);
    const note = await asked(() =>
      ctx.services.incidents.addNote(ctx.tenant, params.id!, body.text, authorOf(ctx)),
    );
    if (note === null) throw new HttpError(404, `no incident ${params.id}`);
    sendJson(ctx.res, 201, note);
  });

  router.on('GET', '/api/v1/suppressions', async (ctx) => {
    authorize(ctx.principal, 'read');
    sendJson(ctx.res, 200, { suppressions: await ctx.services.incidents.suppressions(ctx.tenant) });
  });

  router.on('POST', '/api/v1/suppressions', async (ctx) => {
    authorize(ctx.principal, 'write');
    const body = await jsonObject(ctx);
    const s = await asked(() => ctx.services.incidents.addSuppression(ctx.tenant, body, authorOf(ctx)));
    const propagation = await reloadSuppressions(ctx);
    ctx.services.log(`suppression ${s.id} added by ${authorOf(ctx)}: ${s.reason}`);
    sendJson(ctx.res, 201, propagation === null ? s : { ...s, propagation });
  });

  router.on('DELETE', '/api/v1/suppressions/:id', async (ctx, params) => {
    authorize(ctx.principal, 'write');
    if (!(await ctx.services.incidents.deleteSuppression(ctx.tenant, params.id!)))
      throw new HttpError(404, `no suppression ${params.id}`);
    const propagation = await reloadSuppressions(ctx);
    ctx.services.log(`suppression ${params.id} removed by ${authorOf(ctx)}`);
    sendJson(ctx.res, 200, { deleted: params.id, ...(propagation === null ? {} : { propagation }) });
  });
}

/**
 * The pipeline applies the new list from its next batch on; on an api node, the workers do once
 * they have it (the answer says which have).
 */
async function reloadSuppressions(ctx: RequestContext): Promise<Propagation | null> {
  return ctx.services.pipeline.setSuppressions(await ctx.services.incidents.suppressions(null));
}
