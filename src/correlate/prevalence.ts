import { entityKey, type Entity, type EntityType } from './entities.js';

const UNWEIGHED: ReadonlySet<EntityType> = new Set(['host', 'process', 'detection', 'telemetry']);

export interface PrevalenceOptions {
  /** Entity values remembered (an approximate LRU: two generations of half this size). */
  readonly maxEntities?: number;
  /** Hosts remembered per value; a value seen on this many hosts is common everywhere. */
  readonly hostCap?: number;
  /** Distinct hosts remembered in all. */
  readonly maxHosts?: number;
}

/**
 * How widely each entity value is seen, in distinct hosts: the rarer a shared value, the more it
 * says that two alerts belong together. 8.8.8.8, SYSTEM or a domain controller every host talks
 * to are seen everywhere and weigh nothing. Memory is bounded; a forgotten value counts as rare,
 * and ubiquitous values are never forgotten because they keep being seen.
 */
export class Prevalence {
  private current = new Map<string, Set<string>>();
  private previous = new Map<string, Set<string>>();
  private readonly hosts = new Set<string>();
  private readonly generation: number;
  private readonly hostCap: number;
  private readonly maxHosts: number;

  constructor(o: PrevalenceOptions = {}) {
    this.generation = Math.max(1, Math.floor((o.maxEntities ?? 500_000) / 2));
    this.hostCap = Math.max(2, o.hostCap ?? 16);
    this.maxHosts = o.maxHosts ?? 1_000_000;
  }

  /** Records an event's entities as seen on its host. */
  observe(host: string, entities: readonly Entity[]): void {
    if (host === '') return;
    if (this.hosts.size < this.maxHosts) this.hosts.add(host);
    for (const e of entities) {
      if (UNWEIGHED.has(e.type)) continue;
      const key = entityKey(e);
      let set = this.current.get(key);
      if (set === undefined) {
        set = this.previous.get(key);
        if (set !== undefined) this.previous.delete(key);
        else set = new Set();
        this.current.set(key, set);
        if (this.current.size >= this.generation) {
          this.previous = this.current;
          this.current = new Map();
        }
      }
      if (set.size < this.hostCap) set.add(host);
    }
  }

  /** Distinct hosts the value was seen on, up to the cap. */
  hostsSeen(e: Entity): number {
    return this.hostsSeenByKey(entityKey(e));
  }

  private hostsSeenByKey(key: string): number {
    return (this.current.get(key) ?? this.previous.get(key))?.size ?? 0;
  }

  /** Hosts seen on from which a value counts as everywhere: half the fleet, within [4, cap]. */
  get ubiquity(): number {
    return Math.min(this.hostCap, Math.max(4, Math.ceil(this.hosts.size / 2)));
  }

  /**
   * 1 for a value seen on one or two hosts, falling (quadratically) to 0 at `ubiquity` hosts.
   * Hosts and processes are not weighed: they are unique by nature.
   */
  rarity(e: Entity): number {
    return this.rarityOfKey(e.type, entityKey(e));
  }

  /** rarity() of a value whose key (entityKey) the caller has already. */
  rarityOfKey(type: EntityType, key: string): number {
    if (UNWEIGHED.has(type)) return 1;
    const seen = this.hostsSeenByKey(key);
    const u = this.ubiquity;
    if (seen <= 2) return 1;
    if (seen >= u) return 0;
    // A value on a handful of hosts is still rare: the weight falls slowly at first.
    const x = (seen - 2) / (u - 2);
    return 1 - x * x;
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }
}
