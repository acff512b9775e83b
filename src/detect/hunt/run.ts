import type { VigilError } from '../../core/errors.js';
import type { HuntContext } from './context.js';
import type { ColumnMapper } from '../../normalize/columns.js';
import { levelRank, ruleKeys, type Level } from '../sigma/model.js';
import { Correlator } from '../sigma/correlation/engine.js';
import type { SigmaRule } from '../sigma/model.js';
import { asRuleHit, Detector, type CorrelationHit, type Detection } from './detector.js';
import { detectInProcess, type DetectionBatch } from './batches.js';
import type { JsonSource } from './inputs.js';

export interface HuntOptions {
  readonly minLevel: Level;
  /** Epoch ms bounds on event time, inclusive; events without a time pass. */
  readonly from: number | null;
  readonly to: number | null;
  readonly json: JsonSource | null;
  readonly onProgress?: (progress: { bytes: number; events: number; detections: number }) => void;
  readonly onInputError?: (error: VigilError) => void;
  /**
   * Every event's context for incident building (rarity, lineage) and Vigil's analytics, batch by
   * batch in input order; in-process detection needs the column table.
   */
  readonly context?: { readonly columns: ColumnMapper; readonly take: (context: HuntContext) => void } | null;
  /** Detect in worker threads instead of this one. */
  readonly pool?: { detect(files: readonly string[]): AsyncIterable<DetectionBatch> } | null;
}

/** What a hunt needs besides the detections: the rules (for correlations and output). */
export interface HuntRules {
  readonly rules: readonly SigmaRule[];
}

export type HuntOutput =
  { kind: 'detection'; detection: Detection } | { kind: 'correlation'; hit: CorrelationHit<Detection> };

export interface HuntStats {
  files: number;
  bytes: number;
  events: number;
  detections: number;
  correlations: number;
  inputErrors: number;
  seconds: number;
  /** Rules fully evaluated across all events (the index skips the rest). */
  evaluations: number;
  perRule: Map<string, { title: string; level: Level; count: number; hosts: Set<string> }>;
}

function inRange(time: number | null, o: HuntOptions): boolean {
  if (time === null) return true;
  return (o.from === null || time >= o.from) && (o.to === null || time <= o.to);
}

/**
 * Runs the detector over files. Detections stream to `emit` as they are found; correlations are
 * computed at the end over the detections they need, sorted by time, since files need not be
 * in time order.
 */
export async function hunt(
  files: readonly string[],
  detector: Detector | HuntRules,
  options: HuntOptions,
  emit: (out: HuntOutput) => void | Promise<void>,
): Promise<HuntStats> {
  const started = performance.now();
  const stats: HuntStats = {
    files: files.length,
    bytes: 0,
    events: 0,
    detections: 0,
    correlations: 0,
    inputErrors: 0,
    seconds: 0,
    evaluations: 0,
    perRule: new Map(),
  };
  const correlator = new Correlator<Detection>(detector.rules);
  const suppressed = correlator.suppressedKeys();
  const referenced = new Set<string>();
  for (const r of detector.rules)
    if (r.type === 'correlation') for (const k of r.correlation.rules) referenced.add(k);
  const retained: Detection[] = [];
  const minRank = levelRank(options.minLevel);
  const count = (id: string, title: string, level: Level, host: unknown): void => {
    let entry = stats.perRule.get(id);
    if (!entry) stats.perRule.set(id, (entry = { title, level, count: 0, hosts: new Set() }));
    entry.count++;
    if (host !== undefined && host !== null) entry.hosts.add(String(host));
  };
  let batches: AsyncIterable<DetectionBatch>;
  if (options.pool) batches = options.pool.detect(files);
  else if (detector instanceof Detector)
    batches = detectInProcess(files, detector, options.json, options.context?.columns ?? null);
  else throw new Error('hunt needs a Detector or a worker pool');
  for await (const batch of batches) {
    stats.bytes += batch.bytes;
    stats.events += batch.events;
    if (batch.context !== undefined) options.context?.take(batch.context);
    for (const e of batch.errors) {
      stats.inputErrors++;
      options.onInputError?.(e);
    }
    for (const d of batch.detections) {
      if (!inRange(d.time, options)) continue;
      const keys = ruleKeys(d.rule);
      if (keys.some((k) => referenced.has(k))) retained.push(d);
      if (keys.some((k) => suppressed.has(k)) || levelRank(d.rule.level) < minRank) continue;
      stats.detections++;
      count(d.rule.id ?? d.rule.title, d.rule.title, d.rule.level, d.fields.get('Computer'));
      await emit({ kind: 'detection', detection: d });
    }
    options.onProgress?.({ bytes: stats.bytes, events: stats.events, detections: stats.detections });
  }
  if (correlator.size > 0) {
    retained.sort((a, b) => (a.time ?? 0) - (b.time ?? 0));
    const fired: CorrelationHit<Detection>[] = [];
    for (const d of retained) fired.push(...correlator.push(asRuleHit(d)));
    fired.push(...correlator.flush());
    for (const hit of fired) {
      if (levelRank(hit.rule.level) < minRank) continue;
      stats.correlations++;
      count(
        hit.rule.id ?? hit.rule.title,
        hit.rule.title,
        hit.rule.level,
        hit.hits[0]?.event.fields.get('Computer'),
      );
      await emit({ kind: 'correlation', hit });
    }
  }
  stats.evaluations = detector instanceof Detector ? detector.ruleSet.evaluations : 0;
  stats.seconds = (performance.now() - started) / 1000;
  return stats;
}
