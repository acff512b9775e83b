import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

const hash = (t: string) => createHash('sha256').update(t).digest('hex');
const INGEST = hash('vgl_ingest');
const METRICS = hash('vgl_metrics');

describe('clickhouse_cluster and metrics_tokens settings', () => {
  it('are off by default', () => {
    const c = loadConfig({ env: {} });
    expect(c.clickhouseCluster).toBeNull();
    expect(c.metricsTokens).toEqual([]);
  });

  it('are read from the environment and flags', () => {
    const c = loadConfig({
      env: {
        VIGIL_CLICKHOUSE_URL: 'http://ch:8123/vigil',
        VIGIL_METRICS_TOKENS: `${METRICS}, ${hash('other')}`,
      },
      flags: { clickhouseCluster: 'vigil_cluster' },
    });
    expect(c.clickhouseCluster).toBe('vigil_cluster');
    expect(c.metricsTokens).toEqual([METRICS, hash('other')]);
  });

  it('refuses a cluster without a server, names that are not identifiers, and tokens that are not digests', () => {
    const bad = (env: Record<string, string>) => () => loadConfig({ env });
    expect(bad({ VIGIL_CLICKHOUSE_CLUSTER: 'c' })).toThrow(/clickhouse_cluster needs clickhouse_url/);
    for (const name of ['a-b', 'c; DROP TABLE events', "x')", '1st', 'a b'])
      expect(bad({ VIGIL_CLICKHOUSE_URL: 'http://ch:8123', VIGIL_CLICKHOUSE_CLUSTER: name }), name).toThrow(
        /remote_servers/,
      );
    for (const t of ['vgl_metrics', METRICS.toUpperCase(), METRICS.slice(1), `default=${METRICS}`])
      expect(bad({ VIGIL_METRICS_TOKENS: t }), t).toThrow(/SHA-256 hex of a token/);
  });

  it('keeps ingest and metrics tokens apart: one token cannot be both', () => {
    expect(() =>
      loadConfig({ env: { VIGIL_INGEST_TOKENS: `acme=${INGEST}`, VIGIL_METRICS_TOKENS: INGEST } }),
    ).toThrow(/both ingest_tokens and metrics_tokens/);
    expect(
      loadConfig({ env: { VIGIL_INGEST_TOKENS: INGEST, VIGIL_METRICS_TOKENS: METRICS } }).metricsTokens,
    ).toEqual([METRICS]);
  });
});
