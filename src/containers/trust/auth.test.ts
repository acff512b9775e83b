import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { basicAuthorization, credentialsFromAuthFile, parseChallenge } from './auth.js';

describe('parseChallenge', () => {
  it('reads a Bearer challenge whose scope holds commas', () => {
    expect(
      parseChallenge(
        'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:team/app:pull,push"',
      ),
    ).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://auth.example/token',
        service: 'registry.example',
        scope: 'repository:team/app:pull,push',
      },
    });
  });

  it('reads escaped quotes, unquoted values, odd spacing and parameter case', () => {
    expect(parseChallenge('BASIC  Realm = "a \\"quoted\\" realm" , charset=UTF-8')).toEqual({
      scheme: 'basic',
      params: { realm: 'a "quoted" realm', charset: 'UTF-8' },
    });
  });

  it('stops at a second challenge or token68 data', () => {
    expect(parseChallenge('Bearer realm="r", Basic realm="x"').params).toEqual({ realm: 'r' });
    expect(parseChallenge('Negotiate abc==').params).toEqual({});
  });

  it.each(['', '   ', '"quoted"', '=realm'])('refuses the unreadable challenge %j', (value) => {
    expect(() => parseChallenge(value)).toThrow(/unreadable WWW-Authenticate/);
  });

  it('refuses an unterminated quoted value', () => {
    expect(() => parseChallenge('Bearer realm="https://x')).toThrow(/unterminated/);
  });
});

describe('credentials', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-auth-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds a Basic header', () => {
    expect(basicAuthorization({ username: 'ann', password: 'p:ss' })).toBe(
      `Basic ${Buffer.from('ann:p:ss').toString('base64')}`,
    );
  });

  it('finds a host in a Docker auth file, in its auth or username/password form', () => {
    const file = join(dir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({
        auths: {
          'reg.example:5000': { auth: Buffer.from('bob:s3:cret').toString('base64') },
          'https://other.example': { username: 'carol', password: 'pw' },
          'https://index.docker.io/v1/': { auth: Buffer.from('hub:tok').toString('base64') },
          'broken.example': { auth: Buffer.from('no-colon').toString('base64') },
        },
      }),
    );
    expect(credentialsFromAuthFile('reg.example:5000', file)).toEqual({
      username: 'bob',
      password: 's3:cret',
    });
    expect(credentialsFromAuthFile('other.example', file)).toEqual({ username: 'carol', password: 'pw' });
    expect(credentialsFromAuthFile('docker.io', file)).toEqual({ username: 'hub', password: 'tok' });
    expect(credentialsFromAuthFile('broken.example', file)).toBeUndefined();
    expect(credentialsFromAuthFile('unknown.example', file)).toBeUndefined();
  });

  it('reports a named auth file that is missing or not JSON, without its content', () => {
    expect(() => credentialsFromAuthFile('x', join(dir, 'nope.json'))).toThrow(/ENOENT/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"auths": {"x": {"auth": "c2VjcmV0"}');
    expect(() => credentialsFromAuthFile('x', bad)).toThrow(/bad\.json/);
    expect(() => credentialsFromAuthFile('x', bad)).not.toThrow(/c2VjcmV0/);
    writeFileSync(bad, '[1,2]');
    expect(credentialsFromAuthFile('x', bad)).toBeUndefined();
  });
});
