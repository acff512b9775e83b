import { Analytics, type AnalyticEvent, type AnalyticFinding } from '../detect/analytics/index.js';
import type { HuntContext } from '../detect/hunt/context.js';
import type { EventOrigin } from '../detect/hunt/detector.js';
import type { HuntOutput } from '../detect/hunt/run.js';
import type { ColumnMapper } from '../normalize/columns.js';
import { correlateAlerts } from './batch.js';
import { learnFacts } from './facts.js';
import { alertOfFinding } from './from-findings.js';
import { alertOfHuntOutput } from './from-hunt.js';
import type { CorrelationAlert, Incident } from './incidents.js';
import { Lineage } from './lineage.js';
import { Prevalence } from './prevalence.js';

export interface LocatedFinding {
  readonly finding: AnalyticFinding;
  /** The event it came from; none for a telemetry gap. */
  readonly origin: EventOrigin | null;
  readonly alert: CorrelationAlert;
}

const where = (o: EventOrigin) => `${o.source}#${o.recordId ?? o.offset}`;

/**
 * A hunt's incidents: it learns rarity and lineage from every event, runs Vigil's analytics over
 * them, collects the detections, and links everything at the end. Analytics see events in input
 * order (files in turn), which for telemetry gaps is time order only within a file.
 */
export class HuntIncidents {
  private readonly prevalence = new Prevalence();
  private readonly lineage = new Lineage();
  private readonly analytics: Analytics;
  private readonly alerts: CorrelationAlert[] = [];
  /** A finding names the event it is about, which need not be the one that revealed it. */
  private readonly origins = new WeakMap<AnalyticEvent, EventOrigin>();
  private latest = -Infinity;

  constructor(
    private readonly columns: ColumnMapper,
    analytics: Analytics = new Analytics(),
  ) {
    this.analytics = analytics;
  }

  /** One batch's event context; returns the analytic findings it raised. */
  take(context: HuntContext): LocatedFinding[] {
    learnFacts(context.facts, this.prevalence, this.lineage);
    const out: LocatedFinding[] = [];
    for (const { origin, event } of context.analytic) {
      if (event.time > this.latest) this.latest = event.time;
      this.origins.set(event, origin);
      for (const f of this.analytics.observe(event)) out.push(this.found(f));
    }
    return out;
  }

  /** A detection or correlation of the hunt. */
  detection(item: HuntOutput): CorrelationAlert {
    const a = alertOfHuntOutput(item, this.columns);
    this.alerts.push(a);
    return a;
  }

  /** The findings only the end of the input reveals (gaps), then the incidents. */
  finish(): { findings: LocatedFinding[]; incidents: Incident[]; alertCount: number } {
    const findings =
      this.latest > -Infinity ? this.analytics.advance(this.latest).map((f) => this.found(f)) : [];
    return {
      findings,
      incidents: correlateAlerts(this.alerts, { prevalence: this.prevalence, lineage: this.lineage }),
      alertCount: this.alerts.length,
    };
  }

  private found(f: AnalyticFinding): LocatedFinding {
    const origin = f.event === undefined ? null : (this.origins.get(f.event) ?? null);
    const alert = alertOfFinding(f, origin === null ? '' : where(origin));
    this.alerts.push(alert);
    return { finding: f, origin, alert };
  }
}
