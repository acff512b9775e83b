import { TrustError } from './errors.js';

/**
 * A parsed image reference, `[host[:port]/]path[:tag][@digest]`, with Docker's defaults applied:
 * no host means docker.io, and a one-part path on docker.io gets the `library/` prefix.
 */
export interface ImageRef {
  /** The registry as written in names: `docker.io`, `127.0.0.1:5000`, `ghcr.io`. */
  registry: string;
  /** The repository path inside the registry: `library/alpine`, `team/app`. */
  repository: string;
  tag?: string;
  /** `sha256:<64 hex>` when the reference pins a digest. */
  digest?: string;
}

const DOCKER_HUB = 'docker.io';
const HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

// The grammar of docker/distribution's reference package, written from its description.
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const HOST =
  /^(?:localhost|(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?))*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;
const MAX_NAME = 255;

/** Parses an image reference; throws TrustError('bad-ref') with the reason. */
export function parseImageRef(input: string): ImageRef {
  const text = input.trim();
  if (text.length === 0) throw badRef(input, 'empty reference');
  if (text.length > 1024) throw badRef(input, 'longer than 1024 characters');
  if (/\s/.test(text)) throw badRef(input, 'contains white space');

  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) {
      throw badRef(input, `digest "${clip(digest)}" is not sha256:<64 lowercase hex>`);
    }
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw badRef(input, `tag "${clip(tag)}" is not a valid tag`);
  }

  const parts = rest.split('/');
  let registry = DOCKER_HUB;
  const first = parts[0] ?? '';
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first;
    parts.shift();
    if (!HOST.test(registry)) throw badRef(input, `registry host "${clip(registry)}" is not valid`);
    const port = /:(\d+)$/.exec(registry)?.[1];
    if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
      throw badRef(input, `port ${port} is out of range`);
    }
  }
  if (HUB_ALIASES.has(registry.toLowerCase())) registry = DOCKER_HUB;
  if (parts.length === 0 || parts.some((p) => p.length === 0)) throw badRef(input, 'empty path component');
  for (const p of parts) {
    if (!COMPONENT.test(p)) {
      throw badRef(
        input,
        `path component "${clip(p)}" must be lowercase letters and digits joined by '.', '_', '__' or '-'`,
      );
    }
  }
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift('library');
  const repository = parts.join('/');
  if (`${registry}/${repository}`.length > MAX_NAME) throw badRef(input, `name longer than ${MAX_NAME}`);

  const ref: ImageRef = { registry, repository };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  if (tag === undefined && digest === undefined) ref.tag = 'latest';
  return ref;
}

/** `registry/repository`, the name signatures and policies are about. */
export function repositoryName(ref: Pick<ImageRef, 'registry' | 'repository'>): string {
  return `${ref.registry}/${ref.repository}`;
}

/** The reference written back in full: `registry/repository[:tag][@digest]`. */
export function formatImageRef(ref: ImageRef): string {
  let s = repositoryName(ref);
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}

/** The host the HTTP API lives on: Docker Hub names its registry differently from its image names. */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? 'registry-1.docker.io' : registry;
}

/** Whether a digest string is a well-formed sha256 digest. */
export function isSha256Digest(value: string): boolean {
  return DIGEST.test(value);
}

/** The tag cosign stores an image's signatures under: `sha256-<hex>.sig`. */
export function signatureTag(digest: string): string {
  if (!DIGEST.test(digest)) throw new TrustError('bad-ref', `not a sha256 digest: ${clip(digest)}`);
  return `${digest.replace(':', '-')}.sig`;
}

function badRef(input: string, reason: string): TrustError {
  return new TrustError('bad-ref', `bad image reference "${clip(input)}": ${reason}`);
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
