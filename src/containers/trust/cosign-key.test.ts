import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptEnvelope, encryptCosignKey, encryptEnvelope } from './cosign-key.js';
import { fingerprintOf, loadPrivateKey } from './keys.js';

describe("cosign's encrypted private keys", () => {
  it('opens an envelope made by the Go implementation cosign uses (go-securesystemslib test vector)', () => {
    // Published with go-securesystemslib's "encrypted" package tests: "reallyimportant" under
    // "supersecret", wrapped by that package's Marshal as a JSON string of its base64.
    const envelope = Buffer.from(
      '{"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},"salt":"WO3mVvyTwJ9vwT5/Tk5OW5WPIBUofMjcpEfrLnfY4uA="},"cipher":{"name":"nacl/secretbox","nonce":"tCy7HcTFr4uxv4Nrg/DWmncuZ148U1MX"},"ciphertext":"08n43p5G5yviPEZpO7tPPF4aZQkWiWjkv4taFdhDBA0tamKH4nw="}',
    );
    expect(decryptEnvelope(envelope, 'supersecret', 'vector').toString()).toBe(
      JSON.stringify(Buffer.from('reallyimportant').toString('base64')),
    );
    expect(() => decryptEnvelope(envelope, 'supersecreT', 'vector')).toThrow(/wrong password/);
  });

  it('writes keys that read back, with or without an empty password', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = encryptCosignKey(privateKey, 'pw');
    expect(pem).toMatch(/^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/);
    expect(fingerprintOf(loadPrivateKey(pem, 'pw', 'cosign.key'))).toBe(fingerprintOf(privateKey));
    expect(() => loadPrivateKey(pem, 'nope', 'cosign.key')).toThrow(/wrong password/);
    expect(() => loadPrivateKey(pem, undefined, 'cosign.key')).toThrow(/VIGIL_IMAGE_KEY_PASSWORD/);
    const empty = encryptCosignKey(privateKey, '');
    expect(fingerprintOf(loadPrivateKey(empty, '', 'cosign.key'))).toBe(fingerprintOf(privateKey));
    // The older block name is read too.
    const older = pem.replace(/SIGSTORE/g, 'COSIGN');
    expect(fingerprintOf(loadPrivateKey(older, 'pw', 'cosign.key'))).toBe(fingerprintOf(privateKey));
  });

  const good = JSON.parse(encryptEnvelope(Buffer.from('x'), 'pw', { N: 1024, r: 8, p: 1 }).toString());
  const variant = (patch: (e: typeof good) => void): Buffer => {
    const e = structuredClone(good);
    patch(e);
    return Buffer.from(JSON.stringify(e));
  };
  it.each([
    ['not JSON', Buffer.from('{{'), /not a JSON envelope/],
    ['another KDF', variant((e) => (e.kdf.name = 'pbkdf2')), /unsupported key derivation/],
    ['another cipher', variant((e) => (e.cipher.name = 'aes')), /unsupported cipher/],
    ['a short nonce', variant((e) => (e.cipher.nonce = 'AAAA')), /nonce must be 24 bytes/],
    ['a salt that is not base64', variant((e) => (e.kdf.salt = '%%')), /salt is not base64/],
    ['a memory bomb', variant((e) => (e.kdf.params.N = 2 ** 30)), /unsupported scrypt parameters/],
    ['N not a power of two', variant((e) => (e.kdf.params.N = 1000)), /unsupported scrypt parameters/],
    ['missing parameters', variant((e) => delete e.kdf.params), /unsupported scrypt parameters/],
    ['a flipped ciphertext bit', variant((e) => (e.ciphertext = flip(e.ciphertext))), /wrong password/],
  ])('refuses %s', (_name, envelope, message) => {
    expect(() => decryptEnvelope(envelope, 'pw', 'k')).toThrow(message);
  });
});

function flip(b64: string): string {
  const b = Buffer.from(b64, 'base64');
  b[b.length - 1]! ^= 1;
  return b.toString('base64');
}
