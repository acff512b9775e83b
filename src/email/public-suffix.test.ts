import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PublicSuffixList, SYSTEM_PUBLIC_SUFFIX_LIST } from './public-suffix.js';

const RULES = `// comment
com
uk
co.uk
jp
*.kawasaki.jp
!city.kawasaki.jp
公司.cn
cn
`;

describe('PublicSuffixList', () => {
  const list = PublicSuffixList.parse(RULES);

  it('splits by the longest rule', () => {
    expect(list.split('login.paypal.com.evil.co.uk')).toEqual({
      subdomains: ['login', 'paypal', 'com'],
      label: 'evil',
      suffix: 'co.uk',
      registrable: 'evil.co.uk',
    });
    expect(list.registrableDomain('www.example.com')).toBe('example.com');
  });

  it('applies wildcard and exception rules', () => {
    expect(list.registrableDomain('a.b.kawasaki.jp')).toBe('a.b.kawasaki.jp');
    expect(list.registrableDomain('www.city.kawasaki.jp')).toBe('city.kawasaki.jp');
  });

  it('reads Unicode rules as punycode', () => {
    expect(list.registrableDomain('shop.xn--55qx5d.cn')).toBe('shop.xn--55qx5d.cn');
  });

  it('treats an unknown last label as a suffix, and a bare suffix as no domain', () => {
    expect(list.registrableDomain('foo.internal')).toBe('foo.internal');
    expect(list.knownTld('foo.internal')).toBe(false);
    expect(list.knownTld('foo.com')).toBe(true);
    expect(list.split('co.uk')).toBeNull();
    expect(list.split('com')).toBeNull();
    expect(list.split('a..com')).toBeNull();
  });

  it('falls back to the built-in list when the file is missing', () => {
    const fallback = PublicSuffixList.load('/nonexistent/public_suffix_list.dat');
    expect(fallback.origin).toBe('built-in');
    expect(fallback.registrableDomain('mail.impots.gouv.fr')).toBe('impots.gouv.fr');
    expect(fallback.registrableDomain('a.b.example.co.uk')).toBe('example.co.uk');
  });

  it.skipIf(!existsSync(SYSTEM_PUBLIC_SUFFIX_LIST))('reads the system list when present', () => {
    const system = PublicSuffixList.load();
    expect(system.origin).toBe(SYSTEM_PUBLIC_SUFFIX_LIST);
    expect(system.registrableDomain('www.bbc.co.uk')).toBe('bbc.co.uk');
    expect(system.registrableDomain('x.github.io')).toBe('x.github.io');
  });
});
