import { constants, createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';
import { loadPublicKeys } from './keys.js';
import { verifyTrustMetadata, type TrustMetadata } from './notary.js';

/*
 * TUF metadata for a collection, built and signed here the way Notary lays it out (canonical JSON,
 * key IDs = sha256 of the canonical key). The e2e test checks the same verifier against metadata
 * a real notary-server published.
 */

interface TufSigner {
  id: string;
  key: { keytype: string; keyval: { private: null; public: string } };
  sign: (msg: Buffer) => string;
  method: string;
  publicPem: string;
}

function signer(kind: 'ecdsa' | 'ed25519' | 'rsa'): TufSigner {
  let privateKey: KeyObject;
  let publicKey: KeyObject;
  let pub: string;
  let method: string;
  let signFn: (msg: Buffer) => Buffer;
  if (kind === 'ed25519') {
    ({ privateKey, publicKey } = generateKeyPairSync('ed25519'));
    pub = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('base64');
    method = 'eddsa';
    signFn = (m) => sign(null, m, privateKey);
  } else if (kind === 'ecdsa') {
    ({ privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' }));
    pub = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    method = 'ecdsa';
    signFn = (m) => sign('sha256', m, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  } else {
    ({ privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 }));
    pub = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    method = 'rsapss';
    signFn = (m) =>
      sign('sha256', m, {
        key: privateKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      });
  }
  const key = { keytype: kind, keyval: { private: null, public: pub } };
  return {
    id: createHash('sha256').update(canonicalJson(key)).digest('hex'),
    key,
    method,
    sign: (m) => signFn(m).toString('base64'),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

function signedDoc(signed: object, by: TufSigner[], method?: string): Buffer {
  const msg = Buffer.from(canonicalJson(signed));
  return Buffer.from(
    JSON.stringify({
      signed,
      signatures: by.map((s) => ({ keyid: s.id, method: method ?? s.method, sig: s.sign(msg) })),
    }),
  );
}

function metaOf(bytes: Buffer): object {
  return {
    length: bytes.length,
    hashes: {
      sha256: createHash('sha256').update(bytes).digest('base64'),
      sha512: createHash('sha512').update(bytes).digest('base64'),
    },
  };
}

const FUTURE = '2099-01-01T00:00:00Z';
const NOW = new Date('2030-01-01T00:00:00Z');
const GUN = 'reg.example/team/app';
const IMAGE = createHash('sha256').update('manifest v1').digest();

const keys = {
  root: signer('ecdsa'),
  targets: signer('rsa'),
  snapshot: signer('ecdsa'),
  timestamp: signer('ed25519'),
};
const releasesKey = signer('ecdsa');

interface Knobs {
  rootThreshold?: number;
  rootSigners?: TufSigner[];
  targetsSigners?: TufSigner[];
  timestampExpires?: string;
  tamperTargets?: (t: Buffer) => Buffer;
  targetsType?: string;
  method?: string;
  rootKeyId?: string;
  releases?: { paths: string[]; listed: boolean; hash: Buffer };
}

function collection(k: Knobs = {}): TrustMetadata {
  const rootKeys: Record<string, object> = {};
  for (const s of Object.values(keys)) rootKeys[s.id] = s.key;
  const rootId = k.rootKeyId ?? keys.root.id;
  if (rootId !== keys.root.id) {
    delete rootKeys[keys.root.id];
    rootKeys[rootId] = keys.root.key;
  }
  const role = (s: TufSigner, threshold = 1) => ({ keyids: [s === keys.root ? rootId : s.id], threshold });
  const root = signedDoc(
    {
      _type: 'Root',
      consistent_snapshot: false,
      expires: FUTURE,
      version: 1,
      keys: rootKeys,
      roles: {
        root: role(keys.root, k.rootThreshold),
        targets: role(keys.targets),
        snapshot: role(keys.snapshot),
        timestamp: role(keys.timestamp),
      },
    },
    (k.rootSigners ?? [keys.root]).map((s) => (s === keys.root ? { ...s, id: rootId } : s)),
    k.method,
  );
  const delegations = k.releases
    ? {
        keys: { [releasesKey.id]: releasesKey.key },
        roles: [
          { name: 'targets/releases', keyids: [releasesKey.id], threshold: 1, paths: k.releases.paths },
        ],
      }
    : { keys: {}, roles: [] };
  let targets = signedDoc(
    {
      _type: k.targetsType ?? 'Targets',
      expires: FUTURE,
      version: 2,
      delegations,
      targets: { v1: { hashes: { sha256: IMAGE.toString('base64') }, length: 400 } },
    },
    k.targetsSigners ?? [keys.targets],
  );
  const releases = k.releases
    ? signedDoc(
        {
          _type: 'Targets',
          expires: FUTURE,
          version: 1,
          delegations: { keys: {}, roles: [] },
          targets: { v1: { hashes: { sha256: k.releases.hash.toString('base64') }, length: 401 } },
        },
        [releasesKey],
      )
    : undefined;
  const snapshotMeta: Record<string, object> = { root: metaOf(root), targets: metaOf(targets) };
  if (releases && k.releases!.listed) snapshotMeta['targets/releases'] = metaOf(releases);
  const snapshot = signedDoc({ _type: 'Snapshot', expires: FUTURE, version: 2, meta: snapshotMeta }, [
    keys.snapshot,
  ]);
  const timestamp = signedDoc(
    {
      _type: 'Timestamp',
      expires: k.timestampExpires ?? FUTURE,
      version: 1,
      meta: { snapshot: metaOf(snapshot) },
    },
    [keys.timestamp],
  );
  if (k.tamperTargets) targets = k.tamperTargets(targets);
  const delegated = new Map<string, Buffer>();
  if (releases) delegated.set('targets/releases', releases);
  return { gun: GUN, root, timestamp, snapshot, targets, delegations: delegated };
}

const verify = (m: TrustMetadata, rootKeys = [] as ReturnType<typeof loadPublicKeys>) =>
  verifyTrustMetadata(m, { rootKeys, now: NOW });

describe('verifying Notary TUF metadata', () => {
  it('walks root, timestamp, snapshot and targets and finds a signed tag', () => {
    const r = verify(collection());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.collection.lookup('v1')).toEqual({
      name: 'v1',
      sha256: IMAGE.toString('hex'),
      length: 400,
      role: 'targets',
    });
    expect(r.collection.lookup('v2')).toBeUndefined();
    expect(r.collection.rootPinned).toBe(false);
    expect(r.collection.rootKeys).toEqual(
      loadPublicKeys(keys.root.publicPem, 'root').map((k) => k.fingerprint),
    );
  });

  it('checks the root against a pinned trust root', () => {
    const pinned = verify(collection(), loadPublicKeys(keys.root.publicPem, 'root.pem'));
    expect(pinned.ok && pinned.collection.rootPinned).toBe(true);
    expect(verify(collection(), loadPublicKeys(signer('ecdsa').publicPem, 'other.pem'))).toEqual({
      ok: false,
      status: 'untrusted',
      reason: `root.json of ${GUN} is not signed by the pinned trust root`,
    });
  });

  it('prefers the targets/releases delegation, as Docker does, when the snapshot lists it', () => {
    const hash = createHash('sha256').update('manifest v1, released').digest();
    const listed = verify(collection({ releases: { paths: [''], listed: true, hash } }));
    expect(listed.ok && listed.collection.lookup('v1')).toMatchObject({
      role: 'targets/releases',
      sha256: hash.toString('hex'),
    });
    const unlisted = verify(collection({ releases: { paths: [''], listed: false, hash } }));
    expect(unlisted.ok && unlisted.collection.lookup('v1')).toMatchObject({ role: 'targets' });
    const elsewhere = verify(collection({ releases: { paths: ['rel-'], listed: true, hash } }));
    expect(elsewhere.ok && elsewhere.collection.lookup('v1')).toMatchObject({ role: 'targets' });
  });

  it.each<[string, Knobs | (() => TrustMetadata), RegExp]>([
    [
      'targets changed after the snapshot',
      { tamperTargets: (t) => Buffer.from(t.toString().replace('"length":400', '"length":401')) },
      /targets\.json length differs|does not match its sha256/,
    ],
    [
      'targets signed by the wrong key',
      { targetsSigners: [keys.snapshot] },
      /targets\.json has 0 valid signatures of the 1 needed/,
    ],
    ['an expired timestamp', { timestampExpires: '2029-12-31T23:59:59Z' }, /timestamp\.json expired/],
    [
      'a root short of its threshold',
      { rootThreshold: 2 },
      /root\.json has 1 valid signatures of the 2 needed/,
    ],
    ['a root signed by a non-root key', { rootSigners: [keys.targets] }, /root\.json has 0 valid signatures/],
    ['a role of the wrong type', { targetsType: 'Snapshot' }, /targets\.json is of type Snapshot/],
    [
      'a key ID that is not the hash of its key',
      { rootKeyId: 'ab'.repeat(32) },
      /root\.json has 0 valid signatures/,
    ],
    [
      'a signature method that does not fit the key',
      { method: 'eddsa' },
      /root\.json has 0 valid signatures/,
    ],
    [
      'a root that is not JSON',
      () => ({ ...collection(), root: Buffer.from('{"signed":') }),
      /root\.json is not JSON/,
    ],
    [
      'a snapshot without hashes',
      () => {
        const c = collection();
        const ts = JSON.parse(c.timestamp.toString());
        ts.signed.meta.snapshot.hashes = {};
        return { ...c, timestamp: signedDoc(ts.signed, [keys.timestamp]) };
      },
      /records no sha256 or sha512 hash for snapshot/,
    ],
  ])('refuses %s', (_name, knobs, reason) => {
    const r = verify(typeof knobs === 'function' ? knobs() : collection(knobs));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.status).toBe('invalid');
    expect(!r.ok && r.reason).toMatch(reason);
  });

  it('refuses DER-encoded ECDSA signatures (Notary writes r||s)', () => {
    const c = collection();
    const root = JSON.parse(c.root.toString());
    root.signatures[0].sig = derOf(root.signatures[0].sig);
    const r = verify({ ...c, root: Buffer.from(JSON.stringify(root)) });
    expect(!r.ok && r.reason).toMatch(/root\.json has 0 valid signatures/);
  });
});

/** The same ECDSA signature in ASN.1 DER instead of IEEE P1363. */
function derOf(p1363b64: string): string {
  const raw = Buffer.from(p1363b64, 'base64');
  const int = (b: Buffer): Buffer => {
    let v = b;
    while (v.length > 1 && v[0] === 0 && v[1]! < 0x80) v = v.subarray(1);
    if (v[0]! >= 0x80) v = Buffer.concat([Buffer.from([0]), v]);
    return Buffer.concat([Buffer.from([0x02, v.length]), v]);
  };
  const body = Buffer.concat([int(raw.subarray(0, 32)), int(raw.subarray(32))]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]).toString('base64');
}
