import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EventBus, parseServers } from '../bus/jetstream.js';
import { METRICS_CONTENT_TYPE, tokenMatches } from '../cluster/metrics-http.js';
import { IngestMeter, processMetrics } from '../cluster/metrics.js';
import { normalizedHost } from '../cluster/partition-pipeline.js';
import { ColumnMapper, Mappings } from '../normalize/index.js';
import { credentialOf } from './app.js';
import { checkTenant, type Principal } from './auth.js';
import type { ServerConfig } from './config.js';
import { startContainerWatch } from './containers.js';
import { listenHttp, startConfiguredSyslog, type HttpListener } from './front-doors.js';
import type { IngestContext, IngestServices } from './context.js';
import { HttpError, Router, sendJson } from './http.js';
import { renderMetrics } from './metrics.js';
import { BusIntake } from './intake.js';
import { ingestRoutes } from './routes/ingest.js';

export interface RunningIngestNode {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The configured ingest tokens as hash → principal. An ingest node opens no store, so its tokens
 * come from the configuration, stored as SHA-256 hex (the same digest the token table keeps).
 */
export function ingestTokenTable(entries: readonly string[]): Map<string, Principal> {
  const table = new Map<string, Principal>();
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    const tenant = eq < 0 ? 'default' : entry.slice(0, eq);
    const hash = entry.slice(eq + 1).toLowerCase();
    table.set(hash, { tokenId: hash.slice(0, 16), tenant, role: 'ingest', name: 'ingest_tokens' });
  }
  return table;
}

/** A token as `ingest_tokens` lists it (the same as `printf %s TOKEN | sha256sum`). */
export const ingestTokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/** An ingest node's metrics: its counts, and the digests of the tokens that may read them. */
interface IngestNodeMetrics {
  readonly meter: IngestMeter;
  readonly digests: readonly Buffer[];
  readonly startedAt: number;
}

/** `GET /api/v1/metrics`: for metrics_tokens only (an ingest token cannot read it); off without them. */
function sendMetrics(
  req: IncomingMessage,
  res: ServerResponse,
  s: IngestServices,
  m: IngestNodeMetrics,
): void {
  if (m.digests.length === 0)
    throw new HttpError(404, 'metrics are off on this ingest node: set metrics_tokens');
  if (!tokenMatches(credentialOf(req), m.digests))
    throw new HttpError(401, 'a metrics token is required', {}, { 'www-authenticate': 'Bearer' });
  res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE });
  res.end(renderMetrics([...m.meter.metrics(s.inflightBytes), ...processMetrics(m.startedAt)]));
}

function handler(
  services: IngestServices,
  tokens: Map<string, Principal>,
  metrics: IngestNodeMetrics,
): (req: IncomingMessage, res: ServerResponse) => void {
  const router = new Router<IngestContext>();
  ingestRoutes(router);
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://vigil.invalid');
    const method = req.method ?? 'GET';
    if (method === 'GET' && url.pathname === '/api/v1/health')
      return sendJson(res, 200, { status: 'ok', role: 'ingest' });
    if (method === 'GET' && url.pathname === '/api/v1/metrics')
      return sendMetrics(req, res, services, metrics);
    const found = router.find(method, url.pathname);
    if (found === null)
      throw new HttpError(404, `no route for ${method} ${url.pathname} (this is an ingest node)`);
    if (found === 'method') throw new HttpError(405, `${method} is not allowed on ${url.pathname}`);
    const token = credentialOf(req);
    const principal = token === null ? undefined : tokens.get(ingestTokenHash(token));
    if (principal === undefined)
      throw new HttpError(
        401,
        token === null ? 'an API token is required' : 'the API token is not valid',
        {},
        {
          'www-authenticate': 'Bearer',
        },
      );
    const asked = req.headers['x-vigil-tenant'] ?? url.searchParams.get('tenant');
    if (typeof asked === 'string' && asked !== '' && asked !== principal.tenant)
      throw new HttpError(403, 'this token cannot act for another tenant');
    await found.handler(
      { services, req, res, url, principal, tenant: checkTenant(principal.tenant) },
      found.params,
    );
  };
  return (req, res) => {
    res.once('finish', () => metrics.meter.answered(res.statusCode));
    handle(req, res).catch((e: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (e instanceof HttpError) {
        if (e.status === 413) res.setHeader('connection', 'close');
        return sendJson(res, e.status, { error: e.message, ...e.details }, e.headers);
      }
      // Not acked by JetStream (no stream, backlog full, no leader within the deadline): the
      // client keeps the events and retries.
      const id = Math.random().toString(36).slice(2, 10);
      services.log(`error ${id} on ${method(req)}: ${(e as Error).stack ?? String(e)}`);
      sendJson(res, 503, { error: `not accepted (${id}); retry later` }, { 'retry-after': '5' });
    });
  };
}

const method = (req: IncomingMessage) => `${req.method} ${req.url?.split('?')[0]}`;

/**
 * `vigil serve --role ingest`: the HTTP and syslog front doors (and the container watcher, when
 * configured), stateless. Each batch is published to JetStream and the client is answered only
 * after JetStream acks it. No store, no pipeline: workers and the writer do the rest.
 */
export async function startIngestNode(
  config: ServerConfig,
  options: { log?: (m: string) => void } = {},
): Promise<RunningIngestNode> {
  const log = options.log ?? ((m: string) => console.error(`[vigil] ${m}`));
  const bus = await EventBus.connect(parseServers(config.nats.join(',')), { name: 'vigil-ingest' });
  const meter = new IngestMeter();
  const intake = meter.meter(new BusIntake(bus, normalizedHost(Mappings.load(), ColumnMapper.load())));
  const services: IngestServices = { config, intake, log, inflightBytes: 0 };
  const app = handler(services, ingestTokenTable(config.ingestTokens), {
    meter,
    digests: config.metricsTokens.map((h) => Buffer.from(h, 'hex')),
    startedAt: Date.now(),
  });
  let http: HttpListener;
  try {
    http = await listenHttp(config, app);
  } catch (e) {
    await bus.close();
    throw e;
  }
  const syslog = await startConfiguredSyslog(config, intake, log);
  const containers = startContainerWatch(config, intake, log);
  if (config.smtpPort !== null) log('smtp_port is ignored on an ingest node: mail analysis needs the store');
  return {
    url: http.url,
    async close() {
      await http.close();
      await syslog?.close();
      await containers?.stop();
      await bus.close();
    },
  };
}
