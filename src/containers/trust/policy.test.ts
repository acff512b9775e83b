import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSigningKeyPair } from './keys.js';
import { globToRegExp, loadPolicy, matchRule, parsePolicy } from './policy.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const alice = generateSigningKeyPair(null);
const bob = generateSigningKeyPair(null);
writeFileSync(join(dir, 'alice.pub'), alice.publicPem);
const D = `sha256:${'cd'.repeat(32)}`;
const indent = (pem: string, n: number): string =>
  pem
    .trim()
    .split('\n')
    .map((l) => ' '.repeat(n) + l)
    .join('\n');

const POLICY = `# which images need whose signatures
version: 1
unmatched: reject
rules:
  - match: "127.0.0.1:*/prod/**"
    keys:
      - alice.pub
      - |
${indent(bob.publicPem, 8)}
    threshold: 2
    pins:
      v1: "${D}"
  - match: index.docker.io/library/*
    notary:
      server: https://notary.example/
      trust-root: alice.pub
  - match: "127.0.0.1:*/**"
    allow-unsigned: true
`;

describe('trust policies', () => {
  it('reads rules with key files, inline keys, pins, Notary and allow-unsigned', () => {
    const p = parsePolicy(POLICY, 'p.yaml', dir);
    expect(p.unmatched).toBe('reject');
    expect(p.rules.map((r) => [r.kind, r.match, r.where])).toEqual([
      ['keys', '127.0.0.1:*/prod/**', 'p.yaml:5'],
      ['notary', 'docker.io/library/*', 'p.yaml:16'],
      ['allow-unsigned', '127.0.0.1:*/**', 'p.yaml:20'],
    ]);
    expect(p.rules[0]!.keys.map((k) => k.fingerprint)).toEqual([alice.fingerprint, bob.fingerprint]);
    expect(p.rules[0]!.threshold).toBe(2);
    expect(p.rules[0]!.pins.get('v1')).toBe(D);
    expect(p.rules[1]!.notary).toMatchObject({ server: 'https://notary.example', tlsNoVerify: false });
    expect(p.rules[1]!.notary!.rootKeys.map((k) => k.fingerprint)).toEqual([alice.fingerprint]);
  });

  it('lets the first matching rule win', () => {
    const p = parsePolicy(POLICY, 'p.yaml', dir);
    expect(matchRule(p, '127.0.0.1:5000/prod/api')?.kind).toBe('keys');
    expect(matchRule(p, '127.0.0.1:5000/prod/team/api')?.kind).toBe('keys');
    expect(matchRule(p, '127.0.0.1:5000/dev/api')?.kind).toBe('allow-unsigned');
    expect(matchRule(p, 'docker.io/library/alpine')?.kind).toBe('notary');
    expect(matchRule(p, 'docker.io/someone/alpine')).toBeUndefined();
  });

  it('keeps * and ? inside one path segment, and ** across', () => {
    expect(globToRegExp('reg/*').test('reg/a')).toBe(true);
    expect(globToRegExp('reg/*').test('reg/a/b')).toBe(false);
    expect(globToRegExp('reg/**').test('reg/a/b')).toBe(true);
    expect(globToRegExp('reg/a?c').test('reg/abc')).toBe(true);
    expect(globToRegExp('reg/a?c').test('reg/a/c')).toBe(false);
    expect(globToRegExp('reg.io/a+b').test('regxio/a+b')).toBe(false);
    expect(globToRegExp('**').test('anything/at/all')).toBe(true);
  });

  it('loads from a file and resolves key paths next to it', () => {
    writeFileSync(
      join(dir, 'file.yaml'),
      'unmatched: allow\nrules:\n  - match: "**"\n    keys: [alice.pub]\n',
    );
    const p = loadPolicy(join(dir, 'file.yaml'));
    expect(p.unmatched).toBe('allow');
    expect(p.rules[0]!.keys[0]!.label).toBe('alice.pub');
    expect(() => loadPolicy(join(dir, 'missing.yaml'))).toThrow(/missing\.yaml: ENOENT/);
  });

  it.each([
    ['YAML syntax', 'rules: [', /p\.yaml:\d+: YAML/],
    ['a list at the top', '- a', /p\.yaml:1: the policy must be a mapping/],
    ['an unknown top-level key', 'rule: []', /p\.yaml:1: unknown key "rule"/],
    ['a bad version', 'version: 2\nrules: []', /p\.yaml:1: version must be 1/],
    ['a bad unmatched', 'unmatched: maybe\nrules: []', /p\.yaml:1: unmatched must be/],
    ['rules not a list', 'rules: {}', /"rules" must be a list/],
    ['duplicate keys', 'rules: []\nrules: []', /YAML/],
    ['a rule without match', 'rules:\n  - keys: [alice.pub]', /p\.yaml:2: a rule needs "match"/],
    [
      'a rule with two kinds',
      'rules:\n  - match: "**"\n    keys: [alice.pub]\n    allow-unsigned: true',
      /exactly one of/,
    ],
    [
      'a typo in a rule',
      'rules:\n  - match: "**"\n    key: [alice.pub]',
      /p\.yaml:3: unknown rule key "key"/,
    ],
    [
      'a missing key file',
      'rules:\n  - match: "**"\n    keys: [nobody.pub]',
      /p\.yaml:3: cannot read key file nobody\.pub: ENOENT/,
    ],
    ['an empty key list', 'rules:\n  - match: "**"\n    keys: []', /non-empty list/],
    [
      'a bad inline key',
      'rules:\n  - match: "**"\n    keys: ["-----BEGIN PUBLIC KEY-----\\n!!\\n-----END PUBLIC KEY-----"]',
      /not valid base64/,
    ],
    [
      'threshold above the keys',
      'rules:\n  - match: "**"\n    keys: [alice.pub]\n    threshold: 2',
      /exceeds the 1 distinct keys/,
    ],
    ['threshold zero', 'rules:\n  - match: "**"\n    keys: [alice.pub]\n    threshold: 0', /at least 1/],
    [
      'threshold on notary',
      'rules:\n  - match: "**"\n    notary: {server: "https://n"}\n    threshold: 1',
      /only applies to "keys"/,
    ],
    [
      'a bad identity',
      'rules:\n  - match: "**"\n    keys: [alice.pub]\n    identity: whatever',
      /"identity" must be/,
    ],
    [
      'a bad pin',
      'rules:\n  - match: "**"\n    allow-unsigned: true\n    pins: {v1: "sha256:12"}',
      /p\.yaml:4: a pin must be sha256/,
    ],
    ['allow-unsigned false', 'rules:\n  - match: "**"\n    allow-unsigned: false', /must be true/],
    [
      'a notary server that is not a URL',
      'rules:\n  - match: "**"\n    notary: {server: "ftp://x"}',
      /http\(s\) URL/,
    ],
    [
      'an unknown notary key',
      'rules:\n  - match: "**"\n    notary: {server: "https://n", root: x}',
      /unknown notary key "root"/,
    ],
    [
      'odd characters in match',
      'rules:\n  - match: "reg/$(rm -rf)"\n    allow-unsigned: true',
      /characters a repository cannot have/,
    ],
  ])('refuses %s, naming the line', (_name, text, message) => {
    expect(() => parsePolicy(text, 'p.yaml', dir)).toThrow(message);
  });
});
