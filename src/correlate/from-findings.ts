import type { AnalyticFinding } from '../detect/analytics/index.js';
import { entitiesOf, type Entity } from './entities.js';
import type { CorrelationAlert } from './incidents.js';

/** What a finding is about: its event's entities, or only its host (a silent sensor). */
export function findingEntities(f: AnalyticFinding): Entity[] {
  if (f.event !== undefined) return entitiesOf(f.event.fields, f.event.columns);
  return f.host === '' ? [] : [{ type: 'host', value: f.host.toLowerCase(), role: 'self' }];
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
