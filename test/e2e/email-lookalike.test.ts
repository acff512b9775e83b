import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostName } from '../../src/email/host.js';
import { LookalikeIndex, wellKnownBrands, type ProtectedDomain } from '../../src/email/index.js';
import { PublicSuffixList } from '../../src/email/public-suffix.js';

/**
 * The lookalike detector against an independent generator (Debian's dnstwist), and against real
 * domains, which must not look alike to it. Nothing is committed: the permutations are generated
 * and the real domains are read from the machine's package copyright files at test time.
 */
const DNSTWIST = '/usr/bin/dnstwist';
const dnstwistPresent = existsSync(DNSTWIST);
const suffixes = PublicSuffixList.load();

// Real domains that BEC and phishing imitate: a payment brand, a cloud brand, the tax authority
// of the French case, a carrier with a three-letter name, e-signature, a bank, a shop, a post office.
const TARGETS = [
  'paypal.com',
  'microsoft.com',
  'impots.gouv.fr',
  'dhl.com',
  'docusign.com',
  'societegenerale.fr',
  'amazon.com',
  'laposte.fr',
];
// dnstwist's tld-swap and dictionary fuzzers need lists; these are common TLDs and BEC words.
const TLDS = 'com net org fr de eu info biz co io uk us'.split(' ');
const WORDS = 'secure login account billing support invoice payment verify update service'.split(' ');

const tmp = mkdtempSync(join(tmpdir(), 'vigil-lookalike-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = promisify(execFile);

async function permutations(domain: string): Promise<string[]> {
  const tld = join(tmp, 'tlds.txt');
  const words = join(tmp, 'words.txt');
  writeFileSync(tld, TLDS.join('\n'));
  writeFileSync(words, WORDS.join('\n'));
  const { stdout } = await run(DNSTWIST, ['--format', 'list', '--tld', tld, '--dictionary', words, domain], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && l !== domain);
}

/** A permutation someone could register: a valid IDNA name with a registrable domain of its own. */
function registrable(host: string): boolean {
  const name = hostName(host);
  return name !== null && suffixes.split(name.ascii) !== null;
}

describe.skipIf(!dnstwistPresent)('lookalikes: dnstwist permutations of real domains', () => {
  if (!dnstwistPresent) console.log(`${DNSTWIST} not found: skipping the dnstwist comparison`);

  it('flags at least 95% of the registrable permutations', async () => {
    const index = new LookalikeIndex(
      TARGETS.map((domain): ProtectedDomain => ({ domain, kind: 'partner' })),
      suffixes,
    );
    let total = 0;
    let flagged = 0;
    const rows: string[] = [];
    const rates = new Map<string, number>();
    const generated = await Promise.all(TARGETS.map(permutations));
    for (const [i, target] of TARGETS.entries()) {
      const candidates = generated[i]!.filter(registrable);
      const hits = new Set(
        candidates.filter((c) => index.matches(c).some((m) => m.target.domain === target)),
      );
      const missed = candidates.filter((c) => !hits.has(c));
      total += candidates.length;
      flagged += hits.size;
      rates.set(target, hits.size / candidates.length);
      rows.push(
        `${target}: ${hits.size}/${candidates.length} (${((100 * hits.size) / candidates.length).toFixed(1)}%)${missed.length > 0 ? `, missed e.g. ${missed.slice(0, 5).join(' ')}` : ''}`,
      );
    }
    console.log(
      `dnstwist permutations flagged: ${flagged}/${total} (${((100 * flagged) / total).toFixed(2)}%)\n  ${rows.join('\n  ')}`,
    );
    expect(total).toBeGreaterThan(10_000);
    expect(flagged / total).toBeGreaterThanOrEqual(0.95);
    // Every name of five letters or more on its own, so a good average cannot hide a weak name.
    for (const [target, rate] of rates)
      if (suffixes.split(target)!.label.length >= 5) expect(rate, target).toBeGreaterThanOrEqual(0.9);
  });
});

/** Distinct registrable domains named in the machine's copyright files, one per label. */
function realDomains(): string[] {
  const hosts = new Set<string>();
  let packages: string[] = [];
  try {
    packages = readdirSync('/usr/share/doc');
  } catch {
    return [];
  }
  for (const pkg of packages) {
    let text: string;
    try {
      text = readFileSync(join('/usr/share/doc', pkg, 'copyright'), 'utf8');
    } catch {
      continue;
    }
    for (const m of text.matchAll(/(?:https?:\/\/|@)([a-z0-9-]+(?:\.[a-z0-9-]+)+)/gi))
      hosts.add(m[1]!.toLowerCase());
  }
  const byLabel = new Map<string, string>();
  for (const h of [...hosts].sort()) {
    const name = hostName(h);
    const parts = name === null ? null : suffixes.split(name.ascii);
    // Same label under two suffixes is one name (debian.org, debian.net), not two lookalikes.
    if (
      parts !== null &&
      suffixes.knownTld(parts.suffix) &&
      !/^\d+$/.test(parts.label) &&
      !byLabel.has(parts.label)
    )
      byLabel.set(parts.label, parts.registrable);
  }
  return [...byLabel.values()];
}

const domains = realDomains();
const enough = domains.length >= 1000;

describe.skipIf(!enough)('lookalikes: real domains do not look alike', () => {
  if (!enough)
    console.log(
      `only ${domains.length} distinct real domains in /usr/share/doc/*/copyright (1,000 needed): skipping`,
    );

  it('flags fewer than 1% of 1,000+ real domains as lookalikes of each other', () => {
    const index = new LookalikeIndex(
      domains.map((domain): ProtectedDomain => ({ domain, kind: 'partner' })),
      suffixes,
    );
    const flagged = domains.map((d) => [d, index.matches(d)] as const).filter(([, m]) => m.length > 0);
    console.log(
      `real domains flagged as lookalikes of each other: ${flagged.length}/${domains.length} (${((100 * flagged.length) / domains.length).toFixed(2)}%)\n  ${flagged.map(([d, m]) => `${d} ~ ${m[0]!.target.domain} (${m[0]!.technique})`).join('\n  ')}`,
    );
    expect(flagged.length / domains.length).toBeLessThan(0.01);
  });

  it('flags fewer than 1% of them as lookalikes of the built-in brands', () => {
    const index = new LookalikeIndex(wellKnownBrands(), suffixes);
    const flagged = domains.filter((d) => index.lookalike(d) !== null);
    console.log(
      `real domains flagged against the brand list: ${flagged.length}/${domains.length}: ${flagged.join(' ')}`,
    );
    expect(flagged.length / domains.length).toBeLessThan(0.01);
  });
});
