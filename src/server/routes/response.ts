import { createHash } from 'node:crypto';
import { parseCount } from '../../search/index.js';
import {
  AgentCommandError,
  BLOCK_LISTS,
  ResponseRequestError,
  type BlockListName,
  type FeedFormat,
  type RunStatus,
} from '../../respond/index.js';
import { authorize } from '../auth.js';
import type { RequestContext } from '../context.js';
import { HttpError, readBody, readJson, sendJson, type Router } from '../http.js';

const RUN_STATUSES: readonly RunStatus[] = [
  'pending_approval',
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'interrupted',
  'rejected',
  'expired',
  'dry_run',
  'dropped',
  'blocked',
];
/** Feed file extensions: `.txt` is the external dynamic list, `.stix` the STIX 2.1 bundle. */
const FEED_EXTENSIONS: Readonly<Record<string, FeedFormat>> = { txt: 'text', stix: 'stix' };
const MAX_PLAYBOOK_BYTES = 1024 * 1024;
const MAX_HOST = 255;

/** Who acts, for the record: the token's name and id (as incident changes are signed). */
const who = (ctx: RequestContext) => `${ctx.principal.name || 'token'} (${ctx.principal.tokenId})`;

async function jsonObject(ctx: RequestContext): Promise<Record<string, unknown>> {
  const body = await readJson(ctx.req, 64 * 1024);
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new HttpError(400, 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

/** Runs an engine call, answering its refusals with their own status. */
async function engineCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof ResponseRequestError || e instanceof AgentCommandError)
      throw new HttpError(e.status, e.message);
    throw e;
  }
}

function hostOf(value: unknown): string {
  const host = typeof value === 'string' ? value.trim() : '';
  if (host === '' || host.length > MAX_HOST || [...host].some((c) => c.charCodeAt(0) < 0x20))
    throw new HttpError(400, `"host" is the agent's host name (1–${MAX_HOST} characters)`);
  return host;
}

function statusesOf(value: string | undefined): RunStatus[] | undefined {
  if (value === undefined || value === '') return undefined;
  const list = value.split(',').map((s) => s.trim());
  for (const s of list)
    if (!(RUN_STATUSES as readonly string[]).includes(s))
      throw new HttpError(400, `"status" is a comma-separated list of ${RUN_STATUSES.join(', ')}`);
  return list as RunStatus[];
}

/**
 * The response engine over HTTP: playbooks (list, check, reload), runs (list, one with its audit,
 * pending approvals, approve, reject, rollback), the kill switch, the audit log, the block-list
 * feeds firewalls pull, and the command queue endpoint agents poll. Everything is the caller's
 * tenant; the kill switch alone is global.
 */
export function responseRoutes(router: Router<RequestContext>): void {
  router.on('GET', '/api/v1/playbooks', async (ctx) => {
    authorize(ctx.principal, 'read');
    sendJson(ctx.res, 200, ctx.services.response.listing());
  });

  router.on('POST', '/api/v1/playbooks/check', async (ctx) => {
    authorize(ctx.principal, 'read');
    const yaml = (await readBody(ctx.req, MAX_PLAYBOOK_BYTES)).toString('utf8');
    if (yaml.trim() === '') throw new HttpError(400, 'the body is empty: post the playbook as YAML');
    sendJson(ctx.res, 200, ctx.services.response.check(yaml));
  });

  router.on('POST', '/api/v1/playbooks/reload', async (ctx) => {
    authorize(ctx.principal, 'admin');
    const loaded = await ctx.services.response.reload();
    ctx.services.log(`playbooks reloaded by ${who(ctx)}`);
    sendJson(ctx.res, 200, loaded);
  });

  router.on('GET', '/api/v1/response/status', async (ctx) => {
    authorize(ctx.principal, 'read');
    const r = ctx.services.response;
    sendJson(ctx.res, 200, {
      killSwitch: await r.killSwitch(),
      stats: r.engine.stats,
      playbooks: r.listing().playbooks.length,
      problems: r.listing().errors.length,
    });
  });

  router.on('GET', '/api/v1/response/runs', async (ctx) => {
    authorize(ctx.principal, 'read');
    const q = Object.fromEntries(ctx.url.searchParams);
    const limit = parseCount(q.limit, 50, 1000, 'limit');
    const offset = parseCount(q.offset, 0, 9000, 'offset');
    const status = statusesOf(q.status);
    // The store pages by count only: read up to the page's end, one more to know if more follow.
    const runs = await ctx.services.response.engine.listRuns({
      tenant: ctx.tenant,
      limit: offset + limit + 1,
      ...(status === undefined ? {} : { status }),
      ...(q.playbook ? { playbook: q.playbook } : {}),
      ...(q.incident ? { subject: q.incident } : {}),
    });
    sendJson(ctx.res, 200, {
      runs: runs.slice(offset, offset + limit),
      more: runs.length > offset + limit,
    });
  });

  router.on('GET', '/api/v1/response/runs/:id', async (ctx, params) => {
    authorize(ctx.principal, 'read');
    const engine = ctx.services.response.engine;
    const run = await engine.getRun(params.id!);
    if (run === null || run.tenant !== ctx.tenant) throw new HttpError(404, `no run ${params.id}`);
    const audit = await engine.auditLog({ tenant: ctx.tenant, runId: run.id, limit: 500 });
    sendJson(ctx.res, 200, { run, audit });
  });

  router.on('GET', '/api/v1/response/pending', async (ctx) => {
    authorize(ctx.principal, 'read');
    sendJson(ctx.res, 200, { runs: await ctx.services.response.engine.pending(ctx.tenant) });
  });

  router.on('POST', '/api/v1/response/runs/:id/approve', async (ctx, params) => {
    authorize(ctx.principal, 'write');
    const run = await engineCall(() =>
      ctx.services.response.engine.approve(params.id!, who(ctx), ctx.tenant),
    );
    ctx.services.log(`response run ${run.id} (${run.playbook.id}) approved by ${who(ctx)}`);
    sendJson(ctx.res, 200, run);
  });

  router.on('POST', '/api/v1/response/runs/:id/reject', async (ctx, params) => {
    authorize(ctx.principal, 'write');
    const body = await jsonObject(ctx);
    const run = await engineCall(() =>
      ctx.services.response.engine.reject(params.id!, who(ctx), body.reason as string, ctx.tenant),
    );
    ctx.services.log(`response run ${run.id} (${run.playbook.id}) rejected by ${who(ctx)}`);
    sendJson(ctx.res, 200, run);
  });

  router.on('POST', '/api/v1/response/runs/:id/rollback', async (ctx, params) => {
    authorize(ctx.principal, 'write');
    const run = await engineCall(() =>
      ctx.services.response.engine.rollback(params.id!, who(ctx), ctx.tenant),
    );
    ctx.services.log(`response run ${run.id} rolled back by ${who(ctx)}: ${run.rollback?.status}`);
    sendJson(ctx.res, 200, run);
  });

  // Everyone may see whether automation is stopped; only admins flip it (it stops every tenant).
  router.on('GET', '/api/v1/response/kill-switch', async (ctx) => {
    authorize(ctx.principal, 'read');
    sendJson(ctx.res, 200, await ctx.services.response.killSwitch());
  });

  router.on('PUT', '/api/v1/response/kill-switch', async (ctx) => {
    authorize(ctx.principal, 'admin');
    const body = await jsonObject(ctx);
    if (typeof body.on !== 'boolean') throw new HttpError(400, '"on" is true or false');
    const reason = typeof body.reason === 'string' ? body.reason.trim() : '';
    if (reason === '' || reason.length > 2000)
      throw new HttpError(400, 'say why (reason, at most 2,000 characters)');
    await engineCall(() => ctx.services.response.setKillSwitch(body.on as boolean, who(ctx), reason));
    sendJson(ctx.res, 200, await ctx.services.response.killSwitch());
  });

  router.on('GET', '/api/v1/response/audit', async (ctx) => {
    authorize(ctx.principal, 'read');
    const q = Object.fromEntries(ctx.url.searchParams);
    const limit = parseCount(q.limit, 100, 1000, 'limit');
    const engine = ctx.services.response.engine;
    const own = await engine.auditLog({ tenant: ctx.tenant, limit, ...(q.run ? { runId: q.run } : {}) });
    // The kill switch concerns every tenant: its entries are everyone's history.
    const global = q.run ? [] : await engine.auditLog({ tenant: '', limit });
    const entries = [...own, ...global].sort((a, b) => b.time - a.time).slice(0, limit);
    sendJson(ctx.res, 200, { entries });
  });

  // Firewalls and proxies pull these: a read token as Bearer, or as the password of Basic auth.
  router.on('GET', '/api/v1/feeds/:name', async (ctx, params) => {
    authorize(ctx.principal, 'read');
    const m = /^([a-z]+)\.([a-z]+)$/.exec(params.name!);
    const list = m?.[1];
    const format = m === null ? undefined : FEED_EXTENSIONS[m[2]!];
    if (list === undefined || !(BLOCK_LISTS as readonly string[]).includes(list) || format === undefined)
      throw new HttpError(
        404,
        `feeds are ${BLOCK_LISTS.map((l) => `${l}.txt`).join(', ')} and the same with .stix`,
      );
    const feed = await ctx.services.response.engine.feed(ctx.tenant, list as BlockListName, format);
    const etag = `"${createHash('sha256').update(feed.body).digest('base64url').slice(0, 27)}"`;
    const headers = { etag, 'cache-control': 'no-cache' };
    if (ctx.req.headers['if-none-match'] === etag) {
      ctx.res.writeHead(304, headers).end();
      return;
    }
    ctx.res.writeHead(200, {
      ...headers,
      'content-type': feed.contentType,
      'content-length': Buffer.byteLength(feed.body),
    });
    ctx.res.end(feed.body);
  });

  // Endpoint agents are sensors: they use ingest tokens, bound to their tenant.
  router.on('GET', '/api/v1/agent/commands', async (ctx) => {
    authorize(ctx.principal, 'ingest');
    const host = hostOf(ctx.url.searchParams.get('host'));
    const commands = await ctx.services.response.engine.pollAgent(ctx.tenant, host);
    sendJson(ctx.res, 200, {
      commands: commands.map((c) => ({
        id: c.id,
        command: c.command,
        args: c.args,
        created: c.created,
        expires: c.expires,
        deliveries: c.deliveries,
      })),
    });
  });

  router.on('POST', '/api/v1/agent/commands/:id/ack', async (ctx, params) => {
    authorize(ctx.principal, 'ingest');
    const body = await jsonObject(ctx);
    const host = hostOf(body.host ?? ctx.url.searchParams.get('host'));
    if (typeof body.ok !== 'boolean') throw new HttpError(400, '"ok" is true or false');
    if (body.output !== undefined && typeof body.output !== 'string')
      throw new HttpError(400, '"output" is text');
    const c = await engineCall(() =>
      ctx.services.response.engine.ackAgent(ctx.tenant, host, params.id!, {
        ok: body.ok as boolean,
        ...(body.output === undefined ? {} : { output: body.output as string }),
      }),
    );
    sendJson(ctx.res, 200, { id: c.id, state: c.state, command: c.command });
  });
}
