import { createPrivateKey, randomBytes, scryptSync, type KeyObject } from 'node:crypto';
import { TrustError } from './errors.js';
import { NONCE_BYTES, secretboxOpen, secretboxSeal } from './secretbox.js';

/**
 * Cosign's encrypted private key files: a PEM block (`ENCRYPTED SIGSTORE PRIVATE KEY`, formerly
 * `ENCRYPTED COSIGN PRIVATE KEY`) whose body is a JSON envelope
 * `{kdf: {name: "scrypt", params: {N, r, p}, salt}, cipher: {name: "nacl/secretbox", nonce}, ciphertext}`
 * (byte fields base64) around the PKCS#8 DER key; the secretbox key is scrypt(password, salt, 32).
 */

export const COSIGN_PRIVATE_KEY_TYPES: readonly string[] = [
  'ENCRYPTED SIGSTORE PRIVATE KEY',
  'ENCRYPTED COSIGN PRIVATE KEY',
];

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** What cosign uses. */
export const COSIGN_SCRYPT: ScryptParams = { N: 32768, r: 8, p: 1 };
// A key file is input: its cost parameters must not be able to exhaust memory or CPU.
const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;

function deriveKey(password: string, salt: Buffer, params: ScryptParams): Buffer {
  const { N, r, p } = params;
  const ok =
    Number.isInteger(N) &&
    N >= 2 &&
    (N & (N - 1)) === 0 &&
    Number.isInteger(r) &&
    r >= 1 &&
    r <= 32 &&
    Number.isInteger(p) &&
    p >= 1 &&
    p <= 16 &&
    128 * N * r <= MAX_SCRYPT_MEMORY;
  if (!ok) throw new TrustError('bad-key', `unsupported scrypt parameters N=${N} r=${r} p=${p}`);
  return scryptSync(Buffer.from(password, 'utf8'), salt, 32, {
    N,
    r,
    p,
    maxmem: MAX_SCRYPT_MEMORY + 1024 * 1024,
  });
}

/** Seals bytes in the envelope (securesystemslib's "encrypted" format, as cosign uses it). */
export function encryptEnvelope(
  plain: Buffer,
  password: string,
  params: ScryptParams = COSIGN_SCRYPT,
): Buffer {
  const salt = randomBytes(32);
  const nonce = randomBytes(NONCE_BYTES);
  const box = secretboxSeal(plain, nonce, deriveKey(password, salt, params));
  return Buffer.from(
    JSON.stringify({
      kdf: {
        name: 'scrypt',
        params: { N: params.N, r: params.r, p: params.p },
        salt: salt.toString('base64'),
      },
      cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
      ciphertext: box.toString('base64'),
    }),
  );
}

/** Opens the envelope; a wrong password and a damaged file both end in the same refusal. */
export function decryptEnvelope(envelope: Buffer, password: string, label: string): Buffer {
  let e: {
    kdf?: { name?: unknown; params?: { N?: unknown; r?: unknown; p?: unknown }; salt?: unknown };
    cipher?: { name?: unknown; nonce?: unknown };
    ciphertext?: unknown;
  };
  try {
    e = JSON.parse(envelope.toString('utf8')) as typeof e;
  } catch {
    throw new TrustError('bad-key', `${label}: the encrypted key is not a JSON envelope`);
  }
  if (e?.kdf?.name !== 'scrypt') throw new TrustError('bad-key', `${label}: unsupported key derivation`);
  if (e.cipher?.name !== 'nacl/secretbox') throw new TrustError('bad-key', `${label}: unsupported cipher`);
  const b64 = (v: unknown, what: string): Buffer => {
    if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) {
      throw new TrustError('bad-key', `${label}: ${what} is not base64`);
    }
    return Buffer.from(v, 'base64');
  };
  const salt = b64(e.kdf.salt, 'salt');
  const nonce = b64(e.cipher.nonce, 'nonce');
  const box = b64(e.ciphertext, 'ciphertext');
  if (nonce.length !== NONCE_BYTES) throw new TrustError('bad-key', `${label}: nonce must be 24 bytes`);
  const params = e.kdf.params ?? {};
  let key: Buffer;
  try {
    key = deriveKey(password, salt, { N: Number(params.N), r: Number(params.r), p: Number(params.p) });
  } catch (err) {
    if (err instanceof TrustError) throw new TrustError('bad-key', `${label}: ${err.message}`);
    throw err;
  }
  const plain = secretboxOpen(box, nonce, key);
  if (plain === null) throw new TrustError('bad-key', `${label}: cannot decrypt the key (wrong password?)`);
  return plain;
}

/** A private key from the body of a cosign key PEM block. */
export function decryptCosignKey(body: Buffer, password: string, label: string): KeyObject {
  const der = decryptEnvelope(body, password, label);
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch {
    throw new TrustError('bad-key', `${label}: the decrypted key is not PKCS#8`);
  }
}

/** A private key as cosign writes it, so cosign can sign with a key Vigil made. */
export function encryptCosignKey(
  key: KeyObject,
  password: string,
  params: ScryptParams = COSIGN_SCRYPT,
): string {
  const der = key.export({ type: 'pkcs8', format: 'der' });
  const body = encryptEnvelope(der, password, params).toString('base64');
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${COSIGN_PRIVATE_KEY_TYPES[0]}-----\n${lines.join('\n')}\n-----END ${COSIGN_PRIVATE_KEY_TYPES[0]}-----\n`;
}
