import {
  IncidentBuilder,
  type CorrelationAlert,
  type Incident,
  type IncidentBuilderOptions,
} from './incidents.js';
import { Prevalence } from './prevalence.js';

/**
 * Incidents from a finished set of alerts (a hunt). Rarity is known before linking: from every
 * event when the caller learned it (options.prevalence), else from the alerts themselves; so no
 * alert links through a value only later found to be everywhere. Then the alerts are linked in
 * time order, exactly as the live builder would.
 */
export function correlateAlerts(
  alerts: readonly CorrelationAlert[],
  options: IncidentBuilderOptions = {},
): Incident[] {
  const prevalence = options.prevalence ?? new Prevalence();
  if (options.prevalence === undefined) for (const a of alerts) prevalence.observe(a.host, a.entities);
  const builder = new IncidentBuilder({ ...options, prevalence });
  const sorted = [...alerts].sort((x, y) => x.time - y.time || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  const out: Incident[] = [];
  for (let i = 0; i < sorted.length; i++) {
    builder.add(sorted[i]!);
    if (i % 10_000 === 9_999) out.push(...builder.retire());
  }
  out.push(...builder.incidents());
  return out.sort((a, b) => b.risk.score - a.risk.score || a.first - b.first);
}
