import { createHash } from 'node:crypto';
import type { Credentials } from './auth.js';
import { TrustError } from './errors.js';
import { describe, header, type HttpResponse } from './http.js';
import { apiHost, formatImageRef, type ImageRef } from './image-ref.js';
import { Session } from './session.js';

export const MediaTypes = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
} as const;

/** Without an explicit Accept list, registries answer with schema 1 or (distribution 2.8) 404. */
const MANIFEST_ACCEPT = [
  MediaTypes.ociManifest,
  MediaTypes.ociIndex,
  MediaTypes.dockerManifest,
  MediaTypes.dockerList,
].join(', ');

export interface RegistryOptions {
  /** Registries reached over plain HTTP (`host:port`). Loopback hosts always are. */
  insecureHosts?: readonly string[];
  /** Accept any TLS certificate. */
  tlsNoVerify?: boolean;
  /** Credentials for a registry host; never printed. */
  credentials?: (registry: string) => Credentials | undefined;
  /** Per-request deadline, 30 s by default. */
  timeoutMs?: number;
  /** Largest manifest read, 4 MiB by default (distribution's own limit). */
  maxManifestBytes?: number;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface ImageManifestJson {
  schemaVersion: number;
  mediaType?: string;
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
  annotations?: Record<string, string>;
}

export interface Manifest {
  mediaType: string;
  /** sha256 of the bytes as served, computed here rather than taken from a header. */
  digest: string;
  size: number;
  bytes: Buffer;
  json: ImageManifestJson;
}

const ERROR_BODY_BYTES = 64 * 1024;

export function sha256Digest(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Whether a host (with optional port) is a loopback address, reached over plain HTTP. */
export function isLoopbackHost(host: string): boolean {
  const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return name === 'localhost' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name) || name === '::1';
}

/**
 * A client for one registry speaking the OCI distribution API: manifests, blobs, tags, with Bearer
 * (token) and Basic authentication on demand.
 */
export class RegistryClient {
  readonly registry: string;
  private readonly session: Session;

  constructor(
    registry: string,
    private readonly options: RegistryOptions = {},
  ) {
    this.registry = registry;
    const host = apiHost(registry);
    const plain = isLoopbackHost(host) || (options.insecureHosts ?? []).includes(registry);
    const credentials = options.credentials?.(registry);
    this.session = new Session(`${plain ? 'http' : 'https'}://${host}`, {
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.tlsNoVerify !== undefined ? { tlsNoVerify: options.tlsNoVerify } : {}),
      ...(credentials !== undefined ? { credentials } : {}),
    });
  }

  private call(req: {
    method: 'GET' | 'HEAD' | 'PUT' | 'POST';
    path?: string;
    url?: URL;
    repository: string;
    push?: boolean;
    headers?: Record<string, string>;
    body?: Buffer;
    maxBytes: number;
  }): Promise<HttpResponse> {
    const { repository, push, ...rest } = req;
    return this.session.call({
      ...rest,
      scope: `repository:${repository}:${push === true ? 'pull,push' : 'pull'}`,
    });
  }

  /** The manifest a tag or digest names; null when the registry has none. */
  async getManifest(repository: string, reference: string): Promise<Manifest | null> {
    const res = await this.call({
      method: 'GET',
      path: `/v2/${repository}/manifests/${reference}`,
      repository,
      headers: { Accept: MANIFEST_ACCEPT },
      maxBytes: this.options.maxManifestBytes ?? 4 * 1024 * 1024,
    });
    if (res.status === 404) return null;
    this.expectOk(res, 'manifest');
    const digest = sha256Digest(res.body);
    if (reference.startsWith('sha256:') && digest !== reference) {
      throw new TrustError(
        'bad-response',
        `${repository}@${reference}: the registry served a manifest whose digest is ${digest}`,
      );
    }
    const json = parseManifestJson(res.body, `${repository}:${reference}`);
    const contentType = header(res, 'content-type')?.split(';')[0]?.trim();
    const mediaType = json.mediaType ?? contentType ?? MediaTypes.ociManifest;
    return { mediaType, digest, size: res.body.length, bytes: res.body, json };
  }

  /** The digest (and manifest) an image reference points to now. */
  async resolve(ref: ImageRef): Promise<Manifest> {
    const reference = ref.digest ?? ref.tag ?? 'latest';
    const m = await this.getManifest(ref.repository, reference);
    if (m === null)
      throw new TrustError('not-found', `${formatImageRef(ref)}: no such image in the registry`);
    return m;
  }

  async putManifest(
    repository: string,
    reference: string,
    bytes: Buffer,
    mediaType: string,
  ): Promise<string> {
    const res = await this.call({
      method: 'PUT',
      path: `/v2/${repository}/manifests/${reference}`,
      repository,
      push: true,
      headers: { 'Content-Type': mediaType },
      body: bytes,
      maxBytes: ERROR_BODY_BYTES,
    });
    if (res.status !== 201 && res.status !== 200) this.fail(res, 'manifest upload');
    return sha256Digest(bytes);
  }

  async blobExists(repository: string, digest: string): Promise<boolean> {
    const res = await this.call({
      method: 'HEAD',
      path: `/v2/${repository}/blobs/${digest}`,
      repository,
      maxBytes: ERROR_BODY_BYTES,
    });
    if (res.status === 404) return false;
    this.expectOk(res, 'blob check');
    return true;
  }

  /** A blob's bytes, checked against its digest; null when absent. */
  async getBlob(repository: string, digest: string, maxBytes: number): Promise<Buffer | null> {
    const res = await this.call({
      method: 'GET',
      path: `/v2/${repository}/blobs/${digest}`,
      repository,
      maxBytes,
    });
    if (res.status === 404) return null;
    this.expectOk(res, 'blob');
    const actual = sha256Digest(res.body);
    if (actual !== digest) {
      throw new TrustError(
        'bad-response',
        `${repository}@${digest}: the registry served a blob whose digest is ${actual}`,
      );
    }
    return res.body;
  }

  /** Uploads a blob in one piece (POST for a session, PUT with the digest); skips it if present. */
  async pushBlob(repository: string, bytes: Buffer): Promise<string> {
    const digest = sha256Digest(bytes);
    if (await this.blobExists(repository, digest)) return digest;
    const start = await this.call({
      method: 'POST',
      path: `/v2/${repository}/blobs/uploads/`,
      repository,
      push: true,
      maxBytes: ERROR_BODY_BYTES,
    });
    if (start.status !== 202) this.fail(start, 'blob upload start');
    const location = header(start, 'location');
    if (location === undefined)
      throw new TrustError('bad-response', `${this.registry}: upload answer has no Location`);
    let url: URL;
    try {
      url = new URL(location, this.session.base);
    } catch {
      throw new TrustError('bad-response', `${this.registry}: upload Location is not a URL`);
    }
    url.searchParams.set('digest', digest);
    const done = await this.call({
      method: 'PUT',
      url,
      repository,
      push: true,
      headers: { 'Content-Type': 'application/octet-stream' },
      body: bytes,
      maxBytes: ERROR_BODY_BYTES,
    });
    if (done.status !== 201) this.fail(done, 'blob upload');
    return digest;
  }

  /** Tags of a repository, following `Link` pages, at most `limit` of them. */
  async listTags(repository: string, limit = 10_000): Promise<string[]> {
    const tags: string[] = [];
    let path: string | undefined = `/v2/${repository}/tags/list?n=1000`;
    // A registry whose `Link` points back to a page already read (or on forever) is cut off.
    const visited = new Set<string>();
    while (path !== undefined && tags.length < limit && !visited.has(path) && visited.size < 100) {
      visited.add(path);
      const res = await this.call({ method: 'GET', path, repository, maxBytes: 4 * 1024 * 1024 });
      if (res.status === 404) return tags;
      this.expectOk(res, 'tag list');
      let parsed: unknown;
      try {
        parsed = JSON.parse(res.body.toString('utf8'));
      } catch {
        throw new TrustError('bad-response', `${repository}: tag list is not JSON`);
      }
      const list = (parsed as { tags?: unknown }).tags;
      if (list !== null && list !== undefined && !Array.isArray(list)) {
        throw new TrustError('bad-response', `${repository}: tag list has no tags array`);
      }
      for (const t of list ?? []) if (typeof t === 'string') tags.push(t);
      const link = header(res, 'link');
      const next = link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link)?.[1] : undefined;
      path = next !== undefined && next.startsWith('/v2/') ? next : undefined;
    }
    return tags.slice(0, limit);
  }

  private expectOk(res: HttpResponse, what: string): void {
    if (res.status < 200 || res.status >= 300) this.fail(res, what);
  }

  private fail(res: HttpResponse, what: string): never {
    const code =
      res.status === 401 || res.status === 403 ? 'auth' : res.status === 404 ? 'not-found' : 'bad-response';
    throw new TrustError(
      code,
      `${describe(res.url)}: ${what} failed with HTTP ${res.status}${registryMessage(res.body)}`,
    );
  }
}

/** The first `errors[].message` of a registry error body, clipped; never the raw body. */
function registryMessage(body: Buffer): string {
  try {
    const parsed = JSON.parse(body.subarray(0, ERROR_BODY_BYTES).toString('utf8')) as {
      errors?: { code?: unknown; message?: unknown }[];
    };
    const first = parsed.errors?.[0];
    if (first === undefined) return '';
    const text = [first.code, first.message].filter((x) => typeof x === 'string').join(': ');
    return text.length > 0 ? ` (${text.replace(/[^\x20-\x7e]/g, '?').slice(0, 200)})` : '';
  } catch {
    return '';
  }
}

/** Checks that bytes are a version-2 manifest or index; throws a clear error otherwise. */
export function parseManifestJson(bytes: Buffer, where: string): ImageManifestJson {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new TrustError('bad-response', `${where}: manifest is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TrustError('bad-response', `${where}: manifest is not a JSON object`);
  }
  const m = parsed as Record<string, unknown>;
  if (m.schemaVersion !== 2)
    throw new TrustError('bad-response', `${where}: manifest schemaVersion is not 2`);
  if (m.mediaType !== undefined && typeof m.mediaType !== 'string') {
    throw new TrustError('bad-response', `${where}: manifest mediaType is not a string`);
  }
  for (const key of ['layers', 'manifests'] as const) {
    const list = m[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw new TrustError('bad-response', `${where}: ${key} is not an array`);
    list.forEach((d, i) => checkDescriptor(d, `${where}: ${key}[${i}]`));
  }
  if (m.config !== undefined) checkDescriptor(m.config, `${where}: config`);
  return m as unknown as ImageManifestJson;
}

function checkDescriptor(d: unknown, where: string): void {
  if (typeof d !== 'object' || d === null) throw new TrustError('bad-response', `${where} is not an object`);
  const x = d as Record<string, unknown>;
  if (typeof x.mediaType !== 'string') throw new TrustError('bad-response', `${where}: mediaType missing`);
  if (typeof x.digest !== 'string' || !/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(x.digest)) {
    throw new TrustError('bad-response', `${where}: digest missing or malformed`);
  }
  if (typeof x.size !== 'number' || !Number.isSafeInteger(x.size) || x.size < 0) {
    throw new TrustError('bad-response', `${where}: size missing or not a whole number`);
  }
  if (x.annotations !== undefined) {
    if (typeof x.annotations !== 'object' || x.annotations === null || Array.isArray(x.annotations)) {
      throw new TrustError('bad-response', `${where}: annotations is not an object`);
    }
    for (const v of Object.values(x.annotations)) {
      if (typeof v !== 'string')
        throw new TrustError('bad-response', `${where}: an annotation is not a string`);
    }
  }
}
