import { describe, expect, it } from 'vitest';
import { findIbans, ibanChecksumValid, isValidIban, maskIban } from './iban.js';

describe('IBAN validation', () => {
  it('accepts real-format IBANs of several countries', () => {
    for (const iban of [
      'GB82WEST12345698765432',
      'DE89370400440532013000',
      'FR1420041010050500013M02606',
      'NL91ABNA0417164300',
      'BE68539007547034',
      'FR76 3000 6000 0112 3456 7890 189',
    ])
      expect(isValidIban(iban), iban).toBe(true);
  });

  it('refuses a wrong check, a wrong length and an unknown country', () => {
    expect(isValidIban('GB82WEST12345698765433')).toBe(false); // last digit changed
    expect(isValidIban('GB28WEST12345698765432')).toBe(false); // check digits swapped
    expect(isValidIban('DE8937040044053201300')).toBe(false); // one short
    expect(isValidIban('ZZ89370400440532013000')).toBe(false);
    expect(isValidIban('')).toBe(false);
    expect(ibanChecksumValid('GB82 WEST')).toBe(false);
  });
});

describe('findIbans', () => {
  it('finds IBANs written grouped or not, in any case, and keeps them once', () => {
    const text = `Merci de virer sur IBAN : FR76 3000 6000 0112 3456 7890 189 (BIC AGRIFRPP).
      Alt: de89370400440532013000. Again: FR7630006000011234567890189.`;
    const r = findIbans(text);
    expect(r.valid.sort()).toEqual(['DE89370400440532013000', 'FR7630006000011234567890189']);
    expect(r.invalid).toEqual([]);
  });

  it('reports IBAN-shaped strings that fail the check', () => {
    const r = findIbans('Account GB82 WEST 1234 5698 7654 31 please');
    expect(r.valid).toEqual([]);
    expect(r.invalid).toEqual(['GB82WEST12345698765431']);
  });

  it('does not take a longer number or prose for an IBAN', () => {
    expect(findIbans('ref DE8937040044053201300099 and FR12 is a code').valid).toEqual([]);
    expect(findIbans('Order NL91ABNA04171643007').valid).toEqual([]);
    expect(findIbans('').valid).toEqual([]);
  });

  it('stays bounded on hostile text', () => {
    const text = 'FR76 '.repeat(50_000) + 'DE89 3704 '.repeat(50_000);
    const r = findIbans(text);
    expect(r.valid.length + r.invalid.length).toBeLessThanOrEqual(50);
  });

  it('masks for reasons', () => {
    expect(maskIban('FR7630006000011234567890189')).toBe('FR76 … 0189');
  });
});
