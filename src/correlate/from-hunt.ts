import type { CorrelationHit, Detection } from '../detect/hunt/detector.js';
import type { HuntOutput } from '../detect/hunt/run.js';
import type { ColumnMapper, ColumnValues } from '../normalize/columns.js';
import { entitiesOf, entityKey, type Entity } from './entities.js';
import type { CorrelationAlert } from './incidents.js';

const MAX_CORRELATION_ENTITIES = 200;

function where(d: Detection): string {
  const o = d.origin;
  return `${o.source}#${o.recordId ?? o.offset}`;
}

/** A hunt's detection or correlation as an alert to correlate into incidents. */
export function alertOfHuntOutput(item: HuntOutput, columns: ColumnMapper): CorrelationAlert {
  if (item.kind === 'detection') {
    const d = item.detection;
    const c = columns.map(d.fields);
    const ruleId = d.rule.id ?? d.rule.title;
    return {
      id: `${where(d)}/${ruleId}`,
      time: d.time ?? 0,
      ruleId,
      title: d.rule.title,
      level: d.rule.level,
      tags: d.rule.tags,
      host: typeof c.host === 'string' ? c.host : '',
      entities: entitiesOf(d.fields, c),
    };
  }
  return correlationAlert(item.hit, columns);
}

/** A correlation is about everything its events are about (within a bound). */
function correlationAlert(hit: CorrelationHit<Detection>, columns: ColumnMapper): CorrelationAlert {
  let host = '';
  const entities = mergeEntities(
    hit.hits.map((h) => {
      const c = columns.map(h.event.fields);
      if (host === '' && typeof c.host === 'string') host = c.host;
      return entitiesOf(h.event.fields, c);
    }),
  );
  const ruleId = hit.rule.id ?? hit.rule.title;
  return {
    id: `${ruleId}/${JSON.stringify(hit.group)}/${hit.first}`,
    time: hit.last,
    ruleId,
    title: hit.rule.title,
    level: hit.rule.level,
    tags: hit.rule.tags,
    host,
    entities,
  };
}

/** What a correlation of stored events is about: the entities of its last events (bounded). */
export function entitiesOfColumns(columnsList: readonly ColumnValues[]): Entity[] {
  return mergeEntities(columnsList.slice(-50).map((c) => entitiesOf(new Map(), c)));
}

/** The entities of several events, each once (by role and value), up to a bound. */
function mergeEntities(lists: readonly (readonly Entity[])[]): Entity[] {
  const seen = new Map<string, Entity>();
  for (const list of lists)
    for (const e of list) {
      if (seen.size >= MAX_CORRELATION_ENTITIES) break;
      seen.set(`${e.role}|${entityKey(e)}`, e);
    }
  return [...seen.values()];
}
