import { describe, expect, it } from 'vitest';
import {
  NETWORK_GAP_ID,
  SENSOR_GAP_ID,
  TelemetryGaps,
  TYPE_GAP_ID,
  type TelemetryGapOptions,
} from './telemetry-gaps.js';
import { analyticEvent, seededRandom, sysmonEvent, windowsEvent } from './test-events.js';
import type { AnalyticEvent, AnalyticFinding } from './types.js';

const MIN = 60_000;
const BUCKET = 5 * MIN;
const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
const HOSTS = ['WS01', 'WS02', 'WS03', 'WS04', 'WS05', 'WS06', 'WS07'];
type Kind = 'process' | 'network' | 'dns' | 'logon';
const KINDS: readonly Kind[] = ['process', 'network', 'dns', 'logon'];
/** Typical events per 5 min on a busy workstation. */
const RATE: Readonly<Record<Kind, number>> = { process: 12, network: 40, dns: 15, logon: 1 };

const templates = new Map<string, AnalyticEvent>();
function template(host: string, kind: Kind): AnalyticEvent {
  const key = `${host}|${kind}`;
  let t = templates.get(key);
  if (t === undefined) {
    const at = { host };
    t =
      kind === 'process'
        ? sysmonEvent(1, { Image: 'C:\\Windows\\System32\\svchost.exe' }, at)
        : kind === 'network'
          ? sysmonEvent(3, { DestinationIp: '10.0.0.1' }, at)
          : kind === 'dns'
            ? sysmonEvent(22, { QueryName: 'example.org' }, at)
            : windowsEvent('Security', 4624, { TargetUserName: 'bob' }, at);
    templates.set(key, t);
  }
  return t;
}

/** Events per (host, kind) in bucket i; the default is a busy day with jitter. */
type Rate = (host: string, kind: Kind, bucket: number, r: () => number) => number;
const jittered: Rate = (_h, kind, _b, r) => (r() < 0.05 ? 0 : Math.floor(RATE[kind] * (0.5 + r())));

/** Feeds `buckets` buckets of traffic in time order, advancing at each bucket end like a server. */
function simulate(buckets: number, rate: Rate, o: TelemetryGapOptions = {}, seed = 1) {
  const gaps = new TelemetryGaps(o);
  const r = seededRandom(seed);
  const found: AnalyticFinding[] = [];
  for (let b = 0; b < buckets; b++) {
    const start = T0 + b * BUCKET;
    const events: AnalyticEvent[] = [];
    for (const host of HOSTS)
      for (const kind of KINDS) {
        const n = rate(host, kind, b, r);
        for (let i = 0; i < n; i++)
          events.push({ ...template(host, kind), time: start + Math.floor(r() * BUCKET) });
      }
    events.sort((a, c) => a.time - c.time);
    for (const e of events) found.push(...gaps.observe(e));
    found.push(...gaps.advance(start + BUCKET));
  }
  return { gaps, found };
}

const summary = (fs: readonly AnalyticFinding[]) =>
  fs.map((f) => `${f.analytic} ${f.host} ${f.evidence.event_type ?? ''}`.trim());

describe('TelemetryGaps', () => {
  it('finds a host whose network events stop while its process events go on (Waterbear)', () => {
    const { found } = simulate(72, (h, kind, b, r) =>
      h === 'WS07' && b >= 36 && (kind === 'network' || kind === 'dns') ? 0 : jittered(h, kind, b, r),
    );
    expect(summary(found)).toEqual([`${NETWORK_GAP_ID} WS07`]);
    const [f] = found;
    expect(f?.level).toBe('high');
    expect(f?.reason).toMatch(
      /^WS07 sent no network events \(Sysmon network connection \(3\), Sysmon DNS query \(22\)\) for 3\d min while it sent [\d,]+ process events; before it sent ~\d+ per 5 min$/,
    );
    expect(f?.time).toBeGreaterThanOrEqual(T0 + 36 * BUCKET + 30 * MIN);
    expect(f?.event).toBeUndefined();
  });

  it('finds an event type that vanishes from one host but not from its peers', () => {
    const { found } = simulate(72, (h, kind, b, r) =>
      h === 'WS03' && b >= 36 && kind === 'dns' ? 0 : jittered(h, kind, b, r),
    );
    expect(summary(found)).toEqual([`${TYPE_GAP_ID} WS03 Sysmon DNS query (22)`]);
    expect(found[0]?.reason).toMatch(
      /^WS03 sent no Sysmon DNS query \(22\) events for 3\d min while 6 of its 6 peers kept sending them \([\d,]+ events\); before it sent ~\d+ per 5 min$/,
    );
  });

  it('finds a silent sensor, once per silence', () => {
    const silent = (b: number) => (b >= 36 && b < 60) || b >= 84;
    const { found } = simulate(120, (h, kind, b, r) =>
      h === 'WS05' && silent(b) ? 0 : jittered(h, kind, b, r),
    );
    expect(summary(found)).toEqual([`${SENSOR_GAP_ID} WS05`, `${SENSOR_GAP_ID} WS05`]);
    expect(found[0]?.reason).toMatch(
      /^WS05 sent no events at all for 3\d min while 6 other hosts kept sending \([\d,]+ events\)/,
    );
  });

  it('stays quiet through jitter, short dropouts and nights when the office is quiet', () => {
    const dayBuckets = 24 * 12;
    const office: Rate = (h, kind, b, r) => {
      // WS01 is a server, busy day and night; the workstations sleep from 22:00 to 10:00.
      const hour = Math.floor((b % dayBuckets) / 12);
      if (h !== 'WS01' && (hour < 10 || hour >= 22)) return r() < 0.02 ? 1 : 0;
      // Each host drops its network events for 20 minutes once in a while (Wi-Fi roaming).
      const dropout = (b + HOSTS.indexOf(h) * 37) % 97 < 4;
      if (dropout && (kind === 'network' || kind === 'dns')) return 0;
      return jittered(h, kind, b, r);
    };
    for (const seed of [7, 8, 9])
      expect(summary(simulate(3 * dayBuckets, office, {}, seed).found)).toEqual([]);
  });

  it('does not fire before a baseline exists', () => {
    const { found } = simulate(40, (h, kind, b, r) => (h === 'WS02' && b >= 6 ? 0 : jittered(h, kind, b, r)));
    expect(found).toEqual([]);
  });

  it('takes a shutdown or sleep before the silence as explaining it', () => {
    const gaps = new TelemetryGaps();
    const found: AnalyticFinding[] = [];
    for (let b = 0; b < 72; b++) {
      const t = T0 + b * BUCKET;
      for (const host of HOSTS) {
        if (host === 'WS04' && b > 36) continue;
        for (let i = 0; i < 10; i++)
          found.push(...gaps.observe({ ...template(host, 'process'), time: t + i * 1000 }));
        if (host === 'WS04' && b === 36)
          found.push(
            ...gaps.observe(windowsEvent('System', 1074, { param1: 'shutdown' }, { host, time: t + 20_000 })),
          );
      }
      found.push(...gaps.advance(t + BUCKET));
    }
    expect(found).toEqual([]);
  });

  it('keeps hosts and event types under their caps', () => {
    const gaps = new TelemetryGaps({ maxHosts: 100, maxTypesPerHost: 8 });
    for (let i = 0; i < 10_000; i++)
      gaps.observe({ ...template('WS01', 'process'), columns: { host: `H${i}` }, time: T0 + i });
    expect(gaps.trackedHosts).toBeLessThanOrEqual(100);
    for (let code = 1; code <= 500; code++)
      gaps.observe(windowsEvent('Application', code, {}, { host: 'WS01', time: T0 + 20_000 }));
    expect(gaps.trackedTypes('WS01')).toBeLessThanOrEqual(8 + 5);
  });

  it('is not blinded by one host whose clock runs far ahead', () => {
    const { found } = simulate(72, (h, kind, b, r) =>
      h === 'WS07' && b >= 36 && (kind === 'network' || kind === 'dns') ? 0 : jittered(h, kind, b, r),
    );
    const gaps = new TelemetryGaps();
    const r = seededRandom(1);
    const skewed: AnalyticFinding[] = [];
    for (let b = 0; b < 72; b++) {
      const start = T0 + b * BUCKET;
      for (const host of HOSTS)
        for (const kind of KINDS) {
          if (host === 'WS07' && b >= 36 && (kind === 'network' || kind === 'dns')) continue;
          // From bucket 10 on, WS06's clock runs a year ahead.
          const skew = host === 'WS06' && b >= 10 ? 365 * 86_400_000 : 0;
          const n = jittered(host, kind, b, r);
          for (let i = 0; i < n; i++)
            skewed.push(...gaps.observe({ ...template(host, kind), time: start + i + skew }));
        }
    }
    expect(summary(skewed)).toEqual(summary(found));
  });

  it('rejects options that would stall the clock', () => {
    expect(() => new TelemetryGaps({ bucketMs: 0 })).toThrow(/bucketMs/);
    expect(() => new TelemetryGaps({ bucketMs: Number.NaN })).toThrow(/bucketMs/);
    expect(() => new TelemetryGaps({ peerFraction: 2 })).toThrow(/peerFraction/);
  });

  it('survives hostile and odd input', () => {
    const gaps = new TelemetryGaps();
    const odd: AnalyticEvent[] = [
      analyticEvent({}, T0),
      analyticEvent({ Computer: '' }, T0),
      analyticEvent({ Computer: 'x'.repeat(100_000), EventID: 'abc' }, T0),
      analyticEvent({ Computer: '__proto__', Channel: '\u202e', EventID: 4294967296 }, T0),
      { ...template('WS01', 'process'), time: Number.NaN },
      { ...template('WS01', 'process'), time: -1e300 },
      { ...template('WS01', 'process'), time: Number.POSITIVE_INFINITY },
    ];
    for (const e of odd) expect(() => gaps.observe(e)).not.toThrow();
    expect(() => gaps.advance(Number.NaN)).not.toThrow();
    expect(() => gaps.advance(T0 + 1e12)).not.toThrow();
  });
});
