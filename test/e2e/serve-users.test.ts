import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, removeDir, startVigil, type VigilProcess } from '../support/server.js';

let vigil: VigilProcess;
beforeAll(async () => {
  vigil = await startVigil();
});
afterAll(async () => {
  await vigil?.stop();
  if (vigil) removeDir(vigil.dataDir);
});

const login = (name: string, password: string) =>
  api(vigil.url, '/api/v1/login', { token: null, body: { name, password } });

describe('vigil serve: users and sessions', () => {
  it('an admin makes a user; the user signs in for a session of their role and tenant, and out', async () => {
    expect(
      (await api(vigil.url, '/api/v1/users', { body: { name: 'dana', password: 'short', role: 'analyst' } }))
        .status,
    ).toBe(400);
    const made = await api(vigil.url, '/api/v1/users', {
      body: { name: 'dana', password: 'a long enough passphrase', role: 'analyst', tenant: 'acme' },
    });
    expect(made.status).toBe(201);
    const listed = await api(vigil.url, '/api/v1/users?tenant=acme');
    expect(listed.body.users).toEqual([{ name: 'dana', tenant: 'acme', role: 'analyst' }]);
    expect(JSON.stringify(listed.body)).not.toContain('passphrase');

    expect((await login('dana', 'not the passphrase')).status).toBe(401);
    expect((await login('nobody', 'a long enough passphrase')).status).toBe(401);
    const session = await login('dana', 'a long enough passphrase');
    expect(session.status).toBe(200);
    expect(session.body.expires).toBeGreaterThan(Date.now() + 11 * 3_600_000);
    const who = await api(vigil.url, '/api/v1/whoami', { token: session.body.token });
    expect(who.body).toMatchObject({ role: 'analyst', tenant: 'acme', name: 'session:dana' });
    expect((await api(vigil.url, '/api/v1/tokens', { token: session.body.token })).status).toBe(403);

    expect((await api(vigil.url, '/api/v1/logout', { token: session.body.token, body: {} })).status).toBe(
      200,
    );
    // The token cache holds an answer for at most ten seconds; revocation clears it.
    expect((await api(vigil.url, '/api/v1/whoami', { token: session.body.token })).status).toBe(401);
  });

  it('stops guessing: five failures in a row answer 429 even with the right password', async () => {
    await api(vigil.url, '/api/v1/users', {
      body: { name: 'eve', password: 'another long passphrase', role: 'read-only' },
    });
    for (let i = 0; i < 5; i++) expect((await login('eve', `guess number ${i}`)).status).toBe(401);
    const blocked = await login('eve', 'another long passphrase');
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBe('900');
  });

  it('a removed user cannot sign in', async () => {
    await api(vigil.url, '/api/v1/users', {
      body: { name: 'fred', password: 'fred has a passphrase', role: 'analyst' },
    });
    expect((await login('fred', 'fred has a passphrase')).status).toBe(200);
    expect((await api(vigil.url, '/api/v1/users/fred', { method: 'DELETE' })).status).toBe(200);
    expect((await login('fred', 'fred has a passphrase')).status).toBe(401);
  });
});
