import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Level } from '../detect/sigma/model.js';
import { ChdbStore } from '../store/chdb.js';
import { migrate, sqlTime, type Store } from '../store/index.js';
import { storedEntity, type Entity, type EntityType } from './entities.js';
import type { CorrelationAlert } from './incidents.js';
import { IncidentService } from './service.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-incident-service-'));
let store: ChdbStore;
const T0 = Date.now() - 3_600_000;
const empty = { sightings: [], lineage: [] };
let n = 0;

function alert(
  host: string,
  minutes: number,
  level: Level,
  entities: [EntityType, string, Entity['role']?][],
) {
  const id = `svc-${++n}`;
  return {
    id,
    time: T0 + minutes * 60_000,
    ruleId: `rule-${id}`,
    title: `Rule ${id}`,
    level,
    tags: [],
    host,
    entities: [
      { type: 'host', value: host.toLowerCase(), role: 'self' },
      ...entities.map(([type, value, role]) => ({ type, value, role: role ?? ('self' as const) })),
    ],
  } satisfies CorrelationAlert;
}

beforeAll(async () => {
  store = new ChdbStore(join(dir, 'store'));
  await migrate(store, { retentionDays: 0 });
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('IncidentService: writing under load', () => {
  it('writes new incidents at once, and the others in turns within its budget, stalest first', async () => {
    const written: string[][] = [];
    const recording: Store = {
      kind: 'embedded',
      query: () => Promise.resolve([]),
      exec: () => Promise.resolve(),
      insert: (_table, rows) => {
        const text = Buffer.isBuffer(rows) ? rows.toString() : Buffer.concat(rows).toString();
        written.push(
          text
            .split('\n')
            .filter((l) => l !== '')
            .map((l) => (JSON.parse(l) as { title: string }).title),
        );
        return Promise.resolve();
      },
      close: () => Promise.resolve(),
    };
    // A budget of one byte: each periodic write takes one incident that is not new.
    const service = new IncidentService(recording, () => {}, { flushBudgetBytes: 1 });
    const hosts = ['HA', 'HB', 'HC'];
    const round = (minutes: number) =>
      hosts.map((h) => ({
        tenant: 't',
        facts: empty,
        alerts: [
          alert(h, minutes, 'high', [
            ['process', `g-${h}-${minutes}`],
            ['process', `g-${h}-${minutes - 1}`, 'parent'],
          ]),
        ],
      }));
    const t = Date.now();
    await service.record(round(0), t);
    expect(written).toHaveLength(1);
    expect(written[0]).toHaveLength(3); // all new: all written
    const titles = written[0]!;
    await service.record(round(1), t + 3000);
    await service.record(round(2), t + 6000);
    await service.record(round(3), t + 9000);
    // One each time, the least recently written first: every incident gets its turn.
    expect(written.slice(1).map((w) => w.length)).toEqual([1, 1, 1]);
    const hostOf = (title: string) => hosts.find((h) => title.includes(h));
    expect(titles.map(hostOf)).toEqual(hosts);
    expect(written.slice(1).map((w) => hostOf(w[0]!))).toEqual(hosts);
    expect(service.unwritten).toBe(2);
    await service.flush(t + 9500); // idle or stopping: everything
    expect(written.at(-1)).toHaveLength(2);
    expect(service.unwritten).toBe(0);
  });
});

describe('IncidentService: the incident listener', () => {
  it('hears an incident once it is written, again when its severity rises, and not for more of the same', async () => {
    const service = new IncidentService(store);
    const heard: string[] = [];
    service.onIncident = (tenant, incident, change) =>
      heard.push(`${tenant} ${change} ${incident.severity} ${incident.alertCount}`);
    await service.record([
      {
        tenant: 'acme',
        facts: empty,
        alerts: [
          alert('WS01', 0, 'low', [
            ['process', 'g-wscript'],
            ['process', 'g-setup', 'parent'],
          ]),
        ],
      },
    ]);
    await service.flush();
    expect(heard).toEqual(['acme created low 1']);
    // A linked alert of the same level: the incident grows, nothing to announce.
    await service.record([
      {
        tenant: 'acme',
        facts: empty,
        alerts: [
          alert('WS01', 1, 'low', [
            ['process', 'g-child'],
            ['process', 'g-wscript', 'parent'],
          ]),
        ],
      },
    ]);
    await service.flush();
    expect(heard).toHaveLength(1);
    // A critical alert in the same tree: escalated, once.
    await service.record([
      {
        tenant: 'acme',
        facts: empty,
        alerts: [
          alert('WS01', 2, 'critical', [
            ['process', 'g-grandchild'],
            ['process', 'g-child', 'parent'],
          ]),
        ],
      },
    ]);
    await service.flush();
    expect(heard).toEqual(['acme created low 1', 'acme escalated critical 3']);
    await service.flush();
    expect(heard).toHaveLength(2);
  });

  it('a failing listener is logged and the incidents are still written', async () => {
    const logged: string[] = [];
    const service = new IncidentService(store, (m) => logged.push(m));
    service.onIncident = () => {
      throw new Error('listener broke');
    };
    await service.record([
      { tenant: 'beta', facts: empty, alerts: [alert('DB01', 0, 'high', [['hash', 'f'.repeat(64)]])] },
    ]);
    await service.flush();
    expect(logged).toEqual([expect.stringMatching(/incident listener failed on inc-.*: listener broke/)]);
    const [row] = await store.query<{ n: string | number }>(
      "SELECT count() AS n FROM incidents WHERE tenant = 'beta'",
    );
    expect(Number(row!.n)).toBe(1);
    expect(service.unwritten).toBe(0);
  });

  it('after a restart, incidents rebuilt from stored alerts are not announced again', async () => {
    // The restore reads alerts from the alerts table; one stored alert makes one incident.
    await store.insert(
      'alerts',
      Buffer.from(
        JSON.stringify({
          tenant: 'gamma',
          alert_id: 'restored-1',
          kind: 'detection',
          ts: sqlTime(T0),
          created: sqlTime(Date.now()),
          rule_id: 'rule-restored',
          rule_title: 'Restored',
          level: 'high',
          tags: [],
          host: 'APP01',
          entities: [storedEntity({ type: 'host', value: 'app01', role: 'self' })],
        }),
      ),
    );
    const service = new IncidentService(store);
    const heard: string[] = [];
    service.onIncident = (_t, i, change) => heard.push(`${change} ${i.id}`);
    await service.restore();
    expect(service.stats.restored).toBe(1);
    // The same detection again on the same host joins the restored incident: old news, same severity.
    const again = { ...alert('APP01', 5, 'high', []), ruleId: 'rule-restored', title: 'Restored' };
    await service.record([{ tenant: 'gamma', facts: empty, alerts: [again] }]);
    await service.flush();
    expect(service.stats.incidents).toBe(1);
    expect(heard).toEqual([]);
  });
  it('restoring again continues from the stored alerts, as a fresh writer would', async () => {
    const stored = (a: CorrelationAlert) =>
      store.insert(
        'alerts',
        Buffer.from(
          JSON.stringify({
            tenant: 'delta',
            alert_id: a.id,
            kind: 'detection',
            ts: sqlTime(a.time),
            created: sqlTime(Date.now()),
            rule_id: a.ruleId,
            rule_title: a.title,
            level: a.level,
            tags: [],
            host: a.host,
            entities: a.entities.map(storedEntity),
          }),
        ),
      );
    // A writer stores and links an alert, then loses its lease.
    const service = new IncidentService(store);
    const mine = alert('DELTA01', 1, 'high', [['user', 'mallory']]);
    await stored(mine);
    await service.record([{ tenant: 'delta', facts: empty, alerts: [mine] }]);
    // The writer in between stores another alert on the same host.
    const theirs = alert('DELTA01', 2, 'high', [['user', 'mallory']]);
    await stored(theirs);
    // Taking the lease back, then linking the next alert: the incident has all three.
    await service.restore();
    const next = alert('DELTA01', 3, 'high', [['user', 'mallory']]);
    await stored(next);
    await service.record([{ tenant: 'delta', facts: empty, alerts: [next] }]);
    await service.flush();
    expect(service.unwritten).toBe(0);
    const rows = await store.query<{ alert_count: number; detail: string }>(
      `SELECT alert_count, detail FROM incidents FINAL WHERE tenant = 'delta' AND merged_into = ''`,
    );
    expect(rows).toHaveLength(1);
    expect(Number(rows[0]!.alert_count)).toBe(3);
    for (const a of [mine, theirs, next]) expect(rows[0]!.detail).toContain(a.id);
    // What is in memory is what a writer starting now would build from the store.
    const fresh = new IncidentService(store);
    await fresh.restore();
    expect(service.stats.incidents).toBe(fresh.stats.incidents);
  });
});
