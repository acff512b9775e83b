import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { singleEdit } from './edits.js';
import { LookalikeIndex, type ProtectedDomain } from './lookalike.js';
import { PublicSuffixList } from './public-suffix.js';
import { coarseSkeleton, scriptsOf, skeleton } from './skeleton.js';

const partner = (domain: string): ProtectedDomain => ({ domain, kind: 'partner' });
const index = new LookalikeIndex(
  ['paypal.com', 'acme-metaux.fr', 'impots.gouv.fr', 'microsoft.com', 'dhl.com', 'example.co.uk'].map(
    partner,
  ),
);

function technique(host: string): string | null {
  return index.lookalike(host)?.technique ?? null;
}

describe('skeleton', () => {
  it('reads Cyrillic, Greek and Latin lookalikes as plain Latin letters', () => {
    expect(skeleton('pаypal')).toBe(skeleton('paypal')); // Cyrillic а
    expect(skeleton('ρaγρal')).toBe(skeleton('paypal')); // Greek rho and gamma
    expect(skeleton('pâypàl')).toBe(skeleton('paypal'));
    expect(skeleton('ｐａｙｐａｌ')).toBe(skeleton('paypal')); // full width
    expect(skeleton('rnicrosoft')).toBe(skeleton('microsoft'));
    expect(skeleton('paypa1')).toBe(skeleton('paypal'));
    expect(skeleton('g00gle')).toBe(skeleton('google'));
  });

  it('keeps different names different', () => {
    expect(skeleton('paypal')).not.toBe(skeleton('paypai-x'));
    expect(skeleton('debian')).not.toBe(skeleton('ubuntu'));
  });

  it('folds misread letter pairs only in the coarse skeleton', () => {
    expect(skeleton('docusign')).not.toBe(skeleton('bocusign'));
    expect(coarseSkeleton(skeleton('docusign'))).toBe(coarseSkeleton(skeleton('bocusign')));
    expect(coarseSkeleton(skeleton('microsoft'))).toBe(coarseSkeleton(skeleton('mierosoft')));
  });

  it('names the scripts a label mixes', () => {
    expect(scriptsOf('pаypal').sort()).toEqual(['Cyrillic', 'Latin']);
    expect(scriptsOf('example-1')).toEqual(['Latin']);
  });
});

describe('singleEdit', () => {
  it('names each kind of slip', () => {
    expect(singleEdit('paypal', 'paypl')?.kind).toBe('omission');
    expect(singleEdit('paypal', 'payypal')?.kind).toBe('repetition');
    expect(singleEdit('paypal', 'paypal1')?.kind).toBe('insertion');
    expect(singleEdit('paypal', 'pyapal')?.kind).toBe('transposition');
    expect(singleEdit('paypal', 'paypak')?.kind).toBe('keyboard-typo');
    expect(singleEdit('paypal', 'paypel')?.kind).toBe('vowel-swap');
    expect(singleEdit('paypal', 'paypad')?.kind).toBe('bitflip'); // l 0x6c, d 0x64
    expect(singleEdit('paypal', 'pay-pal')?.kind).toBe('hyphenation');
    expect(singleEdit('paypal', 'paypml')?.typo).toBe(false);
    expect(singleEdit('paypal', 'pxypxl')).toBeNull();
  });
});

describe('LookalikeIndex', () => {
  it('finds each technique from the candidate name', () => {
    expect(technique('paypl.com')).toBe('omission');
    expect(technique('paypall.com')).toBe('repetition');
    expect(technique('paypa1l.com')).toBe('insertion');
    expect(technique('pyapal.com')).toBe('transposition');
    expect(technique('paypak.com')).toBe('keyboard-typo');
    expect(technique('paypel.com')).toBe('vowel-swap');
    expect(technique('paypad.com')).toBe('bitflip');
    expect(technique('paypa1.com')).toBe('homoglyph');
    expect(technique('rnicrosoft.com')).toBe('homoglyph');
    expect(technique('mierosoft.com')).toBe('homoglyph');
    expect(technique('xn--pypal-4ve.com')).toBe('idn-homoglyph'); // pаypal with a Cyrillic а
    expect(technique('pаypal.com')).toBe('idn-homoglyph');
    expect(technique('paypal.net')).toBe('tld-swap');
    expect(technique('acme-metaux.com')).toBe('tld-swap');
    expect(technique('acmemetaux.fr')).toBe('hyphenation');
    expect(technique('pay-pal.com')).toBe('hyphenation');
    expect(technique('paypal-secure-login.com')).toBe('added-word');
    expect(technique('acme-metaux-factures.fr')).toBe('added-word');
    expect(technique('impots-gouv.fr')).toBe('added-word');
    expect(technique('paypal.com.evil.net')).toBe('subdomain');
    expect(technique('impots.gouv.fr.remboursement.info')).toBe('subdomain');
    expect(technique('pay.pal.com')).toBe('dot-split');
    expect(technique('paypal.evil.net')).toBe('brand-in-subdomain');
  });

  it('explains what was changed', () => {
    const m = index.lookalike('xn--pypal-4ve.com')!;
    expect(m.target.domain).toBe('paypal.com');
    expect(m.host).toBe('pаypal.com');
    expect(m.detail).toContain('U+0430');
    expect(index.lookalike('pyapal.com')!.detail).toContain("'a' and 'y' swapped");
  });

  it('leaves protected domains, their subdomains and unrelated names alone', () => {
    for (const host of [
      'paypal.com',
      'www.paypal.com',
      'mail.acme-metaux.fr',
      'impots.gouv.fr',
      'example.co.uk',
      'debian.org',
      'google.com',
      'gouv.fr',
      'co.uk',
    ])
      expect(index.lookalike(host), host).toBeNull();
    // Another name that merely contains a protected one, with words that are not lures.
    expect(index.lookalike('paypalhandbook.org')).toBeNull();
    expect(index.lookalike('paypa.debian.org')).toBeNull();
  });

  it('is careful with short names: only their look, doubled or swapped letters and additions', () => {
    expect(technique('dhI.com')).toBe('homoglyph'); // capital I, read as l
    expect(technique('dhhl.com')).toBe('repetition');
    expect(technique('hdl.com')).toBe('transposition');
    expect(technique('dhl1.com')).toBe('insertion');
    // One letter changed makes another real acronym far too often.
    expect(index.lookalike('dhk.com')).toBeNull();
    expect(index.lookalike('dh.com')).toBeNull();
    // A short name under another suffix with a slip is someone else.
    expect(index.lookalike('dhhl.net')).toBeNull();
  });

  it('rejects a protected entry that is not a registrable domain', () => {
    expect(() => new LookalikeIndex([partner('com')])).toThrow(/registrable/);
    expect(() => new LookalikeIndex([partner('not a domain')])).toThrow(/registrable/);
  });

  it('ignores hostile and empty candidates', () => {
    for (const host of [
      '',
      '.',
      '..',
      '[::1]',
      '10.0.0.1',
      'a'.repeat(300) + '.com',
      'paypal.com\u0000.evil',
      '-.com',
    ])
      expect(index.matches(host)).toEqual([]);
  });

  it('works with the built-in suffix list (no system list)', () => {
    const small = new LookalikeIndex(
      [partner('example.co.uk'), partner('acme.fr')],
      PublicSuffixList.builtIn(),
    );
    expect(small.lookalike('examp1e.co.uk')?.technique).toBe('homoglyph');
    expect(small.lookalike('example.com')?.technique).toBe('tld-swap');
    expect(small.lookalike('www.example.co.uk')).toBeNull();
  });

  it('catches every single slip of a long protected name (property)', () => {
    const label = fc.stringMatching(/^[a-z]{6,14}$/);
    fc.assert(
      fc.property(
        label,
        fc.nat(),
        fc.constantFrom('omission', 'repetition', 'transposition'),
        (name, at, kind) => {
          const i = at % (name.length - 1);
          const typo =
            kind === 'omission'
              ? name.slice(0, i) + name.slice(i + 1)
              : kind === 'repetition'
                ? name.slice(0, i + 1) + name[i] + name.slice(i + 1)
                : name.slice(0, i) + name[i + 1] + name[i] + name.slice(i + 2);
          if (typo === name) return;
          const idx = new LookalikeIndex([partner(`${name}.com`)]);
          expect(idx.lookalike(`${typo}.com`)?.target.domain).toBe(`${name}.com`);
        },
      ),
      { numRuns: 300 },
    );
  });
});
