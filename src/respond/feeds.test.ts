import { describe, expect, it } from 'vitest';
import { normalizeBlockValue } from './blocklist.js';
import { renderStixBundle, renderTextFeed, stixPattern, uuidV5 } from './feeds.js';
import { RateLimiter } from './rate-limit.js';
import type { BlockEntry } from './store.js';

const T0 = Date.UTC(2026, 10, 20, 10, 0, 0);
const entry = (list: BlockEntry['list'], value: string, over: Partial<BlockEntry> = {}): BlockEntry => ({
  tenant: 'default',
  list,
  value,
  reason: 'Ransomware on WS01',
  addedBy: 'run-1',
  created: T0,
  expires: T0 + 7 * 86_400_000,
  removed: false,
  updated: T0,
  ...over,
});

describe('block-list values', () => {
  it('normalizes what firewalls will read', () => {
    expect(normalizeBlockValue('hash', ' D41D8CD98F00B204E9800998ECF8427E ')).toEqual({
      ok: true,
      value: 'd41d8cd98f00b204e9800998ecf8427e',
    });
    expect(normalizeBlockValue('domain', 'Evil.Example.')).toEqual({ ok: true, value: 'evil.example' });
    expect(normalizeBlockValue('domain', 'bücher.example')).toEqual({
      ok: true,
      value: 'xn--bcher-kva.example',
    });
    expect(normalizeBlockValue('ip', '203.0.113.7')).toEqual({ ok: true, value: '203.0.113.7' });
    expect(normalizeBlockValue('ip', '2001:DB8::1/64')).toEqual({ ok: true, value: '2001:db8::1/64' });
    expect(normalizeBlockValue('ip', '198.51.100.0/24')).toEqual({ ok: true, value: '198.51.100.0/24' });
    expect(normalizeBlockValue('sender', 'CEO@Evil.Example')).toEqual({
      ok: true,
      value: 'ceo@evil.example',
    });
  });

  it('refuses values that would block too much or are not what they claim', () => {
    const bad: [BlockEntry['list'], string][] = [
      ['hash', 'abc'],
      ['hash', 'g'.repeat(64)],
      ['hash', 'd41d8cd98f00b204e9800998ecf8427e\nevil.example'],
      ['domain', '*.evil.example'],
      ['domain', 'localhost'],
      ['domain', 'evil.example/path'],
      ['domain', '1.2.3.4'],
      ['domain', `${'a'.repeat(64)}.example`],
      ['ip', '0.0.0.0/0'],
      ['ip', '10.0.0.0/8'],
      ['ip', '::/0'],
      ['ip', '999.1.1.1'],
      ['ip', '1.2.3.4/24/1'],
      ['ip', 'evil.example'],
      ['sender', 'no-at-sign'],
      ['sender', 'a@b@'],
      ['sender', 'Evil <ceo@evil.example>'],
      ['sender', ''],
    ];
    for (const [list, v] of bad) expect(normalizeBlockValue(list, v).ok, `${list} ${v}`).toBe(false);
  });
});

describe('feeds', () => {
  it('plain text: one value a line, sorted, no duplicates', () => {
    expect(
      renderTextFeed([
        entry('domain', 'b.example'),
        entry('domain', 'a.example'),
        entry('domain', 'b.example'),
      ]),
    ).toBe('a.example\nb.example\n');
    expect(renderTextFeed([])).toBe('');
  });

  it('STIX 2.1: indicators with patterns, validity and deterministic ids', () => {
    const entries = [
      entry('hash', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', {
        updated: T0 + 1000,
      }),
      entry('hash', 'd41d8cd98f00b204e9800998ecf8427e'),
    ];
    const text = renderStixBundle('hash', entries);
    const bundle = JSON.parse(text) as { type: string; id: string; objects: Record<string, unknown>[] };
    expect(bundle.type).toBe('bundle');
    expect(bundle.id).toMatch(
      /^bundle--[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const [identity, md5, sha256] = bundle.objects;
    expect(identity).toMatchObject({
      type: 'identity',
      spec_version: '2.1',
      name: 'Vigil',
      identity_class: 'system',
    });
    expect(md5).toMatchObject({
      type: 'indicator',
      spec_version: '2.1',
      created_by_ref: identity!.id,
      pattern: "[file:hashes.'MD5' = 'd41d8cd98f00b204e9800998ecf8427e']",
      pattern_type: 'stix',
      valid_from: '2026-11-20T10:00:00.000Z',
      valid_until: '2026-11-27T10:00:00.000Z',
      indicator_types: ['malicious-activity'],
      description: 'Ransomware on WS01',
    });
    expect(sha256).toMatchObject({
      pattern: "[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']",
      modified: '2026-11-20T10:00:01.000Z',
    });
    // The same entries give the same bytes; the same value keeps its id when renewed.
    expect(renderStixBundle('hash', [...entries].reverse())).toBe(text);
    const renewed = JSON.parse(
      renderStixBundle('hash', [entry('hash', 'd41d8cd98f00b204e9800998ecf8427e', { updated: T0 + 5000 })]),
    ) as typeof bundle;
    expect(renewed.objects[1]!.id).toBe(md5!.id);
    expect(renewed.id).not.toBe(bundle.id);
  });

  it('writes a pattern per list, with quotes escaped', () => {
    expect(stixPattern('domain', 'evil.example')).toBe("[domain-name:value = 'evil.example']");
    expect(stixPattern('ip', '203.0.113.7')).toBe("[ipv4-addr:value = '203.0.113.7']");
    expect(stixPattern('ip', '2001:db8::/64')).toBe("[ipv6-addr:value = '2001:db8::/64']");
    expect(stixPattern('sender', "o'brien\\x@evil.example")).toBe(
      "[email-message:from_ref.value = 'o\\'brien\\\\x@evil.example']",
    );
  });

  it('makes RFC 4122 version 5 UUIDs', () => {
    expect(uuidV5('a')).toBe(uuidV5('a'));
    expect(uuidV5('a')).not.toBe(uuidV5('b'));
    expect(uuidV5('a')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('rate limits', () => {
  it('gives a burst, then one token per interval, per action type', () => {
    const r = new RateLimiter({
      'notify.email': { perMinute: 6, burst: 2 },
      '*': { perMinute: 60, burst: 1 },
    });
    expect(r.take('notify.email', 0)).toBe(0);
    expect(r.take('notify.email', 0)).toBe(0);
    expect(r.take('notify.email', 0)).toBe(10_000);
    expect(r.take('notify.email', 4_000)).toBe(6_000);
    expect(r.take('notify.email', 10_000)).toBe(0);
    // Other actions have their own buckets under '*'.
    expect(r.take('blocklist.add', 0)).toBe(0);
    expect(r.take('container.pause', 0)).toBe(0);
    expect(r.take('blocklist.add', 0)).toBe(1000);
    expect(new RateLimiter({}).take('anything', 0)).toBe(0);
    expect(() => new RateLimiter({ x: { perMinute: -1, burst: 1 } })).toThrow(/rate limit for x/);
    expect(new RateLimiter({ x: { perMinute: 0, burst: 1 } }).take('x', 0)).toBe(0);
  });
});
