import { VigilError } from '../../core/errors.js';
import { hostKeyOf, hostOf, isValidTime } from './event-fields.js';
import { eventTypeOf, isGoingQuiet } from './event-types.js';
import { networkGap, sensorGap, typeGap, type GapHost, type GapTypeSeries } from './gap-findings.js';
import { GapSeries } from './gap-series.js';
import type { Analytic, AnalyticEvent, AnalyticFinding } from './types.js';

export { NETWORK_GAP_ID, SENSOR_GAP_ID, TYPE_GAP_ID } from './gap-findings.js';
export const TELEMETRY_GAPS_ID = 'vigil.analytics.telemetry-gaps';

export interface TelemetryGapOptions {
  /** Bucket width. Default 5 min. */
  readonly bucketMs?: number;
  /** Silences shorter than this, counting only buckets in which the reference was busy, are never reported. Default 30 min. */
  readonly minGapMs?: number;
  /** Reference buckets a stream needs before its silence can be judged. Default 12 (1 h). */
  readonly minBaselineBuckets?: number;
  /** Report when the silence would happen less often than this under the baseline. Default 0.001. */
  readonly alpha?: number;
  /**
   * Events that the reference's activity during the silence should have brought, at least: a
   * lone process event at night does not make a missing network event news. Default 20.
   */
  readonly minExpectedEvents?: number;
  /** Share of a host's peers that must be sending for a bucket to count against it. Default 0.5. */
  readonly peerFraction?: number;
  /** Hosts tracked; the longest-quiet host is forgotten first. Default 5,000. */
  readonly maxHosts?: number;
  /** Event types tracked per host. Default 32. */
  readonly maxTypesPerHost?: number;
  /** An event further ahead of the clock than this moves it only once a second host confirms. Default 1 h. */
  readonly maxClockStepMs?: number;
}

/** Types a host keeps a baseline for even when its type budget is spent. */
const PREFERRED_TYPES: ReadonlySet<string> = new Set([
  'sysmon:1',
  'sysmon:3',
  'sysmon:22',
  'security:4688',
  'security:5156',
]);
const QUIET_MARKER_GRACE_MS = 10 * 60_000;

/**
 * Telemetry gaps (Waterbear hooked the APIs an EDR read network activity from, and the EDR went
 * blind): a host's network events stop while its process events go on; an event type vanishes
 * from one host while its peers keep sending it; a sensor falls silent while its peers go on.
 * Each stream learns how often, and how much, it shows up when its reference does; a silence is
 * reported when it lasts at least minGapMs, would be rarer than alpha under that baseline, and
 * the reference's activity meanwhile should have brought at least minExpectedEvents events. Quiet
 * nights do not count: a bucket in which the reference is quiet too is no evidence.
 */
export class TelemetryGaps implements Analytic {
  readonly id = TELEMETRY_GAPS_ID;
  private readonly hosts = new Map<string, GapHost>();
  private readonly o: Required<TelemetryGapOptions>;
  private bucketStart: number | undefined;
  private pendingJump: { host: string; time: number } | undefined;

  constructor(o: TelemetryGapOptions = {}) {
    if (o.bucketMs !== undefined && !(o.bucketMs >= 1_000 && Number.isFinite(o.bucketMs)))
      throw new VigilError('analytics.option', `bucketMs must be at least 1000 (got ${o.bucketMs})`);
    if (o.peerFraction !== undefined && !(o.peerFraction >= 0 && o.peerFraction <= 1))
      throw new VigilError(
        'analytics.option',
        `peerFraction must be between 0 and 1 (got ${o.peerFraction})`,
      );
    this.o = {
      bucketMs: o.bucketMs ?? 5 * 60_000,
      minGapMs: o.minGapMs ?? 30 * 60_000,
      minBaselineBuckets: o.minBaselineBuckets ?? 12,
      alpha: o.alpha ?? 0.001,
      minExpectedEvents: o.minExpectedEvents ?? 20,
      peerFraction: o.peerFraction ?? 0.5,
      maxHosts: o.maxHosts ?? 5_000,
      maxTypesPerHost: o.maxTypesPerHost ?? 32,
      maxClockStepMs: o.maxClockStepMs ?? 3_600_000,
    };
  }

  get trackedHosts(): number {
    return this.hosts.size;
  }

  trackedTypes(host: string): number {
    return this.hosts.get(host.toLowerCase())?.types.size ?? 0;
  }

  observe(e: AnalyticEvent): AnalyticFinding[] {
    const name = hostOf(e);
    if (name === '' || !isValidTime(e.time)) return [];
    const key = hostKeyOf(e).slice(0, 256);
    const out = this.moveClock(e.time, key);
    const host = this.host(key, name.slice(0, 256));
    const type = eventTypeOf(e);
    host.any.count(e.time);
    if (type?.group === 'network') host.network.count(e.time);
    if (type?.group === 'process') host.process.count(e.time);
    if (type !== undefined) this.typeSeries(host, type.key, type.label, type.group)?.series.count(e.time);
    if (isGoingQuiet(e)) host.quietMarkedAt = e.time;
    return out;
  }

  advance(now: number): AnalyticFinding[] {
    if (!isValidTime(now) || this.bucketStart === undefined) return [];
    this.pendingJump = undefined;
    return this.closeUntil(now);
  }

  /** Moves the clock to an event's time; a lone host far ahead of everyone does not. */
  private moveClock(time: number, host: string): AnalyticFinding[] {
    if (this.bucketStart === undefined) {
      this.bucketStart = this.bucketOf(time);
      return [];
    }
    if (time - (this.bucketStart + this.o.bucketMs) <= this.o.maxClockStepMs) return this.closeUntil(time);
    // A second host confirms the clock really moved on (a replay after a pause); a host with its
    // clock a year ahead stays alone. With one host there is nobody to wait for.
    const jump = this.pendingJump;
    if (this.hosts.size > 1 && (jump === undefined || jump.host === host)) {
      this.pendingJump = { host, time };
      return [];
    }
    this.pendingJump = undefined;
    return this.closeUntil(Math.min(time, jump?.time ?? time));
  }

  private bucketOf(time: number): number {
    return Math.floor(time / this.o.bucketMs) * this.o.bucketMs;
  }

  private closeUntil(time: number): AnalyticFinding[] {
    const out: AnalyticFinding[] = [];
    while (this.bucketStart !== undefined && time >= this.bucketStart + this.o.bucketMs) {
      const end = this.bucketStart + this.o.bucketMs;
      this.closeBucket(end, out);
      // Buckets nobody sent anything in change nothing: skip straight to the bucket of `time`.
      this.bucketStart = Math.max(end, this.bucketOf(time));
    }
    return out;
  }

  private host(key: string, name: string): GapHost {
    let host = this.hosts.get(key);
    if (host === undefined) {
      host = {
        name,
        any: new GapSeries(),
        network: new GapSeries(),
        process: new GapSeries(),
        types: new Map(),
      };
      this.hosts.set(key, host);
      if (this.hosts.size > this.o.maxHosts) this.evictQuietestHost();
    }
    return host;
  }

  private evictQuietestHost(): void {
    let quietest: string | undefined;
    let last = Infinity;
    for (const [key, h] of this.hosts)
      if (h.any.lastSeen < last) {
        last = h.any.lastSeen;
        quietest = key;
      }
    if (quietest !== undefined) this.hosts.delete(quietest);
  }

  private typeSeries(
    host: GapHost,
    key: string,
    label: string,
    group: GapTypeSeries['group'],
  ): GapTypeSeries | undefined {
    const found = host.types.get(key);
    if (found !== undefined) return found;
    if (host.types.size >= this.o.maxTypesPerHost && !PREFERRED_TYPES.has(key)) return undefined;
    if (host.types.size >= this.o.maxTypesPerHost + PREFERRED_TYPES.size) return undefined;
    const created = { label, group, series: new GapSeries() };
    host.types.set(key, created);
    return created;
  }

  private closeBucket(end: number, out: AnalyticFinding[]): void {
    let busyHosts = 0;
    let allEvents = 0;
    const typeHosts = new Map<string, number>();
    const typeBusy = new Map<string, number>();
    const typeEvents = new Map<string, number>();
    for (const h of this.hosts.values()) {
      if (h.any.busy()) busyHosts++;
      allEvents += h.any.bucketCount;
      for (const [key, t] of h.types) {
        typeHosts.set(key, (typeHosts.get(key) ?? 0) + 1);
        if (t.series.busy()) typeBusy.set(key, (typeBusy.get(key) ?? 0) + 1);
        typeEvents.set(key, (typeEvents.get(key) ?? 0) + t.series.bucketCount);
      }
    }
    const enough = (peers: number, known: number) =>
      peers >= Math.max(1, Math.ceil(this.o.peerFraction * known));
    for (const h of this.hosts.values()) {
      const alive = h.any.bucketCount > 0;
      const explained =
        h.quietMarkedAt !== undefined && h.any.lastSeen - h.quietMarkedAt <= QUIET_MARKER_GRACE_MS;
      const peers = busyHosts - (h.any.busy() ? 1 : 0);
      h.any.close(!explained && enough(peers, this.hosts.size - 1), allEvents - h.any.bucketCount, peers);
      if (h.network.total > 0) h.network.close(h.process.busy(), h.process.bucketCount);
      h.process.close(false, 0);
      for (const [key, t] of h.types) {
        if (!alive) continue;
        const own = t.series.bucketCount;
        const typePeers = (typeBusy.get(key) ?? 0) - (t.series.busy() ? 1 : 0);
        const known = (typeHosts.get(key) ?? 1) - 1;
        t.series.close(enough(typePeers, known), (typeEvents.get(key) ?? 0) - own, typePeers);
      }
      this.report(h, end, typeHosts, out);
    }
  }

  private report(
    h: GapHost,
    now: number,
    typeHosts: ReadonlyMap<string, number>,
    out: AnalyticFinding[],
  ): void {
    if (this.due(h.any)) {
      h.any.open = true;
      out.push(sensorGap(h, now, this.o.bucketMs));
    }
    if (h.any.open) return;
    if (this.due(h.network)) {
      h.network.open = true;
      out.push(networkGap(h, now, this.o.bucketMs));
    }
    // While all network types are missing, the network finding tells it; one per network type would be noise.
    const networkMissing =
      h.network.open || (h.network.missRun > 0 && h.network.refBuckets >= this.o.minBaselineBuckets);
    for (const [key, t] of h.types) {
      if (t.group === 'network' && networkMissing) continue;
      if (!this.due(t.series)) continue;
      t.series.open = true;
      out.push(typeGap(h, t, now, this.o.bucketMs, (typeHosts.get(key) ?? 1) - 1));
    }
  }

  private due(s: GapSeries): boolean {
    if (s.open || s.missRun === 0) return false;
    if (s.refBuckets < this.o.minBaselineBuckets || s.refHits < 3) return false;
    // Only time in which the reference was busy counts: a dropout running into the night is not 8 h long.
    if (s.missRun * this.o.bucketMs < this.o.minGapMs) return false;
    return s.expectedMissing() >= this.o.minExpectedEvents && s.missProbability() < this.o.alpha;
  }
}
