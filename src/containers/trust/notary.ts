import { createHash, createPublicKey, verify, X509Certificate, constants, type KeyObject } from 'node:crypto';
import type { Credentials } from './auth.js';
import { canonicalJson } from './canonical-json.js';
import { TrustError } from './errors.js';
import { fingerprintOf, type TrustedKey } from './keys.js';
import { Session } from './session.js';

/**
 * Docker Content Trust: the TUF metadata a Notary server keeps for a collection (a GUN such as
 * `docker.io/library/alpine`), read and verified here from root down to the signed targets.
 */

export interface NotaryClientOptions {
  timeoutMs?: number;
  tlsNoVerify?: boolean;
  credentials?: Credentials;
}

/** The four top-level metadata files as served, plus delegated targets roles that were found. */
export interface TrustMetadata {
  gun: string;
  root: Buffer;
  timestamp: Buffer;
  snapshot: Buffer;
  targets: Buffer;
  /** Delegated roles (`targets/releases`) by name. */
  delegations: Map<string, Buffer>;
}

export interface SignedTarget {
  name: string;
  /** sha256 of the target (for images: the manifest), hex. */
  sha256: string;
  length: number;
  /** The role that signed it: `targets` or `targets/releases`. */
  role: string;
}

export interface VerifiedCollection {
  gun: string;
  /** Fingerprints (sha256 of SPKI) of the root keys whose signatures counted. */
  rootKeys: string[];
  /** Whether the root was checked against keys given by the user, not trusted on first use. */
  rootPinned: boolean;
  /** Targets by name, in the order Docker looks: `targets/releases` first, then `targets`. */
  lookup(name: string): SignedTarget | undefined;
  all(): SignedTarget[];
}

export type CollectionCheck =
  | { ok: true; collection: VerifiedCollection }
  | { ok: false; status: 'invalid' | 'untrusted'; reason: string };

const MAX_METADATA_BYTES = 16 * 1024 * 1024;
/** The delegation Docker signs into when delegation keys exist. */
const RELEASES_ROLE = 'targets/releases';

/** Fetches a collection's metadata; null when the server has none for the GUN. */
export async function fetchTrustMetadata(
  server: string,
  gun: string,
  options: NotaryClientOptions = {},
): Promise<TrustMetadata | null> {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new TrustError('usage', `Notary server is not a URL: ${server}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TrustError('usage', `Notary server URL must be http(s): ${server}`);
  }
  const session = new Session(server.replace(/\/+$/, ''), options);
  const get = async (role: string): Promise<Buffer | null> => {
    const res = await session.call({
      method: 'GET',
      path: `${url.pathname.replace(/\/+$/, '')}/v2/${gun}/_trust/tuf/${role}.json`,
      scope: `repository:${gun}:pull`,
      maxBytes: MAX_METADATA_BYTES,
    });
    if (res.status === 404) return null;
    if (res.status !== 200) {
      throw new TrustError(
        res.status === 401 || res.status === 403 ? 'auth' : 'bad-response',
        `Notary ${server}: ${role}.json for ${gun} answered HTTP ${res.status}`,
      );
    }
    return res.body;
  };
  const root = await get('root');
  if (root === null) return null;
  const [timestamp, snapshot, targets] = await Promise.all([
    get('timestamp'),
    get('snapshot'),
    get('targets'),
  ]);
  if (timestamp === null || snapshot === null || targets === null) {
    throw new TrustError(
      'bad-response',
      `Notary ${server}: ${gun} has a root but lacks timestamp, snapshot or targets`,
    );
  }
  const delegations = new Map<string, Buffer>();
  const releases = await get(RELEASES_ROLE);
  if (releases !== null) delegations.set(RELEASES_ROLE, releases);
  return { gun, root, timestamp, snapshot, targets, delegations };
}

interface Signed {
  signed: Record<string, unknown>;
  signatures: { keyid: string; method: string; sig: string }[];
}

interface TufKey {
  id: string;
  keytype: string;
  key: KeyObject;
  cert?: X509Certificate;
}

interface Role {
  keyids: string[];
  threshold: number;
}

class Invalid extends Error {}

/**
 * Verifies the chain: root (self-signed to its threshold, and by pinned keys when given) →
 * timestamp → snapshot (hash and length named by the timestamp) → targets and delegations
 * (hashes named by the snapshot), each signed by its role's keys and not expired.
 */
export function verifyTrustMetadata(
  meta: TrustMetadata,
  trust: { rootKeys: readonly TrustedKey[]; now: Date },
): CollectionCheck {
  try {
    const root = parseSigned(meta.root, 'root', 'Root');
    const keys = parseKeys(root.signed.keys, 'root');
    const roles = parseRoles(root.signed.roles);
    checkExpiry(root.signed, 'root', trust.now);

    const rootRole = roles.get('root')!;
    const rootSigners = validSigners(root, rootRole, keys, 'root');
    if (rootSigners.length < rootRole.threshold) {
      throw new Invalid(
        `root.json has ${rootSigners.length} valid signatures of the ${rootRole.threshold} needed`,
      );
    }
    for (const id of rootSigners) {
      const cert = keys.get(id)!.cert;
      if (cert === undefined) continue;
      if (
        Date.parse(cert.validFrom) > trust.now.getTime() ||
        Date.parse(cert.validTo) < trust.now.getTime()
      ) {
        throw new Invalid(`root certificate ${id.slice(0, 12)} is outside its validity period`);
      }
      const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1];
      if (cn !== meta.gun) throw new Invalid(`root certificate is for "${cn ?? '?'}", not for ${meta.gun}`);
    }
    const rootFingerprints = rootSigners.map((id) => fingerprintOf(keys.get(id)!.key));
    if (trust.rootKeys.length > 0) {
      const pinned = new Set(trust.rootKeys.map((k) => k.fingerprint));
      const byPinned = new Set(rootFingerprints.filter((f) => pinned.has(f)));
      if (byPinned.size < rootRole.threshold) {
        return {
          ok: false,
          status: 'untrusted',
          reason: `root.json of ${meta.gun} is not signed by the pinned trust root`,
        };
      }
    }

    const timestamp = parseSigned(meta.timestamp, 'timestamp', 'Timestamp');
    requireSigned(timestamp, roles.get('timestamp')!, keys, 'timestamp');
    checkExpiry(timestamp.signed, 'timestamp', trust.now);
    checkMeta(timestamp.signed, 'snapshot', meta.snapshot, 'timestamp');

    const snapshot = parseSigned(meta.snapshot, 'snapshot', 'Snapshot');
    requireSigned(snapshot, roles.get('snapshot')!, keys, 'snapshot');
    checkExpiry(snapshot.signed, 'snapshot', trust.now);
    checkMeta(snapshot.signed, 'targets', meta.targets, 'snapshot');
    if (metaEntry(snapshot.signed, 'root') !== undefined)
      checkMeta(snapshot.signed, 'root', meta.root, 'snapshot');

    const targets = parseSigned(meta.targets, 'targets', 'Targets');
    requireSigned(targets, roles.get('targets')!, keys, 'targets');
    checkExpiry(targets.signed, 'targets', trust.now);
    const byRole = new Map<string, Map<string, SignedTarget>>();
    byRole.set(
      'targets',
      readTargets(targets.signed, 'targets', () => true),
    );

    const releases = meta.delegations.get(RELEASES_ROLE);
    const delegation = findDelegation(targets.signed, RELEASES_ROLE);
    if (releases !== undefined && delegation !== undefined) {
      // Only a delegation the snapshot lists is current; an unlisted one is ignored.
      if (metaEntry(snapshot.signed, RELEASES_ROLE) !== undefined) {
        checkMeta(snapshot.signed, RELEASES_ROLE, releases, 'snapshot');
        const d = parseSigned(releases, RELEASES_ROLE, 'Targets');
        requireSigned(d, delegation.role, delegation.keys, RELEASES_ROLE);
        checkExpiry(d.signed, RELEASES_ROLE, trust.now);
        byRole.set(RELEASES_ROLE, readTargets(d.signed, RELEASES_ROLE, delegation.allows));
      }
    }
    const order = [RELEASES_ROLE, 'targets'];
    const collection: VerifiedCollection = {
      gun: meta.gun,
      rootKeys: [...new Set(rootFingerprints)],
      rootPinned: trust.rootKeys.length > 0,
      lookup: (name) => {
        for (const r of order) {
          const t = byRole.get(r)?.get(name);
          if (t !== undefined) return t;
        }
        return undefined;
      },
      all: () => order.flatMap((r) => [...(byRole.get(r)?.values() ?? [])]),
    };
    return { ok: true, collection };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, status: 'invalid', reason: e.message };
    throw e;
  }
}

function parseSigned(bytes: Buffer, role: string, type: string): Signed {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new Invalid(`${role}.json is not JSON`);
  }
  const p = parsed as Partial<Signed>;
  if (typeof p !== 'object' || p === null || typeof p.signed !== 'object' || p.signed === null) {
    throw new Invalid(`${role}.json has no "signed" object`);
  }
  if (!Array.isArray(p.signatures)) throw new Invalid(`${role}.json has no "signatures" list`);
  if (p.signed._type !== type)
    throw new Invalid(`${role}.json is of type ${String(p.signed._type)}, not ${type}`);
  for (const s of p.signatures) {
    if (typeof s !== 'object' || s === null || typeof s.keyid !== 'string' || typeof s.sig !== 'string') {
      throw new Invalid(`${role}.json has a malformed signature entry`);
    }
    if (typeof s.method !== 'string') s.method = '';
  }
  return p as Signed;
}

/** Keys by ID; an entry whose ID is not the hash of its canonical form is dropped, not trusted. */
function parseKeys(value: unknown, where: string): Map<string, TufKey> {
  if (typeof value !== 'object' || value === null) throw new Invalid(`${where}: "keys" is not an object`);
  const keys = new Map<string, TufKey>();
  for (const [id, k] of Object.entries(value as Record<string, unknown>)) {
    const entry = k as { keytype?: unknown; keyval?: { public?: unknown } };
    if (typeof entry?.keytype !== 'string' || typeof entry.keyval?.public !== 'string') continue;
    let canonical: string;
    try {
      canonical = canonicalJson(k);
    } catch {
      continue;
    }
    if (createHash('sha256').update(canonical, 'utf8').digest('hex') !== id) continue;
    const parsed = tufPublicKey(entry.keytype, entry.keyval.public);
    if (parsed !== undefined) keys.set(id, { id, keytype: entry.keytype, ...parsed });
  }
  return keys;
}

function tufPublicKey(
  keytype: string,
  publicB64: string,
): { key: KeyObject; cert?: X509Certificate } | undefined {
  try {
    const raw = Buffer.from(publicB64, 'base64');
    switch (keytype) {
      case 'ed25519':
        if (raw.length !== 32) return undefined;
        return {
          key: createPublicKey({
            key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
            format: 'jwk',
          }),
        };
      case 'ecdsa':
      case 'rsa':
        return { key: createPublicKey({ key: raw, format: 'der', type: 'spki' }) };
      case 'ecdsa-x509':
      case 'rsa-x509': {
        const cert = new X509Certificate(raw);
        return { key: cert.publicKey, cert };
      }
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}

function parseRoles(value: unknown): Map<string, Role> {
  if (typeof value !== 'object' || value === null) throw new Invalid('root.json has no "roles"');
  const roles = new Map<string, Role>();
  for (const name of ['root', 'targets', 'snapshot', 'timestamp']) {
    roles.set(name, parseRole((value as Record<string, unknown>)[name], `root role ${name}`));
  }
  return roles;
}

function parseRole(value: unknown, where: string): Role {
  const r = value as { keyids?: unknown; threshold?: unknown };
  if (typeof r !== 'object' || r === null || !Array.isArray(r.keyids))
    throw new Invalid(`${where} has no keyids`);
  if (typeof r.threshold !== 'number' || !Number.isInteger(r.threshold) || r.threshold < 1) {
    throw new Invalid(`${where} has no valid threshold`);
  }
  return { keyids: r.keyids.filter((k): k is string => typeof k === 'string'), threshold: r.threshold };
}

/** IDs of the role's keys that made a valid signature over the canonical form of `signed`. */
function validSigners(doc: Signed, role: Role, keys: Map<string, TufKey>, where: string): string[] {
  let message: Buffer;
  try {
    message = Buffer.from(canonicalJson(doc.signed), 'utf8');
  } catch (e) {
    throw new Invalid(`${where}.json cannot be put in canonical form: ${(e as Error).message}`);
  }
  const signers = new Set<string>();
  for (const s of doc.signatures) {
    if (!role.keyids.includes(s.keyid) || signers.has(s.keyid)) continue;
    const key = keys.get(s.keyid);
    if (key === undefined) continue;
    if (checkSignature(key, s.method, message, Buffer.from(s.sig, 'base64'))) signers.add(s.keyid);
  }
  return [...signers];
}

function requireSigned(doc: Signed, role: Role, keys: Map<string, TufKey>, where: string): void {
  const n = validSigners(doc, role, keys, where).length;
  if (n < role.threshold)
    throw new Invalid(`${where}.json has ${n} valid signatures of the ${role.threshold} needed`);
}

function checkSignature(key: TufKey, method: string, message: Buffer, sig: Buffer): boolean {
  try {
    const type = key.key.asymmetricKeyType;
    if (type === 'ed25519') return method === 'eddsa' && verify(null, message, key.key, sig);
    if (type === 'ec')
      return (
        method === 'ecdsa' && verify('sha256', message, { key: key.key, dsaEncoding: 'ieee-p1363' }, sig)
      );
    if (type === 'rsa') {
      if (method === 'rsapss') {
        return verify(
          'sha256',
          message,
          {
            key: key.key,
            padding: constants.RSA_PKCS1_PSS_PADDING,
            saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
          },
          sig,
        );
      }
      if (method === 'rsapkcs1v15') return verify('sha256', message, key.key, sig);
    }
    return false;
  } catch {
    return false;
  }
}

function checkExpiry(signed: Record<string, unknown>, role: string, now: Date): void {
  const expires = typeof signed.expires === 'string' ? Date.parse(signed.expires) : NaN;
  if (Number.isNaN(expires)) throw new Invalid(`${role}.json has no valid "expires"`);
  if (expires <= now.getTime()) throw new Invalid(`${role}.json expired at ${String(signed.expires)}`);
}

function metaEntry(signed: Record<string, unknown>, name: string): unknown {
  const meta = signed.meta as Record<string, unknown> | undefined;
  return typeof meta === 'object' && meta !== null ? meta[name] : undefined;
}

/** The length and every listed hash of `bytes` must equal what the parent role recorded. */
function checkMeta(signed: Record<string, unknown>, name: string, bytes: Buffer, parent: string): void {
  const entry = metaEntry(signed, name) as { length?: unknown; hashes?: Record<string, unknown> } | undefined;
  if (entry === undefined || typeof entry !== 'object' || entry === null) {
    throw new Invalid(`${parent}.json does not list ${name}`);
  }
  if (entry.length !== bytes.length)
    throw new Invalid(`${name}.json length differs from what ${parent}.json records`);
  const hashes = entry.hashes ?? {};
  let checked = 0;
  for (const algo of ['sha256', 'sha512']) {
    const want = hashes[algo];
    if (want === undefined) continue;
    if (typeof want !== 'string') throw new Invalid(`${parent}.json: ${name} ${algo} hash is not a string`);
    if (createHash(algo).update(bytes).digest('base64') !== want) {
      throw new Invalid(`${name}.json does not match its ${algo} hash in ${parent}.json`);
    }
    checked++;
  }
  if (checked === 0) throw new Invalid(`${parent}.json records no sha256 or sha512 hash for ${name}`);
}

function readTargets(
  signed: Record<string, unknown>,
  role: string,
  allows: (name: string) => boolean,
): Map<string, SignedTarget> {
  const out = new Map<string, SignedTarget>();
  const targets = signed.targets;
  if (typeof targets !== 'object' || targets === null) throw new Invalid(`${role}.json has no "targets"`);
  for (const [name, t] of Object.entries(targets as Record<string, unknown>)) {
    const entry = t as { length?: unknown; hashes?: { sha256?: unknown } };
    if (!allows(name)) continue;
    if (typeof entry?.length !== 'number' || typeof entry.hashes?.sha256 !== 'string') continue;
    const hash = Buffer.from(entry.hashes.sha256, 'base64');
    if (hash.length !== 32) continue;
    out.set(name, { name, sha256: hash.toString('hex'), length: entry.length, role });
  }
  return out;
}

function findDelegation(
  signed: Record<string, unknown>,
  name: string,
): { role: Role; keys: Map<string, TufKey>; allows: (target: string) => boolean } | undefined {
  const delegations = signed.delegations as { keys?: unknown; roles?: unknown } | undefined;
  if (typeof delegations !== 'object' || delegations === null || !Array.isArray(delegations.roles))
    return undefined;
  const entry = (delegations.roles as { name?: unknown; paths?: unknown }[]).find((r) => r?.name === name);
  if (entry === undefined) return undefined;
  const role = parseRole(entry, `delegation ${name}`);
  const paths = Array.isArray(entry.paths)
    ? entry.paths.filter((p): p is string => typeof p === 'string')
    : [];
  // Notary's path prefixes: "" delegates every target name.
  const allows = (target: string): boolean => paths.some((p) => target.startsWith(p));
  return { role, keys: parseKeys(delegations.keys, `delegation ${name}`), allows };
}
