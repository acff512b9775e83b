import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProcessTable } from './process-table.js';

/** The table's contract in the plainest terms: a list in touch order, searched from the front. */
class PlainTable {
  readonly nodes: { key: string; lastSeen: number }[] = [];
  constructor(
    private readonly max: number,
    private readonly ttl: number,
  ) {}
  touch(key: string, time: number): void {
    const at = this.nodes.findIndex((n) => n.key === key);
    const node = at >= 0 ? this.nodes.splice(at, 1)[0]! : { key, lastSeen: time };
    node.lastSeen = Math.max(node.lastSeen, time);
    this.nodes.push(node);
    while (this.nodes.length > this.max) this.nodes.shift();
  }
  expire(now: number): void {
    while (this.nodes.length > 0 && !(this.nodes[0]!.lastSeen >= now - this.ttl)) this.nodes.shift();
  }
}

type Op = { touch: string; time: number } | { expire: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    touch: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'),
    time: fc.integer({ min: 0, max: 100 }),
  }),
  fc.record({ expire: fc.integer({ min: 0, max: 150 }) }),
);

function keysOf(t: ProcessTable, candidates: readonly string[]): string[] {
  return candidates.filter((k) => t.get(k) !== undefined);
}

describe('ProcessTable', () => {
  it('forgets exactly what a list in touch order would, whatever the order of touches and expiries', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), fc.integer({ min: 1, max: 5 }), (ops, max) => {
        const table = new ProcessTable({ maxProcesses: max, ttlMs: 30, maxChildren: 4 });
        const plain = new PlainTable(max, 30);
        for (const o of ops) {
          if ('touch' in o) {
            table.touch(o.touch, 'h', o.time);
            plain.touch(o.touch, o.time);
          } else {
            table.expire(o.expire);
            plain.expire(o.expire);
          }
          expect(table.size).toBe(plain.nodes.length);
          const kept = plain.nodes.map((n) => n.key).sort();
          expect(keysOf(table, ['a', 'b', 'c', 'd', 'e', 'f', 'g'])).toEqual(kept);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps expiring from the right end after the least recently touched node is touched again', () => {
    const table = new ProcessTable({ maxProcesses: 100, ttlMs: 10, maxChildren: 4 });
    table.touch('old', 'h', 0);
    table.touch('mid', 'h', 5);
    table.expire(5); // nothing is 10 old yet; the table now stands on 'old'
    table.touch('old', 'h', 20); // 'old' moves to the back
    table.expire(16); // 'mid' (5) is the front now and has expired; 'old' (20) stays
    expect(table.get('mid')).toBeUndefined();
    expect(table.get('old')?.lastSeen).toBe(20);
    table.expire(31);
    expect(table.size).toBe(0);
    // An emptied table fills and expires again.
    table.touch('new', 'h', 40);
    table.expire(45);
    expect(table.get('new')).toBeDefined();
    table.expire(51);
    expect(table.size).toBe(0);
  });

  it('stays bounded under a flood of new processes, evicting the least recently touched', () => {
    const table = new ProcessTable({ maxProcesses: 1000, ttlMs: 3_600_000, maxChildren: 4 });
    table.touch('keep', 'h', 0);
    for (let i = 0; i < 50_000; i++) {
      table.touch(`p${i}`, 'h', i);
      // A process touched all along is never the one evicted.
      if (i % 100 === 0) table.touch('keep', 'h', i);
    }
    expect(table.size).toBe(1000);
    expect(table.get('keep')).toBeDefined();
    expect(table.get('p49999')).toBeDefined();
    expect(table.get('p49001')).toBeDefined();
    expect(table.get('p49000')).toBeUndefined();
    expect(table.get('p0')).toBeUndefined();
  });

  it('lists a childless process alone as its subtree, and a parent with its children', () => {
    const table = new ProcessTable({ maxProcesses: 10, ttlMs: 1000, maxChildren: 4 });
    const parent = table.touch('p', 'h', 0);
    const child = table.touch('c', 'h', 0);
    expect(table.subtree(child, 3)).toEqual([child]);
    table.addChild(parent, 'c');
    expect(table.subtree(parent, 3)).toEqual([parent, child]);
    expect(table.subtree(parent, 0)).toEqual([parent]);
  });
});
