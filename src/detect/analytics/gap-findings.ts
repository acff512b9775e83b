import type { GapSeries } from './gap-series.js';
import type { AnalyticFinding } from './types.js';

export const NETWORK_GAP_ID = 'vigil.analytics.telemetry-gap-network';
export const TYPE_GAP_ID = 'vigil.analytics.telemetry-gap-event-type';
export const SENSOR_GAP_ID = 'vigil.analytics.telemetry-gap-sensor';

export interface GapTypeSeries {
  readonly label: string;
  readonly group?: 'network' | 'process';
  readonly series: GapSeries;
}

/** What the telemetry-gap analytic knows of one host. */
export interface GapHost {
  readonly name: string;
  readonly any: GapSeries;
  readonly network: GapSeries;
  readonly process: GapSeries;
  readonly types: Map<string, GapTypeSeries>;
  quietMarkedAt?: number;
}

/** The host sent nothing while most of its peers went on. */
export function sensorGap(h: GapHost, now: number, bucketMs: number): AnalyticFinding {
  const s = h.any;
  const reason =
    `${h.name} sent no events at all for ${minutes(now - s.lastSeen)} while ${s.missPeers} other ` +
    `host${s.missPeers === 1 ? '' : 's'} kept sending (${count(s.missRefEvents)} events); ` +
    `before it sent ~${count(s.perBucket())} per ${minutes(bucketMs)}`;
  return gap(
    SENSOR_GAP_ID,
    'Sensor fell silent while its peers kept reporting',
    'medium',
    h,
    now,
    bucketMs,
    reason,
    s,
    {
      kind: 'sensor-silent',
      peers_sending: String(s.missPeers),
    },
  );
}

/** The host's network events stopped while its process events went on. */
export function networkGap(h: GapHost, now: number, bucketMs: number): AnalyticFinding {
  const s = h.network;
  const types = [...h.types.entries()]
    .filter(([, t]) => t.group === 'network' && t.series.total > 0)
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(([, t]) => t.label);
  const reason =
    `${h.name} sent no network events (${types.join(', ')}) for ${minutes(now - s.lastSeen)} ` +
    `while it sent ${count(s.missRefEvents)} process events; ` +
    `before it sent ~${count(s.perBucket())} per ${minutes(bucketMs)}`;
  const title = 'Network telemetry stopped while process telemetry continued';
  return gap(NETWORK_GAP_ID, title, 'high', h, now, bucketMs, reason, s, {
    kind: 'network-stopped',
    event_types: types.join(', '),
    process_events_since: String(s.missRefEvents),
  });
}

/** One event type vanished from the host while its peers kept sending it. */
export function typeGap(
  h: GapHost,
  t: GapTypeSeries,
  now: number,
  bucketMs: number,
  known: number,
): AnalyticFinding {
  const s = t.series;
  const reason =
    `${h.name} sent no ${t.label} events for ${minutes(now - s.lastSeen)} while ${s.missPeers} of its ` +
    `${known} peers kept sending them (${count(s.missRefEvents)} events); ` +
    `before it sent ~${count(s.perBucket())} per ${minutes(bucketMs)}`;
  const title = 'Event type vanished from one host but not from its peers';
  return gap(TYPE_GAP_ID, title, 'medium', h, now, bucketMs, reason, s, {
    kind: 'type-vanished',
    event_type: t.label,
    peers_sending: String(s.missPeers),
    peers_known: String(known),
  });
}

function gap(
  analytic: string,
  title: string,
  level: AnalyticFinding['level'],
  h: GapHost,
  now: number,
  bucketMs: number,
  reason: string,
  s: GapSeries,
  extra: Record<string, string>,
): AnalyticFinding {
  return {
    analytic,
    title,
    level,
    tags: ['attack.defense-evasion', analytic === SENSOR_GAP_ID ? 'attack.t1562.001' : 'attack.t1562.006'],
    time: now,
    host: h.name,
    reason,
    evidence: {
      ...extra,
      silent_since: new Date(s.lastSeen).toISOString(),
      silent_minutes: String(Math.round((now - s.lastSeen) / 60_000)),
      baseline_per_bucket: s.perBucket().toFixed(1),
      bucket_minutes: String(bucketMs / 60_000),
      probability: s.missProbability().toExponential(1),
      expected_events: s.expectedMissing().toFixed(0),
    },
  };
}

function minutes(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m >= 120 && m % 60 === 0 ? `${m / 60} h` : `${m} min`;
}

function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
