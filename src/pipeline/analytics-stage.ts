import { alertOfFinding, type CorrelationAlert } from '../correlate/index.js';
import {
  Analytics,
  type AnalyticEvent,
  type AnalyticFinding,
  type AnalyticsOptions,
} from '../detect/analytics/index.js';
import { loadSystemNames } from '../detect/analytics/system-names.js';
import { loadVendorCatalog } from '../detect/analytics/vendor-catalog.js';
import { alertRow } from '../store/rows.js';
import { storedEntity } from '../correlate/entities.js';

/** An event as the analytics see it, with the id it is stored under. */
export interface AnalyticInput {
  readonly eventId: string;
  readonly event: AnalyticEvent;
}

/**
 * Vigil's own analytics in the live pipeline. They keep state per host (process chains, telemetry
 * baselines), so they run on one thread, per tenant, over events in log order; their findings are
 * stored as alerts (kind `analytic`) and linked into incidents like any other.
 */
export class AnalyticsStage {
  private readonly byTenant = new Map<string, Analytics>();
  /** A finding names the event it is about, which need not be the one that revealed it. */
  private readonly ids = new WeakMap<AnalyticEvent, string>();
  /**
   * The vendor list and the name model's data, read once when the stage is made: every tenant's
   * analytics share them, and a tenant's first batch does not wait for the files.
   */
  private readonly options: AnalyticsOptions;

  constructor(options: AnalyticsOptions = {}) {
    this.options = {
      ...options,
      vendors: options.vendors ?? loadVendorCatalog(options.mappingsDir),
      systemNames: options.systemNames ?? loadSystemNames(options.mappingsDir),
    };
  }

  private analytics(tenant: string): Analytics {
    let a = this.byTenant.get(tenant);
    if (a === undefined) this.byTenant.set(tenant, (a = new Analytics(this.options)));
    return a;
  }

  /** Runs a batch's events; returns the alert rows and the alerts for incident building. */
  run(
    tenant: string,
    inputs: readonly AnalyticInput[],
    now: number,
  ): { rows: string[]; alerts: CorrelationAlert[] } {
    const analytics = this.analytics(tenant);
    const rows: string[] = [];
    const alerts: CorrelationAlert[] = [];
    let latest = -Infinity;
    const emit = (f: AnalyticFinding) => {
      const eventId = f.event === undefined ? '' : (this.ids.get(f.event) ?? '');
      const alert = alertOfFinding(f, eventId);
      const { id, entities } = alert;
      const c = f.event?.columns ?? { host: f.host };
      rows.push(
        alertRow({
          tenant,
          alertId: id,
          kind: 'analytic',
          time: f.time,
          created: now,
          ruleId: f.analytic,
          ruleTitle: f.title,
          level: f.level,
          tags: f.tags,
          eventId,
          eventIds: eventId === '' ? [] : [eventId],
          groupKey: '',
          columns: c,
          fields: { ...f.evidence, reason: f.reason },
          entities: entities.map(storedEntity),
        }),
      );
      alerts.push(alert);
    };
    for (const input of inputs) {
      if (input.event.time > latest) latest = input.event.time;
      this.ids.set(input.event, input.eventId);
      for (const f of analytics.observe(input.event)) emit(f);
    }
    if (latest > -Infinity) for (const f of analytics.advance(latest)) emit(f);
    return { rows, alerts };
  }
}
