import {
  IncidentBuilder,
  type CorrelationAlert,
  type Incident,
  type IncidentBuilderOptions,
} from './incidents.js';
import { Prevalence } from './prevalence.js';

/**
 * Incidents from a finished set of alerts (a hunt). Rarity is learned from all the alerts first,
 * so the first alerts are not linked through a value only later found to be everywhere; then the
 * alerts are linked in time order, exactly as the live builder would.
 */
export function correlateAlerts(
  alerts: readonly CorrelationAlert[],
  options: Omit<IncidentBuilderOptions, 'prevalence'> & { readonly prevalence?: Prevalence } = {},
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
