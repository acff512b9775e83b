import { FactsCollector, type EventFacts } from '../../correlate/facts.js';
import type { ColumnMapper } from '../../normalize/columns.js';
import { projectForAnalytics, type AnalyticEvent } from '../analytics/index.js';
import type { FieldValue } from '../sigma/engine/event-view.js';
import type { Detector, EventOrigin } from './detector.js';

/** An event as Vigil's analytics read it, with where it came from. */
export interface AnalyticSample {
  readonly origin: EventOrigin;
  readonly event: AnalyticEvent;
}

/** What a hunt batch carries for incident building besides its detections. */
export interface HuntContext {
  readonly facts: EventFacts;
  readonly analytic: AnalyticSample[];
}

/**
 * Watches every event a detector sees and keeps what incidents and analytics need from it: the
 * facts (rarity, lineage) and the analytics' projection. Runs where detection runs (a worker), so
 * the events are flattened once.
 */
export class ContextCollector {
  private readonly facts: FactsCollector;
  private analytic: AnalyticSample[] = [];

  constructor(private readonly columns: ColumnMapper) {
    this.facts = new FactsCollector(columns);
  }

  attach(detector: Detector): void {
    detector.onEvent = (fields, time, origin) => this.observe(fields, time, origin);
  }

  observe(fields: ReadonlyMap<string, FieldValue>, time: number | null, origin: EventOrigin): void {
    const c = this.columns.map(fields);
    this.facts.observe(fields, c);
    this.analytic.push({ origin, event: projectForAnalytics(time ?? 0, fields, c) });
  }

  take(): HuntContext {
    const out = { facts: this.facts.take(), analytic: this.analytic };
    this.analytic = [];
    return out;
  }
}
