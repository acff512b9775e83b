import { randomUUID } from 'node:crypto';
import { WalFullError } from '../../bus/wal.js';
import {
  parseBulkBody,
  parseEvtxBody,
  parseHecBody,
  parseJsonBody,
  parseRawLines,
  type ParsedBody,
} from '../../ingest/bodies.js';
import { makeBatch } from '../../pipeline/index.js';
import { authorize } from '../auth.js';
import type { IngestContext } from '../context.js';
import { HttpError, readBody, sendJson, type Router } from '../http.js';

const RETRY_AFTER_BUSY = '1';
const RETRY_AFTER_BACKLOG = '5';

/**
 * Reads a body under admission control: while too many request bytes are being parsed at once,
 * new requests get 429 instead of memory.
 */
export async function admitBody(ctx: IngestContext): Promise<Buffer> {
  const s = ctx.services;
  const declared = Number(ctx.req.headers['content-length'] ?? 0) || 1024 * 1024;
  if (s.inflightBytes + declared > s.config.maxInflightBytes)
    throw new HttpError(
      429,
      'too many ingest requests in flight; retry later',
      {},
      { 'retry-after': RETRY_AFTER_BUSY },
    );
  s.inflightBytes += declared;
  try {
    return await readBody(ctx.req, s.config.maxBodyBytes);
  } finally {
    s.inflightBytes -= declared;
  }
}

export function idempotencyKey(ctx: IngestContext): string | null {
  const key = ctx.req.headers['idempotency-key'] ?? ctx.req.headers['x-request-id'];
  if (typeof key !== 'string' || key === '') return null;
  if (key.length > 200) throw new HttpError(400, 'Idempotency-Key is longer than 200 characters');
  return key;
}

/** Appends parsed records to the intake; resolves once they are durable. */
async function accept(ctx: IngestContext, via: string, parsed: ParsedBody): Promise<{ duplicate: boolean }> {
  if (parsed.records.length === 0) return { duplicate: false };
  const batch = makeBatch(
    ctx.tenant,
    idempotencyKey(ctx),
    via,
    parsed.records,
    Date.now(),
    parsed.lines,
    parsed.linesBytes,
  );
  try {
    return await ctx.services.intake.append(batch);
  } catch (e) {
    if (e instanceof WalFullError)
      throw new HttpError(503, e.message, {}, { 'retry-after': RETRY_AFTER_BACKLOG });
    throw e;
  }
}

function reply(
  ctx: IngestContext,
  parsed: ParsedBody,
  duplicate: boolean,
  extra: Record<string, unknown> = {},
): void {
  const status = parsed.records.length === 0 && parsed.rejected.length > 0 ? 400 : 200;
  sendJson(ctx.res, status, {
    accepted: parsed.records.length,
    rejected: parsed.rejected.length,
    errors: parsed.rejected,
    ...(duplicate ? { duplicate: true } : {}),
    ...extra,
  });
}

/** The ingest endpoints, for a single node (all routes) and for an ingest node (these alone). */
export function ingestRoutes<C extends IngestContext>(router: Router<C>): void {
  router.on('POST', '/api/v1/ingest', async (ctx) => {
    authorize(ctx.principal, 'ingest');
    const parsed = await parseJsonBody(await admitBody(ctx));
    const { duplicate } = await accept(ctx, 'http:json', parsed);
    reply(ctx, parsed, duplicate);
  });

  router.on('POST', '/api/v1/ingest/evtx', async (ctx) => {
    authorize(ctx.principal, 'ingest');
    const body = await admitBody(ctx);
    const parsed = parseEvtxBody(body);
    const { duplicate } = await accept(ctx, 'http:evtx', parsed);
    reply(ctx, parsed, duplicate, { recordsLost: parsed.lost });
  });

  // Elasticsearch bulk API, so that Beats, Fluent Bit and Vector ship unchanged.
  const bulk = async (ctx: C, params: Record<string, string>) => {
    authorize(ctx.principal, 'ingest');
    const started = Date.now();
    const parsed = parseBulkBody(await admitBody(ctx), params.index ?? null);
    await accept(ctx, 'http:bulk', parsed);
    sendJson(ctx.res, 200, {
      took: Date.now() - started,
      errors: parsed.items.some((i) => i.error !== null),
      items: parsed.items.map((i) => ({
        [i.action]: {
          _index: i.index ?? 'vigil',
          _id: i.id ?? randomUUID(),
          ...(i.error === null
            ? { status: i.action === 'create' ? 201 : 201, result: 'created', _version: 1 }
            : { status: 400, error: { type: 'illegal_argument_exception', reason: i.error } }),
        },
      })),
    });
  };
  router.on('POST', '/api/v1/_bulk', bulk);
  router.on('PUT', '/api/v1/_bulk', bulk);
  router.on('POST', '/api/v1/:index/_bulk', bulk);
  router.on('PUT', '/api/v1/:index/_bulk', bulk);
  // What Beats and Vector ask before shipping: the "cluster" version they talk to.
  router.on('GET', '/api/v1', (ctx) => {
    sendJson(ctx.res, 200, {
      name: 'vigil',
      cluster_name: 'vigil',
      version: { number: '8.11.0', build_flavor: 'default', lucene_version: '9.8.0' },
      tagline: 'Vigil accepts the Elasticsearch bulk API for ingest only',
    });
  });
  router.on('GET', '/api/v1/_license', (ctx) => {
    sendJson(ctx.res, 200, { license: { status: 'active', type: 'basic', uid: 'vigil' } });
  });

  // Splunk HTTP Event Collector.
  router.on('POST', '/services/collector/event', async (ctx) => {
    authorize(ctx.principal, 'ingest');
    const parsed = await parseHecBody(await admitBody(ctx));
    await accept(ctx, 'http:hec', parsed);
    if (parsed.records.length === 0 && parsed.rejected.length > 0)
      return sendJson(ctx.res, 400, {
        text: parsed.rejected[0]!.reason,
        code: 6,
        invalid: parsed.rejected.length,
      });
    sendJson(ctx.res, 200, {
      text: 'Success',
      code: 0,
      ...(parsed.rejected.length > 0 ? { invalid: parsed.rejected.length } : {}),
    });
  });
  router.on('POST', '/services/collector/raw', async (ctx) => {
    authorize(ctx.principal, 'ingest');
    const parsed = parseRawLines(await admitBody(ctx));
    await accept(ctx, 'http:hec-raw', parsed);
    sendJson(ctx.res, 200, { text: 'Success', code: 0 });
  });
  router.on('GET', '/services/collector/health', (ctx) => {
    sendJson(ctx.res, 200, { text: 'HEC is healthy', code: 17 });
  });
}
