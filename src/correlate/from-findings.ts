import type { AnalyticFinding } from '../detect/analytics/index.js';
import { entitiesOf, type Entity } from './entities.js';
import type { CorrelationAlert } from './incidents.js';

/**
 * What a finding is about: its event's entities; or, for a gap in a host's telemetry, the host and
 * its telemetry, which links the gap with what was happening on that host.
 */
export function findingEntities(f: AnalyticFinding): Entity[] {
  if (f.event !== undefined) return entitiesOf(f.event.fields, f.event.columns);
  if (f.host === '') return [];
  const host = f.host.toLowerCase();
  return [
    { type: 'host', value: host, role: 'self' },
    { type: 'telemetry', value: host, role: 'self' },
  ];
}

/** An analytic finding as an alert to link; `eventKey` names its event ('' for gap findings). */
export function alertOfFinding(f: AnalyticFinding, eventKey: string): CorrelationAlert {
  return {
    id: eventKey !== '' ? `${eventKey}/${f.analytic}` : `${f.analytic}/${f.host}/${f.time}`,
    time: f.time,
    ruleId: f.analytic,
    title: f.title,
    level: f.level,
    tags: f.tags,
    host: f.host,
    entities: findingEntities(f),
  };
}
