import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { TrustError } from './errors.js';

export interface Credentials {
  username: string;
  password: string;
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses a WWW-Authenticate value such as `Bearer realm="https://a/token",service="reg",scope="x"`.
 * Only the first challenge is read; quoted values may contain commas and escaped quotes.
 */
export function parseChallenge(value: string): Challenge {
  const text = value.trim();
  const m = /^([A-Za-z][A-Za-z0-9._~+/-]*)(?:\s+|$)/.exec(text);
  if (!m) throw new TrustError('bad-response', 'unreadable WWW-Authenticate challenge');
  const scheme = m[1]!.toLowerCase();
  const params: Record<string, string> = {};
  let i = m[0].length;
  while (i < text.length) {
    while (i < text.length && (text[i] === ',' || text[i] === ' ')) i++;
    if (i >= text.length) break;
    // `name=value`; a second challenge or token68 data (`abc==`) ends the first challenge.
    const key = /^([A-Za-z0-9_-]+)\s*=\s*(?=[^=,\s])/.exec(text.slice(i));
    if (!key) break;
    i += key[0].length;
    let v = '';
    if (text[i] === '"') {
      i++;
      let closed = false;
      while (i < text.length) {
        const c = text[i]!;
        if (c === '\\' && i + 1 < text.length) {
          v += text[i + 1];
          i += 2;
          continue;
        }
        if (c === '"') {
          closed = true;
          i++;
          break;
        }
        v += c;
        i++;
      }
      if (!closed) throw new TrustError('bad-response', 'WWW-Authenticate: unterminated quoted value');
    } else {
      const end = text.indexOf(',', i);
      v = (end < 0 ? text.slice(i) : text.slice(i, end)).trim();
      i = end < 0 ? text.length : end;
    }
    params[key[1]!.toLowerCase()] = v;
  }
  return { scheme, params };
}

/** `Basic base64(user:pass)`. */
export function basicAuthorization(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')}`;
}

/**
 * Looks up credentials for a registry host in a Docker/Podman auth file (`auths[host].auth` is
 * base64 `user:pass`). The default file is $REGISTRY_AUTH_FILE, else ~/.docker/config.json.
 */
export function credentialsFromAuthFile(host: string, file?: string): Credentials | undefined {
  const path =
    file ??
    process.env.REGISTRY_AUTH_FILE ??
    join(process.env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && file === undefined) return undefined;
    throw new TrustError('usage', `auth file ${path}: ${(e as Error).message}`);
  }
  const auths = (
    parsed as { auths?: Record<string, { auth?: unknown; username?: unknown; password?: unknown }> }
  )?.auths;
  if (typeof auths !== 'object' || auths === null) return undefined;
  const candidates = [host, `https://${host}`, `http://${host}`];
  if (host === 'docker.io' || host === 'registry-1.docker.io') candidates.push('https://index.docker.io/v1/');
  for (const c of candidates) {
    const entry = auths[c];
    if (entry === undefined) continue;
    if (typeof entry.username === 'string' && typeof entry.password === 'string') {
      return { username: entry.username, password: entry.password };
    }
    if (typeof entry.auth === 'string') {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
  }
  return undefined;
}
