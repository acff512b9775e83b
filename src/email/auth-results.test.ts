import { describe, expect, it } from 'vitest';
import { authenticationFindings, parseAuthenticationResults, trustedResults } from './auth-results.js';

describe('Authentication-Results', () => {
  it('parses methods, results and properties, skipping comments', () => {
    const r = parseAuthenticationResults(
      'mx.example.net (Postfix; version=1);\r\n spf=fail (sender IP is 203.0.113.9) smtp.mailfrom=evil.test;\r\n dkim=pass (2048-bit key; unprotected) header.d=evil.test header.i=@evil.test;\r\n dmarc=fail (p=reject dis=none) header.from=example.com',
    );
    expect(r.map((x) => [x.authserv, x.method, x.result])).toEqual([
      ['mx.example.net', 'spf', 'fail'],
      ['mx.example.net', 'dkim', 'pass'],
      ['mx.example.net', 'dmarc', 'fail'],
    ]);
    expect(r[2]!.properties['header.from']).toBe('example.com');
  });

  it('keeps what it can of a broken header', () => {
    expect(parseAuthenticationResults('mx; garbage; ;spf=softfail; dkim; ((unclosed')).toEqual([
      { authserv: 'mx', method: 'spf', result: 'softfail', properties: {} },
    ]);
    expect(parseAuthenticationResults('')).toEqual([]);
  });

  it('believes only the topmost header, or the trusted authserv-ids', () => {
    const ours = 'mx.ours.example; dmarc=fail header.from=bank.example';
    const forged = 'mx.ours.example; dmarc=pass header.from=bank.example';
    expect(trustedResults([ours, forged]).map((r) => r.result)).toEqual(['fail']);
    const planted = 'attacker.example; spf=pass';
    expect(
      trustedResults([planted, ours], ['MX.OURS.EXAMPLE']).map((r) => `${r.method}=${r.result}`),
    ).toEqual(['dmarc=fail']);
  });

  it('scores failures, worst per method, with Received-SPF as a fallback', () => {
    const f = authenticationFindings(
      parseAuthenticationResults(
        'mx; dmarc=fail header.from=a.example; dkim=fail header.d=a.example; dkim=pass header.d=b.example',
      ),
      null,
    );
    expect(f.map((x) => x.code).sort()).toEqual(['authentication.dkim-fail', 'authentication.dmarc-fail']);
    expect(f.find((x) => x.code === 'authentication.dmarc-fail')!.evidence.domain).toBe('a.example');
    const spf = authenticationFindings(
      [],
      'softfail (mx.example: domain of transitioning x@y.example does not designate 203.0.113.9)',
    );
    expect(spf.map((x) => x.code)).toEqual(['authentication.spf-softfail']);
    expect(
      authenticationFindings(parseAuthenticationResults('mx; spf=pass; dkim=pass; dmarc=pass'), 'pass'),
    ).toEqual([]);
  });
});
