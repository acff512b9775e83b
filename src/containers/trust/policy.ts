import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLMap } from 'yaml';
import { TrustError } from './errors.js';
import { isSha256Digest } from './image-ref.js';
import { loadPublicKeys, type TrustedKey } from './keys.js';

export interface NotaryTrust {
  /** The Notary server's base URL, e.g. https://notary.docker.io. */
  server: string;
  /** Keys the collection's root role must be signed by; empty means trust on first use. */
  rootKeys: TrustedKey[];
  /** Accept any TLS certificate from the server. */
  tlsNoVerify: boolean;
}

export interface TrustRule {
  /** The glob as written: `registry/repository` with `*`, `**`, `?`. */
  match: string;
  /** Where the rule is, for messages: `file:line`. */
  where: string;
  kind: 'keys' | 'notary' | 'allow-unsigned';
  keys: TrustedKey[];
  /** How many distinct keys must have signed (default 1). */
  threshold: number;
  /** `repository`: a signature's docker-reference must name this repository; `any`: cosign's rule. */
  identity: 'repository' | 'any';
  notary?: NotaryTrust;
  /** Tag → digest the tag must resolve to. */
  pins: Map<string, string>;
}

export interface TrustPolicy {
  /** What happens to images no rule matches. */
  unmatched: 'reject' | 'allow';
  rules: TrustRule[];
  source: string;
}

const MAX_POLICY_BYTES = 1024 * 1024;
const RULE_KEYS = new Set(['match', 'keys', 'threshold', 'identity', 'notary', 'allow-unsigned', 'pins']);
const NOTARY_KEYS = new Set(['server', 'trust-root', 'tls-no-verify']);

/** Reads a policy file; key files are found relative to it. */
export function loadPolicy(file: string): TrustPolicy {
  let text: string;
  try {
    if (statSync(file).size > MAX_POLICY_BYTES)
      throw new TrustError('bad-policy', `${file}: larger than 1 MiB`);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof TrustError) throw e;
    throw new TrustError(
      'bad-policy',
      `${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  return parsePolicy(text, file, dirname(resolve(file)));
}

/**
 * Parses policy YAML:
 * ```yaml
 * unmatched: reject            # or allow
 * rules:                       # the first rule whose glob matches wins
 *   - match: 127.0.0.1:5000/prod/**
 *     keys: [release.pub]      # files, or inline PEM
 *     threshold: 1
 *     pins: { v1: "sha256:..." }
 *   - match: docker.io/library/*
 *     notary: { server: https://notary.docker.io, trust-root: library-root.pem }
 *   - match: "**"
 *     allow-unsigned: true
 * ```
 */
export function parsePolicy(text: string, source: string, baseDir: string): TrustPolicy {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const at = (node: unknown): string => {
    const range = (node as Node | null | undefined)?.range;
    return `${source}:${range ? lines.linePos(range[0]).line : 1}`;
  };
  const fail = (node: unknown, message: string): never => {
    throw new TrustError('bad-policy', `${at(node)}: ${message}`);
  };
  if (doc.errors.length > 0) fail(null, `YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  const root = doc.contents;
  if (!isMap(root)) return fail(root, 'the policy must be a mapping with a "rules" list');
  for (const pair of root.items) {
    const k = isScalar(pair.key) ? pair.key.value : undefined;
    if (k !== 'rules' && k !== 'unmatched' && k !== 'version') fail(pair.key, `unknown key "${String(k)}"`);
  }
  const versionNode = root.get('version', true);
  if (versionNode !== undefined && scalarValue(versionNode) !== 1) fail(versionNode, 'version must be 1');
  const unmatchedNode = root.get('unmatched', true);
  const unmatched = unmatchedNode === undefined ? 'reject' : scalarValue(unmatchedNode);
  if (unmatched !== 'reject' && unmatched !== 'allow')
    fail(unmatchedNode, 'unmatched must be "reject" or "allow"');
  const rulesNode = root.get('rules', true);
  if (!isSeq(rulesNode)) return fail(rulesNode ?? root, '"rules" must be a list');

  const rules: TrustRule[] = [];
  for (const item of rulesNode.items) {
    if (!isMap(item)) fail(item, 'a rule must be a mapping');
    rules.push(parseRule(item as YAMLMap, at, fail, baseDir));
  }
  return { unmatched: unmatched as 'reject' | 'allow', rules, source };
}

function parseRule(
  node: YAMLMap,
  at: (n: unknown) => string,
  fail: (n: unknown, m: string) => never,
  baseDir: string,
): TrustRule {
  for (const pair of node.items) {
    const k = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!RULE_KEYS.has(k)) fail(pair.key, `unknown rule key "${k}"`);
  }
  const matchNode = node.get('match', true);
  const match = scalarValue(matchNode);
  if (typeof match !== 'string' || match.length === 0) return fail(matchNode ?? node, 'a rule needs "match"');
  if (!/^[A-Za-z0-9._:/*?[\]-]+$/.test(match))
    fail(matchNode, `"match" has characters a repository cannot have`);

  const kinds = (['keys', 'notary', 'allow-unsigned'] as const).filter((k) => node.has(k));
  if (kinds.length !== 1) fail(node, 'a rule needs exactly one of "keys", "notary" or "allow-unsigned"');
  const kind = kinds[0]!;
  const rule: TrustRule = {
    match: normalizeGlob(match),
    where: at(node),
    kind,
    keys: [],
    threshold: 1,
    identity: 'repository',
    pins: new Map(),
  };

  if (kind === 'allow-unsigned' && node.get('allow-unsigned') !== true) {
    fail(node.get('allow-unsigned', true), '"allow-unsigned" must be true');
  }
  if (kind === 'keys') {
    const keysNode = node.get('keys', true);
    if (!isSeq(keysNode) || keysNode.items.length === 0)
      return fail(keysNode, '"keys" must be a non-empty list');
    keysNode.items.forEach((k, i) => {
      const v = scalarValue(k);
      if (typeof v !== 'string' || v.length === 0) fail(k, 'a key must be a file path or inline PEM');
      rule.keys.push(...keysFrom(v as string, `${at(k)} key #${i + 1}`, baseDir, (m) => fail(k, m)));
    });
  }
  if (kind === 'notary') {
    const n = node.get('notary', true);
    if (!isMap(n)) return fail(n, '"notary" must be a mapping with "server"');
    for (const pair of n.items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!NOTARY_KEYS.has(k)) fail(pair.key, `unknown notary key "${k}"`);
    }
    const server = scalarValue(n.get('server', true));
    if (typeof server !== 'string' || !/^https?:\/\/[^\s/]+/.test(server)) {
      fail(n.get('server', true) ?? n, 'notary.server must be an http(s) URL');
    }
    const rootNode = n.get('trust-root', true);
    const rootText = rootNode === undefined ? undefined : scalarValue(rootNode);
    if (rootNode !== undefined && (typeof rootText !== 'string' || rootText.length === 0)) {
      fail(rootNode, 'notary.trust-root must be a file path or inline PEM');
    }
    rule.notary = {
      server: (server as string).replace(/\/+$/, ''),
      rootKeys:
        rootText === undefined
          ? []
          : keysFrom(rootText as string, `${at(rootNode)} trust-root`, baseDir, (m) => fail(rootNode, m)),
      tlsNoVerify: n.get('tls-no-verify') === true,
    };
  }

  const threshold = node.get('threshold');
  if (threshold !== undefined) {
    if (kind !== 'keys') fail(node.get('threshold', true), '"threshold" only applies to "keys"');
    if (typeof threshold !== 'number' || !Number.isInteger(threshold) || threshold < 1) {
      fail(node.get('threshold', true), '"threshold" must be a whole number of at least 1');
    }
    const distinct = new Set(rule.keys.map((k) => k.fingerprint)).size;
    if ((threshold as number) > distinct) {
      fail(
        node.get('threshold', true),
        `"threshold" ${String(threshold)} exceeds the ${distinct} distinct keys`,
      );
    }
    rule.threshold = threshold as number;
  }
  const identity = node.get('identity');
  if (identity !== undefined) {
    if (identity !== 'repository' && identity !== 'any') {
      fail(node.get('identity', true), '"identity" must be "repository" or "any"');
    }
    rule.identity = identity as 'repository' | 'any';
  }
  const pins = node.get('pins', true);
  if (pins !== undefined) {
    if (!isMap(pins)) return fail(pins, '"pins" must map tags to digests');
    for (const pair of pins.items) {
      const tag = scalarValue(pair.key);
      const digest = scalarValue(pair.value);
      if (typeof tag !== 'string' && typeof tag !== 'number') fail(pair.key, 'a pin must be keyed by a tag');
      if (typeof digest !== 'string' || !isSha256Digest(digest))
        fail(pair.value, 'a pin must be sha256:<64 hex>');
      rule.pins.set(String(tag), digest as string);
    }
  }
  return rule;
}

function keysFrom(value: string, where: string, baseDir: string, fail: (m: string) => never): TrustedKey[] {
  try {
    if (value.includes('-----BEGIN')) return loadPublicKeys(value, where);
    const path = resolve(baseDir, value);
    return loadPublicKeys(readFileSync(path, 'utf8'), value);
  } catch (e) {
    if (e instanceof TrustError) return fail(e.message);
    return fail(
      `cannot read key file ${value}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

function scalarValue(node: unknown): unknown {
  return isScalar(node) ? node.value : node;
}

/** Docker Hub has several names; policies and images both use `docker.io`. */
function normalizeGlob(glob: string): string {
  return glob.replace(/^(?:index\.docker\.io|registry-1\.docker\.io)\//, 'docker.io/');
}

/** `*` and `?` stay inside one path segment; `**` crosses segments. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The first rule whose glob matches `registry/repository`. */
export function matchRule(policy: TrustPolicy, repository: string): TrustRule | undefined {
  return policy.rules.find((r) => globToRegExp(r.match).test(repository));
}

/** A one-rule policy from keys given on the command line. */
export function keysPolicy(keys: TrustedKey[], identity: 'repository' | 'any' = 'repository'): TrustPolicy {
  return {
    unmatched: 'reject',
    source: 'command line',
    rules: [
      { match: '**', where: 'command line', kind: 'keys', keys, threshold: 1, identity, pins: new Map() },
    ],
  };
}

/** A one-rule policy for a Notary server given on the command line. */
export function notaryPolicy(notary: NotaryTrust): TrustPolicy {
  return {
    unmatched: 'reject',
    source: 'command line',
    rules: [
      {
        match: '**',
        where: 'command line',
        kind: 'notary',
        keys: [],
        threshold: 1,
        identity: 'repository',
        notary,
        pins: new Map(),
      },
    ],
  };
}
