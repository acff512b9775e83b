import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseExposition, sampleValue } from '../../test/support/prometheus.js';
import type { JsonObject } from '../ingest/types.js';
import { makeBatch } from '../pipeline/batch.js';
import { IntakeLog } from '../pipeline/intake.js';
import {
  isLoopback,
  METRICS_CONTENT_TYPE,
  metricsEndpointOptions,
  MetricsOptionError,
  parseListen,
  parseTokenSha256,
  serveMetrics,
  tokenMatches,
} from './metrics-http.js';
import { BacklogCache, IngestMeter, processMetrics, workerMetrics, writerMetrics } from './metrics.js';
import { renderMetrics } from '../server/metrics.js';

const TOKEN = 'vgl_metrics-scraper-token';
const HEX = createHash('sha256').update(TOKEN).digest('hex');

describe('--metrics options', () => {
  it('reads HOST:PORT, [v6]:PORT and :PORT', () => {
    expect(parseListen('127.0.0.1:9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListen(':9100')).toEqual({ host: '127.0.0.1', port: 9100 });
    expect(parseListen('0.0.0.0:9464')).toEqual({ host: '0.0.0.0', port: 9464 });
    for (const bad of [
      '',
      '9464',
      'host',
      'host:',
      ':99999',
      'a:b',
      '[::1]9000',
      'a b:1',
      'h:1:2',
      '1.2.3.4:-1',
    ])
      expect(() => parseListen(bad), bad).toThrow(/HOST:PORT/);
  });

  it('knows loopback addresses; other names may resolve anywhere', () => {
    for (const h of ['127.0.0.1', '127.9.9.9', '::1', 'localhost', 'LOCALHOST'])
      expect(isLoopback(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', 'vigil-worker', '127.0.0.1.evil.example', '1270.0.0.1'])
      expect(isLoopback(h), h).toBe(false);
  });

  it('is off by default, and refuses an open endpoint beyond this machine', () => {
    expect(metricsEndpointOptions({})).toBeNull();
    expect(() => metricsEndpointOptions({ metricsTokenSha256: HEX })).toThrow(/need --metrics/);
    expect(() => metricsEndpointOptions({ metricsInsecure: true })).toThrow(/need --metrics/);
    expect(metricsEndpointOptions({ metrics: '127.0.0.1:9464' })).toEqual({
      host: '127.0.0.1',
      port: 9464,
      tokenSha256: null,
    });
    expect(() => metricsEndpointOptions({ metrics: '0.0.0.0:9464' })).toThrow(
      /reachable from other machines: give --metrics-token-sha256/,
    );
    expect(() => metricsEndpointOptions({ metrics: '0.0.0.0:9464' })).toThrow(MetricsOptionError);
    expect(
      metricsEndpointOptions({ metrics: '0.0.0.0:9464', metricsInsecure: true })?.tokenSha256,
    ).toBeNull();
    expect(metricsEndpointOptions({ metrics: '0.0.0.0:9464', metricsTokenSha256: HEX })?.tokenSha256).toEqual(
      Buffer.from(HEX, 'hex'),
    );
  });

  it('takes the token as its SHA-256 in hex, nothing else', () => {
    expect(parseTokenSha256(HEX.toUpperCase(), 'x')).toEqual(Buffer.from(HEX, 'hex'));
    for (const bad of [TOKEN, HEX.slice(1), `${HEX}0`, `${HEX.slice(2)}zz`, ''])
      expect(
        () => metricsEndpointOptions({ metrics: '127.0.0.1:1', metricsTokenSha256: bad || ' ' }),
        bad,
      ).toThrow(/SHA-256 of the token as 64 hex digits/);
  });

  it('compares tokens by their digest', () => {
    const d = [Buffer.from(HEX, 'hex')];
    expect(tokenMatches(TOKEN, d)).toBe(true);
    expect(tokenMatches(`${TOKEN}x`, d)).toBe(false);
    expect(tokenMatches(HEX, d)).toBe(false);
    expect(tokenMatches(null, d)).toBe(false);
    expect(tokenMatches(TOKEN, [])).toBe(false);
    expect(tokenMatches(TOKEN, [Buffer.alloc(3), ...d])).toBe(true);
  });
});

describe('the metrics endpoint', () => {
  const metric = {
    name: 'vigil_test_total',
    help: 'Test.',
    type: 'counter' as const,
    samples: [{ value: 7 }],
  };

  it('serves GET /metrics in the text format; wrong paths, methods and tokens are refused', async () => {
    const endpoint = await serveMetrics(
      { host: '127.0.0.1', port: 0, tokenSha256: Buffer.from(HEX, 'hex') },
      () => [metric],
    );
    try {
      const ok = await fetch(endpoint.url, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-type')).toBe(METRICS_CONTENT_TYPE);
      expect(sampleValue(parseExposition(await ok.text()), 'vigil_test_total')).toBe(7);
      for (const headers of <Record<string, string>[]>[
        {},
        { authorization: 'Bearer wrong' },
        { authorization: `Basic ${TOKEN}` },
        { authorization: `Bearer ${HEX}` },
      ]) {
        const r = await fetch(endpoint.url, { headers });
        expect(r.status, JSON.stringify(headers)).toBe(401);
        expect(r.headers.get('www-authenticate')).toBe('Bearer');
        expect(await r.text()).not.toContain('vigil_test_total');
      }
      expect((await fetch(endpoint.url.replace('/metrics', '/'))).status).toBe(404);
      expect((await fetch(endpoint.url.replace('/metrics', '/metricsx'))).status).toBe(404);
      const post = await fetch(endpoint.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(post.status).toBe(405);
    } finally {
      await endpoint.close();
    }
  });

  it('needs no token when none is configured, and reports a failing collection as 500', async () => {
    let fail = false;
    const endpoint = await serveMetrics({ host: '127.0.0.1', port: 0, tokenSha256: null }, async () => {
      if (fail) throw new Error('NATS is away');
      return [metric];
    });
    try {
      expect((await fetch(endpoint.url)).status).toBe(200);
      fail = true;
      const r = await fetch(endpoint.url);
      expect(r.status).toBe(500);
      expect(await r.text()).toContain('NATS is away');
    } finally {
      await endpoint.close();
    }
  });
});

describe('scale-out metric sets', () => {
  it('worker: counters, stage seconds, owned partitions and their backlogs, as valid exposition', () => {
    const text = renderMetrics([
      ...workerMetrics(
        {
          messages: 5,
          events: 50,
          alerts: 2,
          redelivered: 1,
          damaged: 1,
          prepareMs: 1500,
          sinkMs: 250,
          replayed: 40,
          replayMs: 500,
        },
        [1, 4],
        new Map([[1, { pending: 10, ackPending: 3 }]]),
      ),
      ...processMetrics(Date.now() - 5000),
    ]);
    const f = parseExposition(text);
    expect(sampleValue(f, 'vigil_worker_events_total')).toBe(50);
    expect(sampleValue(f, 'vigil_worker_redelivered_total')).toBe(1);
    expect(sampleValue(f, 'vigil_worker_seconds_total', { stage: 'prepare' })).toBe(1.5);
    expect(sampleValue(f, 'vigil_worker_seconds_total', { stage: 'sink' })).toBe(0.25);
    expect(sampleValue(f, 'vigil_worker_seconds_total', { stage: 'replay' })).toBe(0.5);
    expect(sampleValue(f, 'vigil_worker_replayed_events_total')).toBe(40);
    expect(sampleValue(f, 'vigil_worker_partitions_owned')).toBe(2);
    expect(sampleValue(f, 'vigil_worker_partition_pending', { partition: '1' })).toBe(10);
    expect(sampleValue(f, 'vigil_worker_partition_ack_pending', { partition: '1' })).toBe(3);
    // Partition 4's backlog could not be read: no sample rather than a made-up one.
    expect(sampleValue(f, 'vigil_worker_partition_pending', { partition: '4' })).toBeUndefined();
    expect(sampleValue(f, 'vigil_uptime_seconds')).toBeGreaterThanOrEqual(5);
    expect(sampleValue(f, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    for (const name of f.keys()) expect(name).toMatch(/^(vigil_worker_|vigil_uptime|process_|nodejs_)/);
  });

  it('writer: counters, insert seconds and its backlog (absent when unread)', () => {
    const stats = { messages: 3, events: 30, alerts: 1, damaged: 0, insertMs: 2000, skipped: 2 };
    const f = parseExposition(renderMetrics(writerMetrics(stats, { pending: 4, ackPending: 1 })));
    expect(sampleValue(f, 'vigil_writer_insert_seconds_total')).toBe(2);
    expect(sampleValue(f, 'vigil_writer_already_stored_total')).toBe(2);
    expect(sampleValue(f, 'vigil_writer_pending')).toBe(4);
    const unread = parseExposition(renderMetrics(writerMetrics(stats, undefined)));
    expect(sampleValue(unread, 'vigil_writer_pending')).toBeUndefined();
  });

  it('ingest: counts a real intake’s events, bytes, duplicates, failures and answers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-ingest-meter-'));
    try {
      const log = IntakeLog.open(dir, { fsync: false, maxLagBytes: 4096 });
      const meter = new IngestMeter();
      const intake = meter.meter(log);
      const records: JsonObject[] = [{ a: 1 }, { b: 'é' }];
      await intake.append(makeBatch('default', 'k1', 'test', records));
      expect((await intake.append(makeBatch('default', 'k1', 'test', records))).duplicate).toBe(true);
      // The log takes a record while its backlog is under the limit; past it, it refuses.
      const big = [{ blob: 'x'.repeat(8192) }];
      await intake.append(makeBatch('default', 'k2', 'test', big));
      await expect(intake.append(makeBatch('default', 'k3', 'test', big))).rejects.toThrow(
        /backlog|full|lag/i,
      );
      meter.answered(200);
      meter.answered(200);
      meter.answered(503);
      const f = parseExposition(renderMetrics(meter.metrics(1234)));
      expect(sampleValue(f, 'vigil_ingest_events_total')).toBe(3);
      expect(sampleValue(f, 'vigil_ingest_duplicates_total')).toBe(1);
      expect(sampleValue(f, 'vigil_ingest_publish_failures_total')).toBe(1);
      expect(sampleValue(f, 'vigil_ingest_publishes_total')).toBe(4);
      expect(sampleValue(f, 'vigil_ingest_requests_total', { code: '200' })).toBe(2);
      expect(sampleValue(f, 'vigil_ingest_requests_total', { code: '503' })).toBe(1);
      expect(sampleValue(f, 'vigil_ingest_inflight_bytes')).toBe(1234);
      const bytes = ['{"a":1}', '{"b":"é"}', JSON.stringify(big[0])].reduce(
        (n, l) => n + Buffer.byteLength(l),
        0,
      );
      expect(sampleValue(f, 'vigil_ingest_bytes_total')).toBe(bytes);
      log.wal.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('BacklogCache', () => {
  it('reads JetStream at most once per max age, however often it is asked, and shares a read', async () => {
    let clock = 0;
    const asked: string[] = [];
    let release: () => void = () => {};
    let gate: Promise<void> = Promise.resolve();
    const cache = new BacklogCache(
      async (c) => {
        asked.push(c);
        await gate;
        if (c === 'broken') throw new Error('no such consumer');
        return { pending: c.length, ackPending: 0 };
      },
      5000,
      () => clock,
    );
    gate = new Promise((r) => (release = r));
    const first = cache.get(['a', 'bb', 'broken']);
    const second = cache.get(['a', 'bb', 'broken']);
    release();
    const [one, two] = await Promise.all([first, second]);
    expect(asked).toEqual(['a', 'bb', 'broken']);
    expect([...one.entries()]).toEqual([
      ['a', { pending: 1, ackPending: 0 }],
      ['bb', { pending: 2, ackPending: 0 }],
    ]);
    expect(two).toEqual(one);
    expect(cache.readErrors).toBe(1);
    clock = 4999;
    await cache.get(['a', 'bb', 'ccc']);
    expect(asked).toHaveLength(3);
    clock = 5000;
    const later = await cache.get(['ccc']);
    expect(asked).toEqual(['a', 'bb', 'broken', 'ccc']);
    expect(later.get('ccc')).toEqual({ pending: 3, ackPending: 0 });
    expect(cache.reads).toBe(4);
  });
});
