import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { VigilError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';

/**
 * A small client for the Docker Engine API (and any Docker-compatible API: Podman's service
 * answers the same paths) over a unix socket or TCP. Only what Vigil needs: the version, the
 * container list, one container's inspect document, and the event stream.
 */

export interface DockerEndpoint {
  readonly socketPath?: string;
  readonly host?: string;
  readonly port?: number;
  readonly tls: boolean;
  /** The endpoint as given, for messages. */
  readonly text: string;
}

/** `unix:///var/run/docker.sock`, a socket path, `tcp://host:2375`, `http://host:port` or `https://host:port`. */
export function parseDockerEndpoint(text: string): DockerEndpoint {
  const t = text.trim();
  if (t.startsWith('unix://')) {
    const socketPath = t.slice('unix://'.length);
    if (!socketPath.startsWith('/'))
      throw new VigilError('docker-endpoint', `invalid unix socket endpoint "${text}"`);
    return { socketPath, tls: false, text: t };
  }
  if (t.startsWith('/')) return { socketPath: t, tls: false, text: `unix://${t}` };
  const m = /^(tcp|http|https):\/\/(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(t);
  if (!m)
    throw new VigilError(
      'docker-endpoint',
      `invalid Docker endpoint "${text}": use unix:///path or tcp://host:port`,
    );
  const tls = m[1] === 'https';
  const port = m[3] !== undefined ? Number(m[3]) : tls ? 2376 : 2375;
  if (port < 1 || port > 65535) throw new VigilError('docker-endpoint', `invalid port in "${text}"`);
  return { host: m[2]!.replace(/^\[|\]$/g, ''), port, tls, text: t };
}

export class DockerApiError extends VigilError {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super('docker-api', message);
    this.name = 'DockerApiError';
  }
}

export interface DockerVersion {
  readonly Version?: string;
  readonly ApiVersion?: string;
  readonly MinAPIVersion?: string;
  readonly Os?: string;
  readonly [key: string]: unknown;
}

export interface ContainerSummary {
  readonly Id: string;
  readonly Names?: readonly string[];
  readonly Image?: string;
  readonly State?: string;
  readonly [key: string]: unknown;
}

/** One event of GET /events (Docker's schema; Podman adds a few lower-case fields). */
export interface DockerEvent {
  readonly Type?: string;
  readonly Action?: string;
  readonly Actor?: { readonly ID?: string; readonly Attributes?: Readonly<Record<string, string>> };
  readonly time?: number;
  readonly timeNano?: number;
  readonly [key: string]: unknown;
}

export interface EventOptions {
  /** Docker event filters, e.g. `{ type: ['container'], event: ['create', 'start'] }`. */
  readonly filters?: Readonly<Record<string, readonly string[]>>;
  /** Unix seconds or a Docker duration/timestamp string. */
  readonly since?: string | number;
  readonly until?: string | number;
  /** Ends the stream (and the request) when aborted. */
  readonly signal?: AbortSignal;
}

export interface DockerClientOptions {
  /** API version to call, e.g. `1.41`; `negotiate()` picks one the server supports. */
  readonly apiVersion?: string;
  /** Per-request timeout for non-streaming calls. */
  readonly timeoutMs?: number;
  /** Largest response body accepted from a non-streaming call. */
  readonly maxBodyBytes?: number;
}

/** The version Vigil prefers: every field the posture scanner reads exists there and in every later one. */
export const PREFERRED_API_VERSION = '1.41';
/** An event line longer than this is not an event; it is dropped with an error. */
export const MAX_EVENT_LINE_BYTES = 1024 * 1024;

function compareVersions(a: string, b: string): number {
  const [a1 = 0, a2 = 0] = a.split('.').map(Number);
  const [b1 = 0, b2 = 0] = b.split('.').map(Number);
  return a1 - b1 || a2 - b2;
}

export class DockerClient {
  readonly endpoint: DockerEndpoint;
  apiVersion: string;
  private readonly timeoutMs: number;
  private readonly maxBodyBytes: number;

  constructor(endpoint: DockerEndpoint | string, options: DockerClientOptions = {}) {
    this.endpoint = typeof endpoint === 'string' ? parseDockerEndpoint(endpoint) : endpoint;
    this.apiVersion = options.apiVersion ?? PREFERRED_API_VERSION;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxBodyBytes = options.maxBodyBytes ?? 64 * 1024 * 1024;
  }

  private options(path: string): RequestOptions {
    const e = this.endpoint;
    return {
      method: 'GET',
      path,
      headers: { Host: e.socketPath ? 'docker' : `${e.host}:${e.port}`, Accept: 'application/json' },
      ...(e.socketPath ? { socketPath: e.socketPath } : { host: e.host, port: e.port }),
    };
  }

  private open(path: string, signal?: AbortSignal, timeout = true): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const send = this.endpoint.tls ? httpsRequest : httpRequest;
      const req = send({ ...this.options(path), ...(signal ? { signal } : {}) }, resolve);
      if (timeout)
        req.setTimeout(this.timeoutMs, () =>
          req.destroy(new DockerApiError(`no answer from ${this.endpoint.text} within ${this.timeoutMs} ms`)),
        );
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (e instanceof DockerApiError) return reject(e);
        if (e.name === 'AbortError') return reject(e);
        reject(
          new DockerApiError(`cannot reach the Docker API at ${this.endpoint.text}: ${e.code ?? e.message}`),
        );
      });
      req.end();
    });
  }

  private async readBody(res: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > this.maxBodyBytes) {
        res.destroy();
        throw new DockerApiError(
          `response from ${this.endpoint.text} larger than ${this.maxBodyBytes} bytes`,
        );
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private async failure(res: IncomingMessage, path: string): Promise<DockerApiError> {
    let message = `${res.statusCode} ${res.statusMessage ?? ''}`.trim();
    try {
      const body = JSON.parse(await this.readBody(res)) as { message?: unknown };
      if (typeof body.message === 'string') message += `: ${body.message}`;
    } catch {
      // The status line says enough.
    }
    return new DockerApiError(`GET ${path} failed: ${message}`, res.statusCode);
  }

  /** GET a JSON document; `versioned` prefixes the API version. */
  async get<T>(path: string, versioned = true): Promise<T> {
    const full = versioned ? `/v${this.apiVersion}${path}` : path;
    const res = await this.open(full);
    if ((res.statusCode ?? 500) >= 300) throw await this.failure(res, full);
    const text = await this.readBody(res);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new DockerApiError(`GET ${full}: the answer is not JSON`);
    }
  }

  /** The daemon's version document (unversioned path, so it works before negotiating). */
  version(): Promise<DockerVersion> {
    return this.get<DockerVersion>('/version', false);
  }

  /**
   * Picks the API version to use: the preferred one when the server supports it, else the
   * closest the server supports (older daemons: their newest; newer ones: their oldest).
   */
  async negotiate(): Promise<string> {
    const v = await this.version();
    const max = typeof v.ApiVersion === 'string' ? v.ApiVersion : PREFERRED_API_VERSION;
    const min = typeof v.MinAPIVersion === 'string' ? v.MinAPIVersion : max;
    if (compareVersions(max, PREFERRED_API_VERSION) < 0) this.apiVersion = max;
    else if (compareVersions(min, PREFERRED_API_VERSION) > 0) this.apiVersion = min;
    else this.apiVersion = PREFERRED_API_VERSION;
    return this.apiVersion;
  }

  /** Every container, created and stopped ones included. */
  async listContainers(): Promise<ContainerSummary[]> {
    const list = await this.get<unknown>('/containers/json?all=1');
    if (!Array.isArray(list)) throw new DockerApiError('GET /containers/json: expected a list');
    return list.filter(
      (c): c is ContainerSummary =>
        typeof c === 'object' && c !== null && typeof (c as { Id?: unknown }).Id === 'string',
    );
  }

  /** GET /containers/{id}/json: the document `docker inspect` prints. */
  inspectContainer(id: string): Promise<Record<string, unknown>> {
    return this.get<Record<string, unknown>>(`/containers/${encodeURIComponent(id)}/json`);
  }

  /**
   * The event stream (GET /events), one parsed event at a time as it arrives. A line that is not
   * JSON yields an error and the stream goes on. Breaking out of the loop, or aborting the signal,
   * closes the connection.
   */
  async *events(options: EventOptions = {}): AsyncGenerator<Result<DockerEvent, DockerApiError>> {
    const query = new URLSearchParams();
    if (options.filters) query.set('filters', JSON.stringify(options.filters));
    if (options.since !== undefined) query.set('since', String(options.since));
    if (options.until !== undefined) query.set('until', String(options.until));
    const path = `/v${this.apiVersion}/events${query.size > 0 ? `?${query}` : ''}`;
    let res: IncomingMessage;
    try {
      res = await this.open(path, options.signal, false);
    } catch (e) {
      if ((e as Error).name === 'AbortError') return;
      throw e;
    }
    if ((res.statusCode ?? 500) >= 300) throw await this.failure(res, path);
    try {
      for await (const line of readLines(res, MAX_EVENT_LINE_BYTES)) {
        if (!line.ok) {
          yield err(new DockerApiError(`event stream: ${line.error.message}`));
          continue;
        }
        try {
          const value = JSON.parse(line.value) as unknown;
          if (typeof value === 'object' && value !== null && !Array.isArray(value))
            yield ok(value as DockerEvent);
          else yield err(new DockerApiError('event stream: an event that is not a JSON object'));
        } catch {
          yield err(new DockerApiError(`event stream: not JSON: ${line.value.slice(0, 80)}`));
        }
      }
    } catch (e) {
      if ((e as Error).name !== 'AbortError' && !options.signal?.aborted) throw e;
    } finally {
      res.destroy();
    }
  }
}

/**
 * Splits a byte stream into non-empty lines as they arrive (the newline-delimited JSON of the
 * event stream). A line longer than `maxBytes` yields an error and is skipped to its end.
 */
export async function* readLines(
  stream: AsyncIterable<Buffer | string>,
  maxBytes: number,
): AsyncGenerator<Result<string, Error>> {
  let pending: Buffer[] = [];
  let pendingSize = 0;
  let skipping = false;
  for await (const raw of stream) {
    let chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10)) {
      const piece = chunk.subarray(0, nl);
      chunk = chunk.subarray(nl + 1);
      if (skipping) {
        skipping = false;
        pending = [];
        pendingSize = 0;
        continue;
      }
      const line = Buffer.concat([...pending, piece])
        .toString('utf8')
        .trim();
      pending = [];
      pendingSize = 0;
      if (line.length > maxBytes) yield err(new Error(`line longer than ${maxBytes} bytes`));
      else if (line !== '') yield ok(line);
    }
    if (skipping || chunk.length === 0) continue;
    pending.push(chunk);
    pendingSize += chunk.length;
    if (pendingSize > maxBytes) {
      yield err(new Error(`line longer than ${maxBytes} bytes`));
      skipping = true;
      pending = [];
      pendingSize = 0;
    }
  }
  const rest = Buffer.concat(pending).toString('utf8').trim();
  if (!skipping && rest !== '') yield ok(rest);
}
