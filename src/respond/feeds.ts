import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { BlockEntry, BlockListName } from './store.js';

/**
 * Block lists as feeds other systems pull: plain text (one entry a line, the "external dynamic
 * list" firewalls and proxies read) and STIX 2.1 bundles of indicators. Rendering is pure: the
 * same entries give the same bytes, so consumers can cache and diff.
 */
export const FEED_FORMATS = ['text', 'stix'] as const;
export type FeedFormat = (typeof FEED_FORMATS)[number];

export const FEED_CONTENT_TYPES: Readonly<Record<FeedFormat, string>> = {
  text: 'text/plain; charset=utf-8',
  stix: 'application/stix+json;version=2.1',
};

/** One value a line, sorted; an empty list is an empty body (a valid empty list for consumers). */
export function renderTextFeed(entries: readonly BlockEntry[]): string {
  const values = [...new Set(entries.map((e) => e.value))].sort();
  return values.map((v) => `${v}\n`).join('');
}

/** Vigil's namespace for name-based (v5) UUIDs: ids are the same wherever the same value is listed. */
const NAMESPACE = Buffer.from('6f0f9a3c2b8e4d51a7c4e2b1d9f05a37', 'hex');

export function uuidV5(name: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest();
  const b = Buffer.from(hash.subarray(0, 16));
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A STIX pattern string literal: backslash and quote escaped. */
function quote(v: string): string {
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

const HASH_NAMES: Readonly<Record<number, string>> = {
  32: 'MD5',
  40: 'SHA-1',
  64: 'SHA-256',
  128: 'SHA-512',
};

export function stixPattern(list: BlockListName, value: string): string {
  switch (list) {
    case 'hash':
      return `[file:hashes.'${HASH_NAMES[value.length] ?? 'SHA-256'}' = ${quote(value)}]`;
    case 'domain':
      return `[domain-name:value = ${quote(value)}]`;
    case 'ip':
      return `[${isIP(value.split('/')[0]!) === 6 ? 'ipv6-addr' : 'ipv4-addr'}:value = ${quote(value)}]`;
    case 'sender':
      return `[email-message:from_ref.value = ${quote(value)}]`;
  }
}

/** STIX timestamps: RFC 3339 in UTC with milliseconds. */
const stamp = (ms: number) => new Date(ms).toISOString();

export interface StixOptions {
  /** Names the identity that publishes the indicators (created_by_ref). */
  readonly publisher?: string;
}

/**
 * A STIX 2.1 bundle: an identity for the publisher and one indicator per entry, valid from when it
 * was added until it expires. Indicator ids derive from the list and value, so a consumer sees
 * an update (a later `modified`), not a new indicator, when an entry is renewed.
 */
export function renderStixBundle(
  list: BlockListName,
  entries: readonly BlockEntry[],
  options: StixOptions = {},
): string {
  const publisher = options.publisher ?? 'Vigil';
  const identityId = `identity--${uuidV5(`identity:${publisher}`)}`;
  const sorted = [...entries].sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  const first = sorted.reduce((m, e) => Math.min(m, e.created), Number.POSITIVE_INFINITY);
  const identity = {
    type: 'identity',
    spec_version: '2.1',
    id: identityId,
    created: stamp(Number.isFinite(first) ? first : 0),
    modified: stamp(Number.isFinite(first) ? first : 0),
    name: publisher,
    identity_class: 'system',
  };
  const indicators = sorted.map((e) => ({
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--${uuidV5(`${e.tenant}:${list}:${e.value}`)}`,
    created_by_ref: identityId,
    created: stamp(e.created),
    modified: stamp(Math.max(e.created, e.updated)),
    name: `${list}: ${e.value}`,
    ...(e.reason === '' ? {} : { description: e.reason }),
    indicator_types: ['malicious-activity'],
    pattern: stixPattern(list, e.value),
    pattern_type: 'stix',
    pattern_version: '2.1',
    valid_from: stamp(e.created),
    valid_until: stamp(e.expires),
  }));
  const objects = [identity, ...indicators];
  const bundleId = `bundle--${uuidV5(`bundle:${JSON.stringify(objects)}`)}`;
  return JSON.stringify({ type: 'bundle', id: bundleId, objects }, null, 2) + '\n';
}

export function renderFeed(
  list: BlockListName,
  format: FeedFormat,
  entries: readonly BlockEntry[],
  options: StixOptions = {},
): string {
  return format === 'text' ? renderTextFeed(entries) : renderStixBundle(list, entries, options);
}
