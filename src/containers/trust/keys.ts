import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { COSIGN_PRIVATE_KEY_TYPES, decryptCosignKey, encryptCosignKey } from './cosign-key.js';
import { TrustError } from './errors.js';

/** A public key a verifier trusts, with a name for reports. */
export interface TrustedKey {
  /** Where the key came from: a file path or `inline #n`. */
  label: string;
  /** sha256 of the DER SubjectPublicKeyInfo, hex. */
  fingerprint: string;
  key: KeyObject;
}

export interface PemBlock {
  type: string;
  headers: Record<string, string>;
  der: Buffer;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/** Every PEM block in a text, in order; a text without one is an error. */
export function readPemBlocks(text: string, where: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(PEM_BLOCK)) {
    const headers: Record<string, string> = {};
    const lines = m[2]!.split(/\r?\n/);
    const body: string[] = [];
    for (const line of lines) {
      const h = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
      if (h && body.length === 0) headers[h[1]!] = h[2]!;
      else if (line.trim().length > 0) body.push(line.trim());
    }
    const b64 = body.join('');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) {
      throw new TrustError('bad-key', `${where}: PEM block "${m[1]}" is not valid base64`);
    }
    blocks.push({ type: m[1]!, headers, der: Buffer.from(b64, 'base64') });
  }
  if (blocks.length === 0) throw new TrustError('bad-key', `${where}: no PEM block found`);
  return blocks;
}

export function fingerprintOf(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(pub.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/**
 * Public keys from PEM text: `PUBLIC KEY` (SubjectPublicKeyInfo, what cosign writes to cosign.pub)
 * or `CERTIFICATE` (its subject key). Supported: ECDSA (P-256, P-384, P-521), RSA, Ed25519.
 */
export function loadPublicKeys(text: string, label: string): TrustedKey[] {
  const out: TrustedKey[] = [];
  for (const block of readPemBlocks(text, label)) {
    let key: KeyObject;
    try {
      if (block.type === 'PUBLIC KEY') key = createPublicKey({ key: block.der, format: 'der', type: 'spki' });
      else if (block.type === 'CERTIFICATE') key = new X509Certificate(block.der).publicKey;
      else if (block.type.includes('PRIVATE KEY')) {
        throw new TrustError('bad-key', `${label}: this is a private key; give the public key (.pub)`);
      } else throw new TrustError('bad-key', `${label}: PEM block "${block.type}" is not a public key`);
    } catch (e) {
      if (e instanceof TrustError) throw e;
      throw new TrustError('bad-key', `${label}: unreadable ${block.type}: ${(e as Error).message}`);
    }
    checkSupported(key, label);
    out.push({ label, fingerprint: fingerprintOf(key), key });
  }
  return out;
}

/**
 * A signing key from PEM: PKCS#8 (`PRIVATE KEY`, `ENCRYPTED PRIVATE KEY`), SEC1 (`EC PRIVATE KEY`),
 * or cosign's own `ENCRYPTED SIGSTORE PRIVATE KEY` (scrypt + NaCl secretbox).
 */
export function loadPrivateKey(text: string, passphrase: string | undefined, label: string): KeyObject {
  const [block] = readPemBlocks(text, label);
  const type = block!.type;
  const cosign = COSIGN_PRIVATE_KEY_TYPES.includes(type);
  // cosign allows an empty password; PKCS#8 encryption does not.
  if ((type === 'ENCRYPTED PRIVATE KEY' && !passphrase) || (cosign && passphrase === undefined)) {
    throw new TrustError('bad-key', `${label}: the key is encrypted; set VIGIL_IMAGE_KEY_PASSWORD`);
  }
  let key: KeyObject;
  try {
    if (cosign) key = decryptCosignKey(block!.der, passphrase!, label);
    else if (type === 'ENCRYPTED PRIVATE KEY') {
      key = createPrivateKey({ key: block!.der, format: 'der', type: 'pkcs8', passphrase: passphrase! });
    } else if (type === 'PRIVATE KEY') {
      key = createPrivateKey({ key: block!.der, format: 'der', type: 'pkcs8' });
    } else if (type === 'EC PRIVATE KEY') {
      key = createPrivateKey({ key: block!.der, format: 'der', type: 'sec1' });
    } else {
      throw new TrustError('bad-key', `${label}: PEM block "${type}" is not a private key Vigil reads`);
    }
  } catch (e) {
    if (e instanceof TrustError) throw e;
    const hint = type === 'ENCRYPTED PRIVATE KEY' ? ' (wrong password?)' : '';
    throw new TrustError('bad-key', `${label}: cannot read the private key${hint}`);
  }
  checkSupported(key, label);
  return key;
}

export interface GeneratedKeyPair {
  privatePem: string;
  publicPem: string;
  fingerprint: string;
}

/**
 * A fresh ECDSA P-256 pair. The private key is AES-256 encrypted PKCS#8, or unencrypted when
 * passphrase is null, or in cosign's encrypted format (`cosign sign --key` reads it).
 */
export function generateSigningKeyPair(
  passphrase: string | null,
  format: 'pkcs8' | 'cosign' = 'pkcs8',
): GeneratedKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  let privatePem: string;
  if (format === 'cosign') {
    if (passphrase === null) throw new TrustError('usage', "cosign's key format is always encrypted");
    privatePem = encryptCosignKey(privateKey, passphrase);
  } else if (passphrase === null) privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  else {
    privatePem = privateKey
      .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase })
      .toString();
  }
  return {
    privatePem,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    fingerprint: fingerprintOf(publicKey),
  };
}

/**
 * Signs bytes the way cosign's key-based signing does: ECDSA over SHA-256 with an ASN.1 DER
 * signature (RSA: PKCS#1 v1.5 SHA-256; Ed25519: the bytes themselves).
 */
export function signBytes(key: KeyObject, data: Buffer): Buffer {
  return key.asymmetricKeyType === 'ed25519' ? sign(null, data, key) : sign('sha256', data, key);
}

/** Checks a signature made by signBytes (or cosign); false on any mismatch or malformed signature. */
export function verifyBytes(key: KeyObject, data: Buffer, signature: Buffer): boolean {
  try {
    return key.asymmetricKeyType === 'ed25519'
      ? verify(null, data, key, signature)
      : verify('sha256', data, { key, dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
}

function checkSupported(key: KeyObject, label: string): void {
  const type = key.asymmetricKeyType;
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve !== 'prime256v1' && curve !== 'secp384r1' && curve !== 'secp521r1') {
      throw new TrustError('bad-key', `${label}: EC curve ${curve ?? '?'} is not supported`);
    }
    return;
  }
  if (type === 'rsa') {
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
      throw new TrustError('bad-key', `${label}: RSA keys shorter than 2048 bits are refused`);
    }
    return;
  }
  if (type === 'ed25519') return;
  throw new TrustError('bad-key', `${label}: key type ${type ?? '?'} is not supported`);
}
