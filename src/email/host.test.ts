import { describe, expect, it } from 'vitest';
import { firstExternalHop, isPublicIp } from './headers.js';
import { addressDomain, hostName, isIpLiteral } from './host.js';

describe('hostName', () => {
  it('gives both forms, lower case, without the trailing dot', () => {
    expect(hostName('WWW.Example.COM.')).toEqual({ ascii: 'www.example.com', unicode: 'www.example.com' });
    expect(hostName('xn--pypal-4ve.com')).toEqual({ ascii: 'xn--pypal-4ve.com', unicode: 'pаypal.com' });
    expect(hostName('pаypal.com')).toEqual({ ascii: 'xn--pypal-4ve.com', unicode: 'pаypal.com' });
    expect(hostName('ｅｘａｍｐｌｅ．ｃｏｍ')?.ascii).toBe('example.com');
  });

  it('refuses what is not a domain name', () => {
    for (const bad of [
      '',
      'localhost',
      '192.0.2.1',
      '[2001:db8::1]',
      'a b.com',
      'a..com',
      'x'.repeat(64) + '.com',
      `${'a.'.repeat(130)}com`,
      'exa_mple.com',
    ])
      expect(hostName(bad), bad).toBeNull();
  });
});

describe('isIpLiteral', () => {
  it('knows the forms browsers accept', () => {
    for (const ip of [
      '192.0.2.1',
      '[::1]',
      '2001:db8::1',
      '3232235777',
      '0xC0A80001',
      '0300.0250.0.1',
      '192.168.1',
    ])
      expect(isIpLiteral(ip), ip).toBe(true);
    for (const host of ['example.com', '1.2.3.4.5', '12a.com', 'cafe.be'])
      expect(isIpLiteral(host), host).toBe(false);
  });
});

describe('addressDomain', () => {
  it('takes the part after the last @', () => {
    expect(addressDomain('"a@b"@Example.COM.')).toBe('example.com');
    expect(addressDomain('jean@Acme.FR')).toBe('acme.fr');
    expect(addressDomain('no-at-sign')).toBeNull();
    expect(addressDomain('trailing@')).toBeNull();
    expect(addressDomain(null)).toBeNull();
  });
});

describe('firstExternalHop', () => {
  it('takes the newest public address from the Received chain', () => {
    expect(
      firstExternalHop([
        'from internal.client.fr (internal.client.fr [10.0.0.5]) by mx2.client.fr; Tue, 3 Mar 2020 10:00:01 +0100',
        'from mail.attacker.test (mail.attacker.test [198.51.100.23]) by internal.client.fr; Tue, 3 Mar 2020 10:00:00 +0100',
        'from laptop (unknown [203.0.113.50]) by mail.attacker.test; Tue, 3 Mar 2020 09:59:59 +0100',
      ]),
    ).toBe('198.51.100.23');
    expect(firstExternalHop(['from x ([IPv6:2001:db8::25]) by y'])).toBe('2001:db8::25');
    expect(
      firstExternalHop(['by mx.client.fr with local', 'from a (a [127.0.0.1]) by b', 'garbage']),
    ).toBeNull();
  });

  it('knows private ranges', () => {
    for (const ip of [
      '10.1.2.3',
      '172.16.0.1',
      '192.168.0.1',
      '127.0.0.1',
      '100.64.0.1',
      '169.254.1.1',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:10.0.0.1',
    ])
      expect(isPublicIp(ip), ip).toBe(false);
    for (const ip of ['8.8.8.8', '172.32.0.1', '2001:db8::1', '::ffff:8.8.4.4'])
      expect(isPublicIp(ip), ip).toBe(true);
  });
});
