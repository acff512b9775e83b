import { describe, expect, it } from 'vitest';
import type { Level } from '../detect/sigma/model.js';
import type { Entity, EntityType } from './entities.js';
import { IncidentBuilder, type CorrelationAlert, type Incident } from './incidents.js';
import { MAX_LINK_MS } from './links.js';
import { incidentRow, IncidentService } from './service.js';
import { sqlTime } from '../store/rows.js';
import type { Store } from '../store/store.js';

const T0 = Date.UTC(2026, 10, 1, 9);
const MIN = 60_000;
let n = 0;

/** Text that JSON must escape: quotes, backslashes, controls, non-ASCII and a lone surrogate. */
const HOSTILE = 'q"uo\\te\n\t\u0001 ü 😀 \ud800 </script>';

function alert(
  host: string,
  minutes: number,
  level: Level,
  entities: [EntityType, string][],
): CorrelationAlert {
  const id = `row-${++n}`;
  return {
    id,
    time: T0 + minutes * MIN,
    ruleId: `rule-${n % 7}`,
    title: `Rule ${n % 7} ${HOSTILE}`,
    level,
    tags: ['attack.execution', 'attack.t1059'],
    host,
    entities: [
      { type: 'host', value: host.toLowerCase(), role: 'self' },
      ...entities.map(([type, value]): Entity => ({ type, value, role: 'self' })),
    ],
  };
}

/** What the row was before its parts were kept: one JSON.stringify of the whole. */
function plainRow(tenant: string, inc: Incident, version: number, now: number): string {
  return JSON.stringify({
    tenant,
    incident_id: inc.id,
    version,
    merged_into: '',
    title: inc.title,
    severity: inc.severity,
    risk: inc.risk.score,
    first: sqlTime(inc.first),
    last: sqlTime(inc.last),
    alert_count: inc.alertCount,
    hosts: inc.hosts,
    users: inc.users,
    tactics: inc.tactics,
    rule_ids: inc.rules.map((r) => r.id),
    detail: JSON.stringify({
      risk: inc.risk,
      rules: inc.rules,
      alerts: inc.alerts,
      entities: inc.entities,
      links: inc.links,
      mergedFrom: inc.mergedFrom,
    }),
    updated: sqlTime(now),
  });
}

const sameRow = (inc: Incident) =>
  expect(
    incidentRow(`t${HOSTILE}`, inc, 7, T0).equals(Buffer.from(plainRow(`t${HOSTILE}`, inc, 7, T0))),
  ).toBe(true);

describe('incident row JSON', () => {
  it('is byte for byte the plain JSON row as an incident grows past its timeline, merges and is retired', () => {
    const b = new IncidentBuilder({ maxTimeline: 50 });
    const check = () => {
      for (const inc of b.incidents()) sameRow(inc);
    };
    // Two stories on two hosts, each growing well past the timeline cap, checked (and so kept) as they grow.
    for (let i = 0; i < 120; i++) {
      b.add(alert('WS1', i, 'medium', [['file', `c:\\drop\\${HOSTILE}.exe`]]));
      b.add(alert('WS2', i, i % 10 === 0 ? 'high' : 'low', [['hash', `h-${HOSTILE}`]]));
      if (i % 25 === 0) check();
    }
    // Out-of-order alerts reorder the timeline the kept parts are joined in.
    b.add(alert('WS1', -5, 'critical', [['file', `c:\\drop\\${HOSTILE}.exe`]]));
    check();
    // A bridging alert merges the two.
    b.add(
      alert('WS1', 121, 'high', [
        ['file', `c:\\drop\\${HOSTILE}.exe`],
        ['hash', `h-${HOSTILE}`],
      ]),
    );
    expect(b.takeMerges()).toHaveLength(1);
    expect(b.openCount).toBe(1);
    check();
    const [merged] = b.incidents();
    expect(merged!.mergedFrom).toHaveLength(1);
    expect(merged!.alerts).toHaveLength(50);
    // Retired: its last state is still the same JSON.
    const retired = b.retire(T0 + 121 * MIN + MAX_LINK_MS + 1);
    expect(retired).toHaveLength(1);
    sameRow(retired[0]!);
    const row = JSON.parse(incidentRow('t', retired[0]!, 1, T0).toString()) as { detail: string };
    expect((JSON.parse(row.detail) as { alerts: { title: string }[] }).alerts[0]!.title).toContain(HOSTILE);
  });

  it('writes rows whose detail reads back as the incident, on every flush of a growing incident', async () => {
    const written: string[] = [];
    const store = {
      insert: async (table: string, body: Buffer) => {
        expect(table).toBe('incidents');
        written.push(...body.toString().split('\n'));
      },
    } as unknown as Store;
    const service = new IncidentService(store);
    const facts = { sightings: [], lineage: [] };
    for (let round = 0; round < 4; round++) {
      const alerts = Array.from({ length: 30 }, (_, i) =>
        alert('WS9', round * 30 + i, 'medium', [['file', 'c:\\x\\same.exe']]),
      );
      await service.record([{ tenant: 't', facts, alerts }], T0 + round * 10_000);
      await service.flush(T0 + round * 10_000);
    }
    expect(written.length).toBeGreaterThanOrEqual(4);
    const rows = written.map(
      (r) => JSON.parse(r) as { incident_id: string; alert_count: number; detail: string },
    );
    const last = rows.at(-1)!;
    expect(last.alert_count).toBe(120);
    const detail = JSON.parse(last.detail) as { alerts: { id: string }[]; links: unknown[] };
    expect(detail.alerts).toHaveLength(120);
    expect(new Set(detail.alerts.map((a) => a.id)).size).toBe(120);
    expect(detail.links.length).toBeGreaterThan(0);
    // Each flush's row carries all of the incident so far, not just what changed.
    expect(rows.map((r) => r.alert_count)).toEqual([30, 60, 90, 120]);
    for (const r of rows)
      expect((JSON.parse(r.detail) as { alerts: unknown[] }).alerts).toHaveLength(r.alert_count);
  });
});
