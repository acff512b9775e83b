import { timingSafeEqual } from 'node:crypto';

/**
 * NaCl's secretbox (XSalsa20 + Poly1305), written from Bernstein's Salsa20 and XSalsa20 papers and
 * RFC 8439's Poly1305: Node's crypto has neither. Used only to read and write cosign's encrypted
 * key files, so inputs are a few hundred bytes and speed does not matter.
 */

export const KEY_BYTES = 32;
export const NONCE_BYTES = 24;
export const TAG_BYTES = 16;

const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]; // "expand 32-byte k"

function rotl(v: number, n: number): number {
  return (v << n) | (v >>> (32 - n));
}

/** 20 rounds (10 double rounds) of the Salsa20 permutation over x, in place. */
function rounds(x: Uint32Array): void {
  const qr = (a: number, b: number, c: number, d: number): void => {
    x[b]! ^= rotl((x[a]! + x[d]!) | 0, 7);
    x[c]! ^= rotl((x[b]! + x[a]!) | 0, 9);
    x[d]! ^= rotl((x[c]! + x[b]!) | 0, 13);
    x[a]! ^= rotl((x[d]! + x[c]!) | 0, 18);
  };
  for (let i = 0; i < 10; i++) {
    qr(0, 4, 8, 12);
    qr(5, 9, 13, 1);
    qr(10, 14, 2, 6);
    qr(15, 3, 7, 11);
    qr(0, 1, 2, 3);
    qr(5, 6, 7, 4);
    qr(10, 11, 8, 9);
    qr(15, 12, 13, 14);
  }
}

/** The initial state: constants on the diagonal, the key around them, 16 input bytes in the middle. */
function initialState(key: Buffer, input16: Buffer): Uint32Array {
  const s = new Uint32Array(16);
  s[0] = SIGMA[0]!;
  s[5] = SIGMA[1]!;
  s[10] = SIGMA[2]!;
  s[15] = SIGMA[3]!;
  for (let i = 0; i < 4; i++) {
    s[1 + i] = key.readUInt32LE(4 * i);
    s[11 + i] = key.readUInt32LE(16 + 4 * i);
    s[6 + i] = input16.readUInt32LE(4 * i);
  }
  return s;
}

/** HSalsa20: derives XSalsa20's subkey from the key and the first 16 nonce bytes. */
function hsalsa20(key: Buffer, input16: Buffer): Buffer {
  const x = initialState(key, input16);
  rounds(x);
  const out = Buffer.alloc(32);
  [0, 5, 10, 15, 6, 7, 8, 9].forEach((w, i) => out.writeUInt32LE(x[w]!, 4 * i));
  return out;
}

/** XSalsa20 key stream of `length` bytes. */
function xsalsa20Stream(key: Buffer, nonce: Buffer, length: number): Buffer {
  const subkey = hsalsa20(key, nonce.subarray(0, 16));
  const out = Buffer.alloc(Math.ceil(length / 64) * 64);
  const input = Buffer.alloc(16);
  nonce.copy(input, 0, 16, 24);
  for (let block = 0; block * 64 < length; block++) {
    input.writeUInt32LE(block >>> 0, 8);
    input.writeUInt32LE(Math.floor(block / 2 ** 32), 12);
    const start = initialState(subkey, input);
    const x = Uint32Array.from(start);
    rounds(x);
    for (let i = 0; i < 16; i++) out.writeUInt32LE((x[i]! + start[i]!) >>> 0, block * 64 + 4 * i);
  }
  return out.subarray(0, length);
}

function leToBigInt(b: Buffer): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
  return n;
}

/** Poly1305 one-time authenticator (RFC 8439, section 2.5). */
export function poly1305(key: Buffer, message: Buffer): Buffer {
  const p = (1n << 130n) - 5n;
  const r = leToBigInt(key.subarray(0, 16)) & 0x0ffffffc0ffffffc0ffffffc0fffffffn;
  const s = leToBigInt(key.subarray(16, 32));
  let acc = 0n;
  for (let i = 0; i < message.length; i += 16) {
    const chunk = message.subarray(i, i + 16);
    acc = ((acc + leToBigInt(chunk) + (1n << BigInt(8 * chunk.length))) * r) % p;
  }
  let tag = (acc + s) & ((1n << 128n) - 1n);
  const out = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) {
    out[i] = Number(tag & 0xffn);
    tag >>= 8n;
  }
  return out;
}

function check(key: Buffer, nonce: Buffer): void {
  if (key.length !== KEY_BYTES) throw new RangeError('secretbox key must be 32 bytes');
  if (nonce.length !== NONCE_BYTES) throw new RangeError('secretbox nonce must be 24 bytes');
}

/** Encrypts and authenticates: the 16-byte tag, then the ciphertext (NaCl's "easy" layout). */
export function secretboxSeal(message: Buffer, nonce: Buffer, key: Buffer): Buffer {
  check(key, nonce);
  const stream = xsalsa20Stream(key, nonce, 32 + message.length);
  const cipher = Buffer.alloc(message.length);
  for (let i = 0; i < message.length; i++) cipher[i] = message[i]! ^ stream[32 + i]!;
  return Buffer.concat([poly1305(stream.subarray(0, 32), cipher), cipher]);
}

/** The message, or null when the box was not sealed with this key and nonce (or was altered). */
export function secretboxOpen(box: Buffer, nonce: Buffer, key: Buffer): Buffer | null {
  check(key, nonce);
  if (box.length < TAG_BYTES) return null;
  const cipher = box.subarray(TAG_BYTES);
  const stream = xsalsa20Stream(key, nonce, 32 + cipher.length);
  if (!timingSafeEqual(poly1305(stream.subarray(0, 32), cipher), box.subarray(0, TAG_BYTES))) return null;
  const message = Buffer.alloc(cipher.length);
  for (let i = 0; i < cipher.length; i++) message[i] = cipher[i]! ^ stream[32 + i]!;
  return message;
}
