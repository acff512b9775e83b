import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entityKey, type Entity, type EntityRole, type EntityType } from './entities.js';
import { FactsCollector } from './facts.js';

const SEP = '\u001f';
const SIGHTED = new Set([
  'user',
  'file',
  'hash',
  'ip',
  'domain',
  'url',
  'registry',
  'sender',
  'recipient',
  'image',
]);

/** Sightings as first collected: one string per (host, entity), in a set. */
function oracleSightings(events: readonly { host: string; entities: readonly Entity[] }[]): string[] {
  const seen = new Set<string>();
  for (const { host, entities } of events)
    if (host !== '')
      for (const e of entities) if (SIGHTED.has(e.type)) seen.add(`${host}${SEP}${entityKey(e)}`);
  return [...seen];
}

const text = fc.oneof(
  fc.constantFrom('a', 'b', `a${SEP}b`, `${SEP}`, 'user:a', `b${SEP}user:a`, ''),
  fc.string({ maxLength: 4 }),
);
const entity: fc.Arbitrary<Entity> = fc.record({
  type: fc.constantFrom<EntityType>('user', 'file', 'hash', 'ip', 'process', 'host', 'domain'),
  value: text,
  role: fc.constantFrom<EntityRole>('self', 'parent', 'hub-parent'),
});

describe('FactsCollector', () => {
  it('collects each sighting once, in first-seen order, even with separators in hosts and values', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ host: text, entities: fc.array(entity, { maxLength: 6 }) }), { maxLength: 30 }),
        (events) => {
          const c = new FactsCollector();
          for (const e of events) c.observe(new Map(), { host: e.host }, e.entities);
          expect(c.take().sightings).toEqual(oracleSightings(events));
          // take() starts afresh
          for (const e of events) c.observe(new Map(), { host: e.host }, e.entities);
          expect(c.take().sightings).toEqual(oracleSightings(events));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('records which process started which, once', () => {
    const c = new FactsCollector();
    const entities: Entity[] = [
      { type: 'process', value: 'child-guid', role: 'self' },
      { type: 'process', value: 'h|12', role: 'self' },
      { type: 'process', value: 'parent-guid', role: 'hub-parent' },
    ];
    c.observe(new Map(), { host: 'h', process_executable: 'C:\\X.EXE' }, entities);
    c.observe(new Map(), { host: 'h', process_executable: 'C:\\X.EXE' }, entities);
    expect(c.take()).toEqual({
      sightings: [],
      lineage: [`child-guid${SEP}parent-guid${SEP}1${SEP}c:\\x.exe`],
    });
  });
});
