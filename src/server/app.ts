import type { IncomingMessage, ServerResponse } from 'node:http';
import { StoreError } from '../store/index.js';
import { checkTenant, type Principal } from './auth.js';
import type { RequestContext, Services } from './context.js';
import { HttpError, Router, sendJson } from './http.js';
import { IntakeUnavailableError } from './intake.js';
import { SearchRequestError } from '../search/index.js';
import { openApiDocument } from './openapi.js';
import { adminRoutes } from './routes/admin.js';
import { ingestRoutes } from './routes/ingest.js';
import { retroHuntRoutes } from './routes/retro-hunt.js';
import { incidentRoutes } from './routes/incidents.js';
import { searchRoutes } from './routes/search.js';
import { ruleRoutes } from './routes/rules.js';
import { overviewRoutes } from './routes/overview.js';
import { UiAssets } from './ui.js';
import { signIn, userRoutes } from './routes/users.js';
import { responseRoutes } from './routes/response.js';
import { emailRoutes } from './routes/email.js';

/** The token in any of the forms shippers send: Bearer, Splunk (HEC), ApiKey and Basic (Beats). */
export function credentialOf(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return null;
  const space = h.indexOf(' ');
  if (space < 0) return null;
  const scheme = h.slice(0, space).toLowerCase();
  const value = h.slice(space + 1).trim();
  if (scheme === 'bearer' || scheme === 'splunk') return value;
  if (scheme === 'apikey' || scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    // ApiKey is base64(id:key) and Basic is base64(user:password): the token is the second part.
    if (colon >= 0) return decoded.slice(colon + 1);
    return scheme === 'apikey' ? value : null;
  }
  return null;
}

/** Every API route of a full node (the ingest node serves the ingest routes alone). */
export function apiRouter(): Router<RequestContext> {
  const router = new Router<RequestContext>();
  ingestRoutes(router);
  searchRoutes(router);
  retroHuntRoutes(router);
  incidentRoutes(router);
  ruleRoutes(router);
  overviewRoutes(router);
  userRoutes(router);
  adminRoutes(router);
  responseRoutes(router);
  emailRoutes(router);
  return router;
}

/** The request handler: routing, authentication, tenancy and errors. Testable without sockets. */
export function createApp(services: Services): (req: IncomingMessage, res: ServerResponse) => void {
  const router = apiRouter();
  const ui = new UiAssets();
  const openapi = JSON.stringify(openApiDocument());

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://vigil.invalid');
    const method = req.method ?? 'GET';
    if (method === 'GET' && url.pathname === '/api/v1/health')
      return sendJson(
        res,
        200,
        services.config.role === 'all' ? { status: 'ok' } : { status: 'ok', role: services.config.role },
      );
    // The UI's files are public (it signs in with a token); everything it reads goes through the API.
    if (method === 'GET' && ui.serve(url.pathname, res)) return;
    // The one call without a token: it is how a user gets one.
    if (method === 'POST' && url.pathname === '/api/v1/login') return signIn({ services, req, res, url });
    if (method === 'GET' && url.pathname === '/api/v1/openapi.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(openapi);
      return;
    }
    const found = router.find(method, url.pathname);
    if (found === null) throw new HttpError(404, `no route for ${method} ${url.pathname}`);
    if (found === 'method') throw new HttpError(405, `${method} is not allowed on ${url.pathname}`);
    const token = credentialOf(req);
    const principal: Principal | null = token === null ? null : await services.tokens.verify(token);
    if (principal === null)
      throw new HttpError(
        401,
        token === null ? 'an API token is required' : 'the API token is not valid',
        {},
        // Feed clients (firewall EDLs) send Basic credentials only when asked for them.
        {
          'www-authenticate': url.pathname.startsWith('/api/v1/feeds/')
            ? 'Basic realm="vigil feeds", charset="UTF-8"'
            : 'Bearer',
        },
      );
    // Admins of an MSP may act for any tenant; every other token is bound to its own.
    const asked = req.headers['x-vigil-tenant'] ?? url.searchParams.get('tenant');
    let tenant = principal.tenant;
    if (typeof asked === 'string' && asked !== '' && asked !== tenant) {
      if (principal.role !== 'admin') throw new HttpError(403, 'this token cannot act for another tenant');
      tenant = checkTenant(asked);
    }
    await found.handler({ services, req, res, url, principal, tenant }, found.params);
  };

  return (req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (e instanceof SearchRequestError) {
        sendJson(res, 400, {
          error: e.message,
          ...(e.position === undefined ? {} : { position: e.position }),
        });
        return;
      }
      if (e instanceof HttpError) {
        if (e.status === 413) res.setHeader('connection', 'close');
        sendJson(res, e.status, { error: e.message, ...e.details }, e.headers);
        return;
      }
      // Not acked by JetStream (api node): nothing was promised, the client keeps the events.
      if (e instanceof IntakeUnavailableError) {
        services.log(`${req.method} ${req.url?.split('?')[0]}: ${e.message}`);
        sendJson(res, 503, { error: 'not accepted; retry later' }, { 'retry-after': '5' });
        return;
      }
      // Store failures are the server's problem, not the client's: say so without internals.
      const id = Math.random().toString(36).slice(2, 10);
      services.log(
        `error ${id} on ${req.method} ${req.url?.split('?')[0]}: ${(e as Error).stack ?? String(e)}`,
      );
      sendJson(
        res,
        e instanceof StoreError ? 503 : 500,
        { error: `internal error (${id}); see the server log` },
        e instanceof StoreError ? { 'retry-after': '5' } : {},
      );
    });
  };
}
