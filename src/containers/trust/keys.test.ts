import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  fingerprintOf,
  generateSigningKeyPair,
  loadPrivateKey,
  loadPublicKeys,
  readPemBlocks,
  signBytes,
  verifyBytes,
} from './keys.js';

const opensslPresent = spawnSync('sh', ['-c', 'command -v openssl']).status === 0;
if (!opensslPresent) console.log('keys.test: openssl missing; the certificate test is skipped');
const payload = Buffer.from('{"critical":{}}');

describe('signing keys', () => {
  it('generates an encrypted pair that signs and verifies, and refuses a wrong or missing password', () => {
    const pair = generateSigningKeyPair('pw');
    expect(pair.privatePem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    const key = loadPrivateKey(pair.privatePem, 'pw', 'k');
    const [pub] = loadPublicKeys(pair.publicPem, 'k.pub');
    expect(pub!.fingerprint).toBe(pair.fingerprint);
    expect(fingerprintOf(key)).toBe(pair.fingerprint);
    const sig = signBytes(key, payload);
    expect(sig[0]).toBe(0x30); // ASN.1 DER SEQUENCE, as cosign writes ECDSA signatures
    expect(verifyBytes(pub!.key, payload, sig)).toBe(true);
    expect(verifyBytes(pub!.key, Buffer.from('{"critical":{ }}'), sig)).toBe(false);
    expect(() => loadPrivateKey(pair.privatePem, 'nope', 'k')).toThrow(/wrong password/);
    expect(() => loadPrivateKey(pair.privatePem, undefined, 'k')).toThrow(/VIGIL_IMAGE_KEY_PASSWORD/);
  });

  it('reads unencrypted PKCS#8 and SEC1 keys', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const sec1 = privateKey.export({ type: 'sec1', format: 'pem' }).toString();
    expect(fingerprintOf(loadPrivateKey(sec1, undefined, 'sec1'))).toBe(fingerprintOf(privateKey));
    expect(generateSigningKeyPair(null).privatePem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('signs and verifies with Ed25519 and RSA too', () => {
    for (const [type, opts] of [
      ['ed25519', {}],
      ['rsa', { modulusLength: 2048 }],
    ] as const) {
      const { privateKey, publicKey } = generateKeyPairSync(type as 'rsa', opts as { modulusLength: number });
      const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const [pub] = loadPublicKeys(pem, type);
      expect(verifyBytes(pub!.key, payload, signBytes(privateKey, payload))).toBe(true);
    }
  });

  it('never throws on malformed signatures', () => {
    const [pub] = loadPublicKeys(generateSigningKeyPair(null).publicPem, 'k');
    for (const sig of [Buffer.alloc(0), Buffer.from('3006020101020101', 'hex'), Buffer.alloc(64, 0xff)]) {
      expect(verifyBytes(pub!.key, payload, sig)).toBe(false);
    }
  });

  it('reads every key in a file of several PEM blocks, skipping headers', () => {
    const a = generateSigningKeyPair(null).publicPem;
    const b = generateSigningKeyPair(null).publicPem.replace('-----\n', '-----\nComment: second\n');
    const keys = loadPublicKeys(`# trusted\n${a}\n${b}`, 'two.pub');
    expect(keys).toHaveLength(2);
    expect(new Set(keys.map((k) => k.fingerprint)).size).toBe(2);
  });

  it.each([
    ['no PEM at all', 'just text', /no PEM block found/],
    ['bad base64', '-----BEGIN PUBLIC KEY-----\n%%%%\n-----END PUBLIC KEY-----\n', /not valid base64/],
    [
      'a truncated key',
      '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYI\n-----END PUBLIC KEY-----\n',
      /unreadable PUBLIC KEY/,
    ],
    ['an unknown block', '-----BEGIN SOMETHING-----\nAAAA\n-----END SOMETHING-----\n', /not a public key/],
    ['mismatched markers', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', /no PEM block/],
  ])('refuses %s as a public key', (_name, text, message) => {
    expect(() => loadPublicKeys(text, 'bad.pub')).toThrow(message);
  });

  it('refuses a private key where a public key belongs, and weak or unsupported keys', () => {
    expect(() => loadPublicKeys(generateSigningKeyPair(null).privatePem, 'k')).toThrow(/private key/);
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    expect(() => loadPublicKeys(small.toString(), 'small')).toThrow(/shorter than 2048/);
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    expect(() => loadPublicKeys(k1.toString(), 'k1')).toThrow(/curve secp256k1/);
    const garbled =
      '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n';
    expect(() => loadPrivateKey(garbled, 'x', 'c.key')).toThrow(/not a JSON envelope/);
  });

  it('reads PEM blocks with CRLF line ends', () => {
    const pem = generateSigningKeyPair(null).publicPem.replace(/\n/g, '\r\n');
    expect(readPemBlocks(pem, 'crlf')).toHaveLength(1);
    expect(loadPublicKeys(pem, 'crlf')).toHaveLength(1);
  });

  describe.skipIf(!opensslPresent)('certificates', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-keys-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    it("trusts a certificate's subject key", () => {
      execFileSync('openssl', [
        'ecparam',
        '-name',
        'prime256v1',
        '-genkey',
        '-noout',
        '-out',
        join(dir, 'k.pem'),
      ]);
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-new',
          '-key',
          join(dir, 'k.pem'),
          '-subj',
          '/CN=signer',
          '-days',
          '2',
          '-out',
          join(dir, 'c.pem'),
        ],
        { stdio: 'pipe' },
      );
      const [fromCert] = loadPublicKeys(readFileSync(join(dir, 'c.pem'), 'utf8'), 'c.pem');
      const key = loadPrivateKey(readFileSync(join(dir, 'k.pem'), 'utf8'), undefined, 'k.pem');
      expect(fromCert!.fingerprint).toBe(fingerprintOf(key));
      expect(verifyBytes(fromCert!.key, payload, signBytes(key, payload))).toBe(true);
    });
  });
});
