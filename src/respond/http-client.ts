import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ActionError } from './actions/action.js';

/**
 * Outbound HTTP for actions: http(s) only, a deadline for the whole exchange, a bounded response
 * read, and redirects followed only within the same origin (a webhook that redirects elsewhere
 * would carry Vigil's payload and signature to a host nobody configured).
 */
export interface HttpCall {
  readonly url: string;
  readonly method?: 'GET' | 'POST' | 'PUT';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  readonly timeoutMs?: number;
  readonly maxResponseBytes?: number;
  readonly maxRedirects?: number;
  readonly signal?: AbortSignal;
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The response was longer than maxResponseBytes; the rest was not read. */
  readonly truncated: boolean;
}

const DEFAULTS = { timeoutMs: 10_000, maxResponseBytes: 64 * 1024, maxRedirects: 3 } as const;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Where a URL points, for messages: never its path or query, which may hold a token. */
export const origin = (u: URL) => `${u.protocol}//${u.host}`;

export function checkUrl(text: string): URL {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new ActionError('not a URL', false);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new ActionError(`only http and https URLs are allowed, not ${u.protocol.replace(/:$/, '')}`, false);
  return u;
}

function once(
  call: HttpCall,
  url: URL,
  method: string,
  body: string | Buffer | undefined,
  deadline: number,
  maxBytes: number,
): Promise<HttpAnswer & { location: string | null }> {
  return new Promise((resolve, reject) => {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return reject(new ActionError(`no answer from ${origin(url)} in time`, true));
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers: Record<string, string> = { ...call.headers };
    if (body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(body));
    const req = send(
      url,
      { method, headers, ...(call.signal ? { signal: call.signal } : {}) },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        res.on('data', (chunk: Buffer) => {
          if (truncated) return;
          const room = maxBytes - size;
          if (chunk.length > room) {
            chunks.push(chunk.subarray(0, room));
            size = maxBytes;
            truncated = true;
            // Enough read: the rest of a huge answer is not our business.
            res.destroy();
            finish();
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
        });
        let done = false;
        const finish = () => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            truncated,
            location: typeof res.headers.location === 'string' ? res.headers.location : null,
          });
        };
        res.on('end', finish);
        res.on('error', (e) => {
          if (!truncated) {
            clearTimeout(timer);
            reject(new ActionError(`reading the answer from ${origin(url)}: ${e.message}`, true));
          }
        });
      },
    );
    const timer = setTimeout(
      () =>
        req.destroy(
          new ActionError(
            `no answer from ${origin(url)} within ${call.timeoutMs ?? DEFAULTS.timeoutMs} ms`,
            true,
          ),
        ),
      remaining,
    );
    req.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e instanceof ActionError) return reject(e);
      if (e.name === 'AbortError') return reject(new ActionError(`request to ${origin(url)} aborted`, false));
      reject(new ActionError(`cannot reach ${origin(url)}: ${e.code ?? e.message}`, true));
    });
    req.end(body);
  });
}

export async function httpSend(call: HttpCall): Promise<HttpAnswer> {
  let url = checkUrl(call.url);
  const first = url;
  let method: string = call.method ?? 'POST';
  let body = call.body;
  const deadline = Date.now() + (call.timeoutMs ?? DEFAULTS.timeoutMs);
  const maxBytes = call.maxResponseBytes ?? DEFAULTS.maxResponseBytes;
  const maxRedirects = call.maxRedirects ?? DEFAULTS.maxRedirects;
  for (let hop = 0; ; hop++) {
    const answer = await once(call, url, method, body, deadline, maxBytes);
    if (!REDIRECTS.has(answer.status) || answer.location === null) {
      const { location: _location, ...rest } = answer;
      return rest;
    }
    if (hop >= maxRedirects)
      throw new ActionError(`more than ${maxRedirects} redirects from ${origin(first)}`, false);
    let next: URL;
    try {
      next = new URL(answer.location, url);
    } catch {
      throw new ActionError(`${origin(url)} redirected to something that is not a URL`, false);
    }
    if (origin(next) !== origin(first))
      throw new ActionError(`${origin(first)} redirected to another host (${origin(next)}): refused`, false);
    if (answer.status === 303 || ((answer.status === 301 || answer.status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
    }
    url = next;
  }
}

/** Turns an HTTP status into success or a failure that says whether to retry. */
export function expectSuccess(answer: HttpAnswer, url: URL): void {
  if (answer.status >= 200 && answer.status < 300) return;
  const retryable = answer.status === 408 || answer.status === 429 || answer.status >= 500;
  const snippet = answer.body.trim().slice(0, 200);
  throw new ActionError(
    `${origin(url)} answered ${answer.status}${snippet === '' ? '' : `: ${snippet}`}`,
    retryable,
  );
}
