import type { ColumnMapper, ColumnValues } from '../normalize/columns.js';
import type { FieldValue } from '../normalize/flat-event.js';
import { entitiesOf, entityKey, type Entity } from './entities.js';
import type { Lineage } from './lineage.js';
import type { Prevalence } from './prevalence.js';

/**
 * What incident building learns from every event, not just from alerts: on which hosts each value
 * is seen (its rarity), and which process started which. Plain strings, so they cross threads.
 */
export interface EventFacts {
  /** `host \u001f type:value`, once per batch. */
  readonly sightings: string[];
  /** `child \u001f parent \u001f 1|0 \u001f image`: 1 when the parent starts programs for everyone. */
  readonly lineage: string[];
}

/** Entity types whose rarity matters for linking: the ones worth counting hosts for. */
const SIGHTED: ReadonlySet<Entity['type']> = new Set([
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

const SEP = '\u001f';

/** Collects the facts of a batch of events, without repeats. */
export class FactsCollector {
  private sightings: string[] = [];
  /**
   * Sightings seen, as host → type → values, so that a repeat costs three lookups and no string.
   * Hosts and values holding the separator are keyed by their whole text in `oddSightings`: only
   * the separator-free ones split back unambiguously.
   */
  private seen = new Map<string, Map<string, Set<string>>>();
  private oddSightings = new Set<string>();
  private lineage = new Set<string>();

  constructor(private readonly columns?: ColumnMapper) {}

  /** From an event's flat view; its columns and entities are computed here unless given. */
  observe(
    fields: ReadonlyMap<string, FieldValue>,
    columns?: ColumnValues,
    entities?: readonly Entity[],
  ): void {
    const c = columns ?? this.columns?.map(fields) ?? {};
    const host = typeof c.host === 'string' ? c.host : '';
    const list = entities ?? entitiesOf(fields, c);
    if (host !== '') {
      const plainHost = !host.includes(SEP);
      let byType: Map<string, Set<string>> | undefined;
      for (const e of list) if (SIGHTED.has(e.type)) byType = this.sighted(host, plainHost, byType, e);
    }
    let self: string | null = null;
    let parent: Entity | null = null;
    for (const e of list) {
      if (e.type !== 'process') continue;
      // The GUID where there is one: it comes first.
      if (e.role === 'self') self ??= e.value;
      else parent ??= e;
    }
    const image = c.process_executable;
    if (self !== null && parent !== null)
      this.lineage.add(
        `${self}${SEP}${parent.value}${SEP}${parent.role === 'hub-parent' ? 1 : 0}${SEP}${typeof image === 'string' ? image.toLowerCase() : ''}`,
      );
  }

  /** Records `host` seeing `e` unless already seen; returns the host's sightings by type. */
  private sighted(
    host: string,
    plainHost: boolean,
    byType: Map<string, Set<string>> | undefined,
    e: Entity,
  ): Map<string, Set<string>> | undefined {
    if (!plainHost || e.value.includes(SEP)) {
      const text = `${host}${SEP}${entityKey(e)}`;
      if (!this.oddSightings.has(text)) {
        this.oddSightings.add(text);
        this.sightings.push(text);
      }
      return byType;
    }
    if (byType === undefined) {
      byType = this.seen.get(host);
      if (byType === undefined) this.seen.set(host, (byType = new Map()));
    }
    let values = byType.get(e.type);
    if (values === undefined) byType.set(e.type, (values = new Set()));
    if (!values.has(e.value)) {
      values.add(e.value);
      this.sightings.push(`${host}${SEP}${entityKey(e)}`);
    }
    return byType;
  }

  take(): EventFacts {
    const out = { sightings: this.sightings, lineage: [...this.lineage] };
    this.sightings = [];
    this.seen = new Map();
    this.oddSightings = new Set();
    this.lineage = new Set();
    return out;
  }
}

/** Applies a batch's facts to the rarity and lineage tables. */
export function learnFacts(facts: EventFacts, prevalence: Prevalence, lineage: Lineage): void {
  for (const s of facts.sightings) {
    const cut = s.indexOf(SEP);
    const key = s.slice(cut + 1);
    const colon = key.indexOf(':');
    prevalence.observe(s.slice(0, cut), [
      { type: key.slice(0, colon) as Entity['type'], value: key.slice(colon + 1), role: 'self' },
    ]);
  }
  for (const l of facts.lineage) {
    const [child, parent, hub, image] = l.split(SEP);
    if (child !== undefined && parent !== undefined) lineage.observe(child, parent, hub === '1', image ?? '');
  }
}
