import { authorize } from '../auth.js';
import type { RequestContext } from '../context.js';
import { HttpError, readJson, sendJson, type Router } from '../http.js';

const SESSION_MS = 12 * 3_600_000;

/** Users (admin) and sign-out; sign-in itself is handled before authentication (see app.ts). */
export function userRoutes(router: Router<RequestContext>): void {
  router.on('GET', '/api/v1/users', async (ctx) => {
    authorize(ctx.principal, 'admin');
    sendJson(ctx.res, 200, { users: await ctx.services.users.list(ctx.tenant) });
  });

  router.on('POST', '/api/v1/users', async (ctx) => {
    authorize(ctx.principal, 'admin');
    const b = (await readJson(ctx.req, 16 * 1024)) as Record<string, unknown> | null;
    if (b === null || typeof b !== 'object') throw new HttpError(400, 'the body must be a JSON object');
    const user = await ctx.services.users.set(
      String(b.name ?? ''),
      String(b.password ?? ''),
      String(b.role ?? ''),
      typeof b.tenant === 'string' ? b.tenant : ctx.tenant,
    );
    ctx.services.log(
      `user ${user.name} (${user.role}, tenant ${user.tenant}) set by ${ctx.principal.tokenId}`,
    );
    sendJson(ctx.res, 201, user);
  });

  router.on('DELETE', '/api/v1/users/:name', async (ctx, params) => {
    authorize(ctx.principal, 'admin');
    if (!(await ctx.services.users.disable(params.name!, ctx.tenant)))
      throw new HttpError(404, 'no such user in this tenant');
    ctx.services.log(`user ${params.name} removed by ${ctx.principal.tokenId}`);
    sendJson(ctx.res, 200, { removed: params.name });
  });

  // Ends the session the request came with (a session token; other tokens are revoked in settings).
  router.on('POST', '/api/v1/logout', async (ctx) => {
    if (ctx.principal.name.startsWith('session:'))
      await ctx.services.tokens.revoke(ctx.principal.tokenId, null);
    sendJson(ctx.res, 200, { signedOut: true });
  });
}

/** Signs a user in: a session token of the user's role, valid for 12 hours. */
export async function signIn(ctx: Omit<RequestContext, 'principal' | 'tenant'>): Promise<void> {
  const s = ctx.services;
  const b = (await readJson(ctx.req, 16 * 1024)) as Record<string, unknown> | null;
  const name = typeof b?.name === 'string' ? b.name.trim().toLowerCase() : '';
  const password = typeof b?.password === 'string' ? b.password : '';
  const keys = [`name:${name}`, `addr:${ctx.req.socket.remoteAddress ?? ''}`];
  if (s.signIns.blocked(keys))
    throw new HttpError(
      429,
      'too many failed sign-ins: wait a quarter of an hour',
      {},
      { 'retry-after': '900' },
    );
  const user = await s.users.check(name, password);
  if (user === null) {
    s.signIns.fail(keys);
    throw new HttpError(401, 'wrong name or password');
  }
  s.signIns.succeed(keys);
  const expires = Date.now() + SESSION_MS;
  const { token } = await s.tokens.create(user.tenant, user.role, `session:${user.name}`, undefined, expires);
  s.log(`user ${user.name} signed in`);
  sendJson(ctx.res, 200, { token, expires, role: user.role, tenant: user.tenant, name: user.name });
}
