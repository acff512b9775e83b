import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { renderMetrics } from '../server/metrics.js';

/** One Prometheus metric, as renderMetrics takes it. */
export type Metric = Parameters<typeof renderMetrics>[0][number];

/** The Prometheus text format's content type. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export class MetricsOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetricsOptionError';
  }
}

export interface MetricsEndpointOptions {
  readonly host: string;
  readonly port: number;
  /** SHA-256 of the bearer token Prometheus sends, as 32 bytes; null: no token asked. */
  readonly tokenSha256: Buffer | null;
}

const HEX64 = /^[0-9a-f]{64}$/i;

/** `printf %s TOKEN | sha256sum`, hex: how tokens are configured (never the token itself). */
export function parseTokenSha256(hex: string, what: string): Buffer {
  const text = hex.trim();
  if (!HEX64.test(text))
    throw new MetricsOptionError(`${what} must be the SHA-256 of the token as 64 hex digits`);
  return Buffer.from(text, 'hex');
}

/** `HOST:PORT`, `[v6]:PORT` or `:PORT` (loopback). */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(text.trim());
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || !Number.isInteger(port) || port > 65535)
    throw new MetricsOptionError(
      `--metrics takes HOST:PORT (for example 127.0.0.1:9464), not ${JSON.stringify(text)}`,
    );
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

/** Addresses only this machine can reach. A name other than localhost may resolve anywhere. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * The `--metrics` options of `vigil worker` and `vigil writer`, checked: off unless asked for; a
 * token (its SHA-256) when given; and no open endpoint beyond this machine unless the operator
 * says so with `--metrics-insecure`.
 */
export function metricsEndpointOptions(flags: {
  readonly metrics?: string;
  readonly metricsTokenSha256?: string;
  readonly metricsInsecure?: boolean;
}): MetricsEndpointOptions | null {
  if (flags.metrics === undefined) {
    if (flags.metricsTokenSha256 !== undefined || flags.metricsInsecure === true)
      throw new MetricsOptionError('--metrics-token-sha256 and --metrics-insecure need --metrics HOST:PORT');
    return null;
  }
  const { host, port } = parseListen(flags.metrics);
  const token =
    flags.metricsTokenSha256 === undefined || flags.metricsTokenSha256 === ''
      ? null
      : parseTokenSha256(flags.metricsTokenSha256, '--metrics-token-sha256 (or VIGIL_METRICS_TOKEN_SHA256)');
  if (token === null && !isLoopback(host) && flags.metricsInsecure !== true)
    throw new MetricsOptionError(
      `--metrics ${flags.metrics} is reachable from other machines: give --metrics-token-sha256 HEX (Prometheus then sends the token as a bearer token), bind 127.0.0.1, or accept an open endpoint with --metrics-insecure`,
    );
  return { host, port, tokenSha256: token };
}

/** The bearer token of a request, or null. */
function bearer(req: IncomingMessage): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m === null ? null : m[1]!;
}

/** Whether a presented token hashes to one of the configured digests (constant time per digest). */
export function tokenMatches(token: string | null, digests: readonly Buffer[]): boolean {
  if (token === null) return false;
  const presented = createHash('sha256').update(token).digest();
  let ok = false;
  for (const d of digests) if (d.length === presented.length && timingSafeEqual(d, presented)) ok = true;
  return ok;
}

export interface MetricsEndpoint {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * `GET /metrics` in Prometheus's text format, on its own small HTTP server; nothing else is
 * served. Metrics are collected on each scrape.
 */
export async function serveMetrics(
  options: MetricsEndpointOptions,
  collect: () => Promise<readonly Metric[]> | readonly Metric[],
): Promise<MetricsEndpoint> {
  const answer = (
    res: ServerResponse,
    status: number,
    text: string,
    headers: Record<string, string> = {},
  ) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
    res.end(text + '\n');
  };
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') return answer(res, 404, 'not found: metrics are at /metrics');
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return answer(res, 405, `${req.method} is not allowed on /metrics`, { allow: 'GET, HEAD' });
    if (options.tokenSha256 !== null && !tokenMatches(bearer(req), [options.tokenSha256]))
      return answer(res, 401, 'a valid bearer token is required', { 'www-authenticate': 'Bearer' });
    Promise.resolve()
      .then(collect)
      .then(
        (metrics) => {
          res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE });
          res.end(req.method === 'HEAD' ? undefined : renderMetrics(metrics));
        },
        (e: unknown) => answer(res, 500, `collecting metrics failed: ${(e as Error).message}`),
      );
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port, options.host, () => ok());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/metrics`,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}
