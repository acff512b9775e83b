import type { ColumnValues } from '../../normalize/columns.js';
import type { FieldValue } from '../../normalize/flat-event.js';

export interface AnalyticEvent {
  /** Event time, epoch ms. */
  readonly time: number;
  /** The event's flat Sigma view (Image, CommandLine, TargetObject, EventID, Channel, Computer, ...). */
  readonly fields: ReadonlyMap<string, FieldValue>;
  /** ECS-style columns from ColumnMapper (host, event_code, channel, process_executable, ...). */
  readonly columns: ColumnValues;
}

export type AnalyticLevel = 'informational' | 'low' | 'medium' | 'high' | 'critical';

export interface AnalyticFinding {
  /** Stable id, e.g. 'vigil.analytics.vendor-lookalike-persistence'. */
  readonly analytic: string;
  readonly title: string;
  readonly level: AnalyticLevel;
  /** Sigma-style ATT&CK tags: 'attack.persistence', 'attack.t1547.001'. */
  readonly tags: readonly string[];
  readonly time: number;
  readonly host: string;
  /** One sentence saying why. */
  readonly reason: string;
  /** The values that triggered it. */
  readonly evidence: Readonly<Record<string, string>>;
  /** The triggering event, when there is one (gaps have none). */
  readonly event?: AnalyticEvent;
}

/** One analytic; Analytics runs a set of them. */
export interface Analytic {
  readonly id: string;
  observe(e: AnalyticEvent): AnalyticFinding[];
  advance(now: number): AnalyticFinding[];
}
