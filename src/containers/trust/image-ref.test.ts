import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TrustError } from './errors.js';
import { apiHost, formatImageRef, parseImageRef, signatureTag } from './image-ref.js';

const D = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('parseImageRef', () => {
  it.each([
    ['alpine', { registry: 'docker.io', repository: 'library/alpine', tag: 'latest' }],
    ['alpine:3.19', { registry: 'docker.io', repository: 'library/alpine', tag: '3.19' }],
    ['user/app', { registry: 'docker.io', repository: 'user/app', tag: 'latest' }],
    ['index.docker.io/library/busybox:1', { registry: 'docker.io', repository: 'library/busybox', tag: '1' }],
    ['registry-1.docker.io/nginx', { registry: 'docker.io', repository: 'library/nginx', tag: 'latest' }],
    ['ghcr.io/org/team/app:v1.2_3-rc', { registry: 'ghcr.io', repository: 'org/team/app', tag: 'v1.2_3-rc' }],
    ['localhost/app', { registry: 'localhost', repository: 'app', tag: 'latest' }],
    ['localhost:5000/app', { registry: 'localhost:5000', repository: 'app', tag: 'latest' }],
    [`127.0.0.1:5000/test/app@${D}`, { registry: '127.0.0.1:5000', repository: 'test/app', digest: D }],
    [`reg.example:443/a/b:t@${D}`, { registry: 'reg.example:443', repository: 'a/b', tag: 't', digest: D }],
    ['[::1]:5000/app:v1', { registry: '[::1]:5000', repository: 'app', tag: 'v1' }],
    ['my.reg/a__b/c--d/e.f', { registry: 'my.reg', repository: 'a__b/c--d/e.f', tag: 'latest' }],
  ])('%s', (text, expected) => {
    expect(parseImageRef(text)).toEqual(expected);
  });

  it.each([
    ['', /empty reference/],
    ['   ', /empty reference/],
    ['UPPER/case', /path component "UPPER"/],
    ['a//b', /empty path component/],
    ['app:', /tag "" is not a valid tag/],
    ['app:-x', /tag "-x"/],
    ['app@sha256:xyz', /not sha256/],
    [`app@md5:${'a'.repeat(32)}`, /not sha256/],
    ['host.example:99999/app', /port 99999 is out of range/],
    ['bad_host.example/app', /registry host/],
    ['a b', /white space/],
    ['reg.example/app:tag/evil', /path component "app:tag"/],
    ['../etc/passwd', /registry host "\.\."/],
    ['etc/../passwd', /path component "\.\."/],
    [`reg.example/${'a'.repeat(260)}`, /longer than 255/],
    ['x'.repeat(2000), /longer than 1024/],
    ['app:tag@sha256:' + 'G'.repeat(64), /not sha256/],
  ])('refuses %j', (text, message) => {
    let error: unknown;
    try {
      parseImageRef(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TrustError);
    expect((error as TrustError).code).toBe('bad-ref');
    expect((error as Error).message).toMatch(message);
  });

  it('round-trips through formatImageRef', () => {
    const component = fc.stringMatching(/^[a-z0-9]{1,8}(?:[._-][a-z0-9]{1,8})?$/);
    const ref = fc.record({
      host: fc.constantFrom('docker.io', 'ghcr.io', '127.0.0.1:5000', 'reg.example.com:8443', 'localhost:1'),
      path: fc.array(component, { minLength: 2, maxLength: 4 }),
      tag: fc.option(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/), { nil: undefined }),
      digest: fc.option(fc.stringMatching(/^[a-f0-9]{64}$/), { nil: undefined }),
    });
    fc.assert(
      fc.property(ref, (r) => {
        const parsed = parseImageRef(
          `${r.host}/${r.path.join('/')}${r.tag !== undefined ? `:${r.tag}` : ''}${r.digest !== undefined ? `@sha256:${r.digest}` : ''}`,
        );
        expect(parseImageRef(formatImageRef(parsed))).toEqual(parsed);
        expect(parsed.repository).toBe(r.path.join('/'));
      }),
    );
  });
});

describe('names derived from a reference', () => {
  it('uses registry-1.docker.io for the Docker Hub API and keeps other hosts', () => {
    expect(apiHost('docker.io')).toBe('registry-1.docker.io');
    expect(apiHost('127.0.0.1:5000')).toBe('127.0.0.1:5000');
  });
  it("names cosign's signature tag after the digest", () => {
    expect(signatureTag(D)).toBe(`sha256-${D.slice(7)}.sig`);
    expect(() => signatureTag('sha256:abc')).toThrow(/not a sha256 digest/);
  });
});
