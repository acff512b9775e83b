import http from 'node:http';
import https from 'node:https';
import { TrustError } from './errors.js';

export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH';
  url: URL;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Largest body accepted; a bigger one aborts the request with `too-large`. */
  maxBytes: number;
  /** Whole-exchange deadline, redirects included. */
  timeoutMs: number;
  /** Accept any TLS certificate (self-signed test registries); never the default. */
  tlsNoVerify?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The URL that answered, after redirects. */
  url: URL;
}

const MAX_REDIRECTS = 5;

/**
 * One HTTP exchange with hard limits: a deadline, a body size cap, and at most five redirects.
 * Authorization is dropped when a redirect leaves the origin (blob storage behind a registry must
 * not receive registry credentials).
 */
export async function httpRequest(req: HttpRequest): Promise<HttpResponse> {
  const deadline = Date.now() + req.timeoutMs;
  let url = req.url;
  let method = req.method;
  let body = req.body;
  let headers = { ...(req.headers ?? {}) };
  for (let hop = 0; ; hop++) {
    const res = await once({ ...req, url, method, headers, body }, deadline);
    const location = res.headers.location;
    if (![301, 302, 303, 307, 308].includes(res.status) || location === undefined) return res;
    if (hop >= MAX_REDIRECTS)
      throw new TrustError('bad-response', `${describe(req.url)}: too many redirects`);
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      throw new TrustError('bad-response', `${describe(url)}: redirect to an invalid location`);
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') {
      throw new TrustError('bad-response', `${describe(url)}: redirect to a non-HTTP location`);
    }
    if (next.origin !== url.origin) headers = withoutAuthorization(headers);
    if (res.status === 303) {
      method = 'GET';
      body = undefined;
    }
    url = next;
  }
}

function once(req: HttpRequest, deadline: number): Promise<HttpResponse> {
  const remaining = deadline - Date.now();
  if (remaining <= 0) return Promise.reject(timeout(req.url));
  const lib = req.url.protocol === 'https:' ? https : http;
  if (req.url.protocol !== 'https:' && req.url.protocol !== 'http:') {
    return Promise.reject(new TrustError('usage', `unsupported URL scheme ${req.url.protocol}`));
  }
  return new Promise<HttpResponse>((resolve, reject) => {
    const headers: Record<string, string> = { 'User-Agent': 'vigil-image-trust', ...req.headers };
    // Uploads always say how long they are, an empty POST included (no chunked encoding).
    if (req.body !== undefined) headers['Content-Length'] = String(req.body.length);
    else if (req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH')
      headers['Content-Length'] = '0';
    const options: https.RequestOptions = { method: req.method, headers };
    if (req.url.protocol === 'https:' && req.tlsNoVerify === true) options.rejectUnauthorized = false;
    let settled = false;
    const fail = (e: TrustError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      reject(e);
    };
    const timer = setTimeout(() => fail(timeout(req.url)), remaining);
    const request = lib.request(req.url, options, (res) => {
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > req.maxBytes) {
        fail(tooLarge(req.url, req.maxBytes));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > req.maxBytes) {
          fail(tooLarge(req.url, req.maxBytes));
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', (e) => fail(new TrustError('network', `${describe(req.url)}: ${e.message}`)));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks),
          url: req.url,
        });
      });
    });
    request.on('error', (e: NodeJS.ErrnoException) =>
      fail(new TrustError('network', `${describe(req.url)}: ${e.code ?? e.message}`, { cause: e })),
    );
    request.end(req.body);
  });
}

/** `host/path` without query or user info, safe to print (upload URLs carry state in the query). */
export function describe(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

function withoutAuthorization(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() !== 'authorization') out[k] = v;
  return out;
}

function timeout(url: URL): TrustError {
  return new TrustError('timeout', `${describe(url)}: no complete answer in time`);
}

function tooLarge(url: URL, max: number): TrustError {
  return new TrustError('too-large', `${describe(url)}: answer larger than ${max} bytes`);
}

/** A header's single value (Node gives arrays for repeated headers). */
export function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
