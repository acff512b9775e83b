import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChdbStore } from '../../src/store/chdb.js';
import { api, removeDir, startVigil, type VigilProcess } from '../support/server.js';

let vigil: VigilProcess | undefined;
let dataDir = '';
afterAll(async () => {
  await vigil?.stop();
  if (dataDir !== '') removeDir(dataDir);
});

/** The days of the TTL ClickHouse holds for a table ('none'), read after the server stopped. */
async function ttlOf(table: string): Promise<string> {
  const store = new ChdbStore(join(dataDir, 'store'));
  try {
    const [row] = await store.query<{ q: string }>(
      'SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name = {t:String}',
      { t: table },
    );
    // ClickHouse writes the interval back as toIntervalDay(N).
    return /\bTTL .*?toIntervalDay\((\d+)\)/.exec(row?.q ?? '')?.[1] ?? 'none';
  } finally {
    await store.close();
  }
}

describe('vigil serve: settings an admin changes while it runs', () => {
  it('retention: an admin changes it, it survives a restart, and a configured value cannot be changed', async () => {
    vigil = await startVigil();
    dataDir = vigil.dataDir;
    const status = await api(vigil.url, '/api/v1/status');
    expect(status.body.retention).toEqual({ days: 90, source: 'default', editable: true });

    const analyst = await api(vigil.url, '/api/v1/tokens', { body: { role: 'analyst', name: 'a' } });
    const put = (days: unknown, token?: string) =>
      api(vigil!.url, '/api/v1/settings/retention', { method: 'PUT', body: { days }, token });
    expect((await put(30, analyst.body.token)).status).toBe(403);
    for (const bad of [-1, 1.5, '30', 100_000, null]) expect((await put(bad)).status).toBe(400);
    const changed = await put(30);
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({ days: 30, source: 'settings' });
    expect((await api(vigil.url, '/api/v1/status')).body.retentionDays).toBe(30);
    expect(vigil.output()).toMatch(/retention changed from 90 to 30 days by/);
    await vigil.stop();
    expect(await ttlOf('events')).toBe('30');

    vigil = await startVigil({ dataDir });
    expect((await api(vigil.url, '/api/v1/status')).body.retention).toEqual({
      days: 30,
      source: 'settings',
      editable: true,
    });
    expect((await put(0)).status).toBe(200);
    await vigil.stop();
    expect(await ttlOf('alerts')).toBe('none');

    vigil = await startVigil({ dataDir, args: ['--retention-days', '7'] });
    expect((await api(vigil.url, '/api/v1/status')).body.retention).toEqual({
      days: 7,
      source: 'configuration',
      editable: false,
    });
    const refused = await put(30);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatch(/--retention-days/);
    await vigil.stop();
    expect(await ttlOf('events')).toBe('7');
    vigil = undefined;
  });

  it('tenants: an admin sees every tenant with its tokens, users and recent events; others may not', async () => {
    vigil = await startVigil({ dataDir });
    await api(vigil.url, '/api/v1/tokens', { body: { role: 'ingest', name: 'shipper', tenant: 'acme' } });
    await api(vigil.url, '/api/v1/users', {
      body: { name: 'eve', password: 'a long enough passphrase', role: 'analyst', tenant: 'acme' },
    });
    const listed = await api(vigil.url, '/api/v1/tenants');
    expect(listed.status).toBe(200);
    const acme = (listed.body.tenants as { tenant: string }[]).find((t) => t.tenant === 'acme');
    expect(acme).toEqual({ tenant: 'acme', tokens: 1, users: 1, eventsLastDay: 0 });
    expect((listed.body.tenants as { tenant: string }[]).map((t) => t.tenant)).toContain('default');
    const analyst = await api(vigil.url, '/api/v1/tokens', { body: { role: 'analyst', name: 'b' } });
    expect((await api(vigil.url, '/api/v1/tenants', { token: analyst.body.token })).status).toBe(403);
  });
});
