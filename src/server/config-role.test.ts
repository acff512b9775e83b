import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';
import { ingestTokenHash, ingestTokenTable } from './ingest-node.js';

const HASH = ingestTokenHash('vgl_ingest-secret');

describe('server role settings', () => {
  it('defaults to the single node, role all, with no NATS', () => {
    const c = loadConfig({ env: {} });
    expect(c.role).toBe('all');
    expect(c.nats).toEqual([]);
    expect(c.ingestTokens).toEqual([]);
    expect(c).toMatchObject({ partitions: 6, replicas: 3 });
  });

  it('reads role ingest from flags and the environment, keeping URLs whole', () => {
    const c = loadConfig({
      env: {
        VIGIL_NATS: 'nats://127.0.0.1:4222, nats://127.0.0.1:4223',
        VIGIL_INGEST_TOKENS: `acme=${HASH}`,
      },
      flags: { role: 'ingest' },
    });
    expect(c.role).toBe('ingest');
    expect(c.nats).toEqual(['nats://127.0.0.1:4222', 'nats://127.0.0.1:4223']);
    expect(c.ingestTokens).toEqual([`acme=${HASH}`]);
  });

  it('refuses an ingest node without NATS or without tokens, and unknown roles', () => {
    const bad = (flags: Record<string, unknown>) => () => loadConfig({ env: {}, flags });
    expect(bad({ role: 'ingest', ingestTokens: HASH })).toThrow(/needs nats/);
    expect(bad({ role: 'ingest', nats: '127.0.0.1:4222' })).toThrow(/needs ingest_tokens/);
    expect(bad({ role: 'worker' })).toThrow(ConfigError);
    expect(bad({ role: 'worker' })).toThrow(/one of all, ingest, api/);
    expect(bad({ ingestTokens: 'not-a-hash' })).toThrow(/SHA-256 hex/);
    expect(bad({ ingestTokens: `Bad Tenant=${HASH}` })).toThrow(/SHA-256 hex/);
  });

  it('takes role api with NATS and either an embedded store folder or a ClickHouse server', () => {
    const withData = loadConfig({
      env: { VIGIL_NATS: 'nats://127.0.0.1:4222' },
      flags: { role: 'api', dataDir: '/srv/vigil', partitions: '4', replicas: '1' },
    });
    expect(withData).toMatchObject({ role: 'api', dataDir: '/srv/vigil', clickhouseUrl: null });
    expect(withData).toMatchObject({ partitions: 4, replicas: 1 });
    const withServer = loadConfig({
      env: {},
      flags: { role: 'api', nats: 'a:4222,b:4222', clickhouseUrl: 'http://ch:8123' },
    });
    expect(withServer).toMatchObject({ role: 'api', clickhouseUrl: 'http://ch:8123', partitions: 6 });
    expect(withServer.nats).toEqual(['a:4222', 'b:4222']);
  });

  it('refuses role api without NATS, without a store, or with two stores, and bad partitions', () => {
    const bad =
      (flags: Record<string, unknown>, env: Record<string, string> = {}) =>
      () =>
        loadConfig({ env, flags });
    expect(bad({ role: 'api', dataDir: '/srv/vigil' })).toThrow(/role api needs nats/);
    // The default data folder is no choice: the store must be named.
    expect(bad({ role: 'api', nats: 'a:4222' })).toThrow(/needs its store: data DIR .* or clickhouse_url/);
    expect(bad({ role: 'api', nats: 'a:4222', dataDir: '/srv/v', clickhouseUrl: 'http://ch:8123' })).toThrow(
      /data or clickhouse_url, not both/,
    );
    expect(
      bad({ role: 'api', nats: 'a:4222', clickhouseUrl: 'http://ch:8123' }, { VIGIL_DATA: '/d' }),
    ).toThrow(/not both/);
    expect(bad({ role: 'api', nats: 'a:4222', dataDir: '/d', partitions: '0' })).toThrow(
      /partitions must be 1..1024/,
    );
    expect(bad({ role: 'api', nats: 'a:4222', dataDir: '/d', partitions: '2000' })).toThrow(/1..1024/);
    expect(bad({ role: 'api', nats: 'a:4222', dataDir: '/d', replicas: '7' })).toThrow(
      /replicas must be 1..5/,
    );
    expect(bad({ role: 'api', nats: 'a:4222', dataDir: '/d', partitions: 'six' })).toThrow(
      /non-negative integer/,
    );
  });

  it('maps each token hash to an ingest-only principal of its tenant (default when unnamed)', () => {
    const t = ingestTokenTable([HASH, `acme=${ingestTokenHash('other')}`]);
    expect(t.get(HASH)).toMatchObject({ tenant: 'default', role: 'ingest' });
    expect(t.get(ingestTokenHash('other'))).toMatchObject({ tenant: 'acme', role: 'ingest' });
    expect(t.get(ingestTokenHash('vgl_wrong'))).toBeUndefined();
  });
});
