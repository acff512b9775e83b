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

  it('refuses an ingest node without NATS or without tokens, and unknown or unbuilt roles', () => {
    const bad = (flags: Record<string, unknown>) => () => loadConfig({ env: {}, flags });
    expect(bad({ role: 'ingest', ingestTokens: HASH })).toThrow(/needs nats/);
    expect(bad({ role: 'ingest', nats: '127.0.0.1:4222' })).toThrow(/needs ingest_tokens/);
    expect(bad({ role: 'worker' })).toThrow(ConfigError);
    expect(bad({ role: 'api' })).toThrow(/not built yet/);
    expect(bad({ ingestTokens: 'not-a-hash' })).toThrow(/SHA-256 hex/);
    expect(bad({ ingestTokens: `Bad Tenant=${HASH}` })).toThrow(/SHA-256 hex/);
  });

  it('maps each token hash to an ingest-only principal of its tenant (default when unnamed)', () => {
    const t = ingestTokenTable([HASH, `acme=${ingestTokenHash('other')}`]);
    expect(t.get(HASH)).toMatchObject({ tenant: 'default', role: 'ingest' });
    expect(t.get(ingestTokenHash('other'))).toMatchObject({ tenant: 'acme', role: 'ingest' });
    expect(t.get(ingestTokenHash('vgl_wrong'))).toBeUndefined();
  });
});
