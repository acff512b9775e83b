import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChdbStore } from '../../store/chdb.js';
import { eventRows, insertEvents, migrate, type Store } from '../../store/index.js';
import type { FieldValue } from '../sigma/engine/event-view.js';
import { viewOf } from '../sigma/engine/event-view.js';
import { evaluate } from '../sigma/engine/reference.js';
import { compileYaml, ruleWith } from '../sigma/testing/helpers.js';
import { event, pred } from '../sigma/testing/arbitraries.js';
import type { Pred } from '../sigma/compile/predicate.js';
import { sigmaToSql } from './sigma-sql.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-sigma-sql-'));
let store: Store;
const sampled = fc.sample(event, { numRuns: 150, seed: 42 });
/** The index of the value longer than the stored cut. */
const LONG = sampled.length;
const events: Record<string, FieldValue>[] = [
  ...sampled,
  { A: 'x'.repeat(40_000) + 'ab' }, // longer than the stored cut: only its head is in the store
  { A: ['ab', 'ba'], B: 'a\nb' },
  { A: 'ÄBa', Channel: 'Ünïcode' },
  { A: '10.1.2.3', B: '2001:db8::1' },
  { A: ' 2 ', B: '0x3', EventID: 3 },
];

beforeAll(async () => {
  store = new ChdbStore(join(dir, 'store'));
  await migrate(store, { retentionDays: 0 });
  const rows = events.map((e, i) => ({
    tenant: 'p',
    eventId: String(i),
    time: 0,
    received: Date.UTC(2026, 0, 1),
    source: null,
    fields: new Map(Object.entries(e)),
    columns: {},
    raw: '{}',
    ruleIds: [],
  }));
  await insertEvents(store, eventRows(rows));
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function selected(p: Pred, bound: 'over' | 'under'): Promise<Set<number>> {
  const { where, params } = sigmaToSql(p, bound);
  const rows = await store.query<{ id: string }>(
    `SELECT event_id AS id FROM events WHERE tenant = 'p' AND (${where})`,
    params,
  );
  return new Set(rows.map((r) => Number(r.id)));
}

async function checkBounds(p: Pred): Promise<void> {
  const truth = new Set(events.flatMap((e, i) => (evaluate(p, viewOf(e)) ? [i] : [])));
  const over = await selected(p, 'over');
  const under = await selected(p, 'under');
  for (const i of truth)
    expect(over.has(i), `over misses event ${i}: ${JSON.stringify(events[i])}`).toBe(true);
  for (const i of under)
    expect(truth.has(i), `under selects event ${i}: ${JSON.stringify(events[i])}`).toBe(true);
}

describe('Sigma as SQL over stored events', () => {
  it('over-selects and under-selects what the engine matches, for random rules', async () => {
    await fc.assert(fc.asyncProperty(pred, checkBounds), { numRuns: 250, seed: 7 });
  });

  it('is exact where it can be: plain values, modifiers, null and CIDR', async () => {
    const cases: [string, number[]][] = [
      ['sel:\n  A|contains: äb\ncondition: sel', [events.length - 3]],
      ['sel:\n  A|endswith: ab\ncondition: sel', [events.length - 4]],
      // The long value's stored head ends in x, the value itself does not.
      ['sel:\n  A|endswith: x\ncondition: sel', []],
      ['sel:\n  A|cidr: 10.0.0.0/8\ncondition: sel', [events.length - 2]],
      ['sel:\n  B|cidr: 2001:db8::/32\ncondition: sel', [events.length - 2]],
      ['sel:\n  EventID|gte: 3\ncondition: sel', [events.length - 1]],
    ];
    for (const [detection, some] of cases) {
      const p = compileYaml(ruleWith(detection));
      await checkBounds(p);
      const truth = events.flatMap((e, i) => (evaluate(p, viewOf(e)) ? [i] : []));
      expect(truth).toEqual(expect.arrayContaining(some));
      // Only lists (stored as lines) and the value cut short in the store are left to the engine.
      const single = (i: number) =>
        i !== LONG &&
        !Object.entries(events[i]!).some(
          ([k, v]) => detection.includes(`${k}|`) && Array.isArray(v) && v.length > 1,
        );
      expect(
        [...(await selected(p, 'under'))].sort((a, b) => a - b),
        detection,
      ).toEqual(truth.filter(single));
    }
  });

  it('keeps rule text out of the SQL', () => {
    const p = compileYaml(ruleWith('sel:\n  A|contains: "x\') OR 1=1 --"\ncondition: sel'));
    const { where, params } = sigmaToSql(p, 'over');
    expect(where).not.toContain('1=1');
    expect(Object.values(params)).toContain("x') or 1=1 --");
  });
});
