import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { poly1305, secretboxOpen, secretboxSeal } from './secretbox.js';

// libsodium, through Python's ctypes, is the reference implementation when the machine has it.
const sodium = spawnSync('python3', ['-c', "import ctypes; ctypes.CDLL('libsodium.so.23')"]).status === 0;
if (!sodium)
  console.log('secretbox.test: python3 with libsodium.so.23 missing; the libsodium comparison is skipped');

const SODIUM_SEAL = `
import ctypes, sys, json, base64
s = ctypes.CDLL('libsodium.so.23'); s.sodium_init()
out = []
for c in json.loads(sys.stdin.read()):
    m, n, k = (base64.b64decode(c[x]) for x in 'mnk')
    buf = ctypes.create_string_buffer(len(m) + 16)
    s.crypto_secretbox_easy(buf, m, ctypes.c_ulonglong(len(m)), n, k)
    out.append(base64.b64encode(buf.raw).decode())
print(json.dumps(out))
`;

describe('secretbox (XSalsa20-Poly1305)', () => {
  it('computes the Poly1305 tag of RFC 8439 section 2.5.2', () => {
    const key = Buffer.from('85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b', 'hex');
    expect(poly1305(key, Buffer.from('Cryptographic Forum Research Group')).toString('hex')).toBe(
      'a8061dc1305136c6c22b8baf0c0127a9',
    );
  });

  it.skipIf(!sodium)('seals exactly as libsodium does, at every length around block edges', () => {
    const cases = [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 1000].map((len) => ({
      m: randomBytes(len),
      n: randomBytes(24),
      k: randomBytes(32),
    }));
    const input = JSON.stringify(
      cases.map((c) => ({ m: c.m.toString('base64'), n: c.n.toString('base64'), k: c.k.toString('base64') })),
    );
    const sealed = JSON.parse(execFileSync('python3', ['-c', SODIUM_SEAL], { input }).toString()) as string[];
    cases.forEach((c, i) => {
      expect(secretboxSeal(c.m, c.n, c.k).toString('base64')).toBe(sealed[i]);
      expect(secretboxOpen(Buffer.from(sealed[i]!, 'base64'), c.n, c.k)).toEqual(c.m);
    });
  });

  it('refuses a box that was altered, or opened with another key or nonce', () => {
    const [m, n, k] = [Buffer.from('attack at dawn'), randomBytes(24), randomBytes(32)];
    const box = secretboxSeal(m, n, k);
    expect(secretboxOpen(box, n, k)).toEqual(m);
    for (let i = 0; i < box.length; i++) {
      const bad = Buffer.from(box);
      bad[i]! ^= 1;
      expect(secretboxOpen(bad, n, k)).toBeNull();
    }
    expect(secretboxOpen(box, randomBytes(24), k)).toBeNull();
    expect(secretboxOpen(box, n, randomBytes(32))).toBeNull();
    expect(secretboxOpen(box.subarray(0, 15), n, k)).toBeNull();
  });

  it('insists on 32-byte keys and 24-byte nonces', () => {
    expect(() => secretboxSeal(Buffer.alloc(1), Buffer.alloc(24), Buffer.alloc(31))).toThrow(/32 bytes/);
    expect(() => secretboxOpen(Buffer.alloc(20), Buffer.alloc(12), Buffer.alloc(32))).toThrow(/24 bytes/);
  });
});
