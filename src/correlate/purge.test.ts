import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChdbStore } from '../store/chdb.js';
import { migrate, sqlTime } from '../store/index.js';
import { IncidentBuilder, type Incident } from './incidents.js';
import { IncidentRepository } from './repository.js';
import { incidentRow } from './service.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 25, 12);
const OLD = NOW - 200 * DAY;
const CUT = NOW - 100 * DAY;

/** One incident of two alerts on a host of its own, at `at`. */
function incident(host: string, at: number): Incident {
  const b = new IncidentBuilder();
  for (const [i, level] of (['high', 'critical'] as const).entries())
    b.add({
      id: `${host}-${i}`,
      time: at + i * 60_000,
      ruleId: `rule-${i}`,
      title: `Rule ${i}`,
      level,
      tags: ['attack.execution'],
      host,
      entities: [
        { type: 'host', value: host, role: 'self' },
        { type: 'file', value: `c:\\users\\public\\${host}.exe`, role: 'self' },
      ],
    });
  const [one] = b.incidents();
  return one!;
}

describe('IncidentRepository.purge', () => {
  let dir: string;
  let store: ChdbStore;
  let repo: IncidentRepository;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-incident-purge-'));
    store = new ChdbStore(dir);
    await migrate(store, { retentionDays: 0 });
    repo = new IncidentRepository(store);
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deletes incidents quiet since the cut with their state and notes, and keeps any touched since', async () => {
    const write = (tenant: string, inc: Incident, version: number, at: number) =>
      store.insert('incidents', incidentRow(tenant, inc, version, at));
    const quiet = incident('ws01', OLD);
    await write('t', quiet, 1, OLD);
    await write('t', quiet, 2, OLD + 1); // a rebuild: both versions must go
    const closed = incident('ws02', OLD);
    await write('t', closed, 1, OLD);
    await repo.update('t', closed.id, { status: 'closed', verdict: 'true-positive' }, 'alice', OLD + 2);
    await repo.addNote('t', closed.id, 'wiped and reimaged', 'alice', OLD + 3);
    const noted = incident('ws03', OLD);
    await write('t', noted, 1, OLD);
    await repo.addNote('t', noted.id, 'still watching this host', 'bob', NOW - DAY);
    const reopened = incident('ws04', OLD);
    await write('t', reopened, 1, OLD);
    await repo.update('t', reopened.id, { status: 'investigating' }, 'bob', NOW - DAY);
    const rebuilt = incident('ws06', OLD);
    await write('t', rebuilt, 1, OLD);
    await write('t', rebuilt, 2, NOW - DAY); // written again lately, its alerts still old
    const recent = incident('ws05', NOW - DAY);
    await write('t', recent, 1, NOW - DAY);
    // What the service writes when one incident absorbs another.
    const merge = (from: Incident, into: Incident, at: number) =>
      store.insert(
        'incidents',
        Buffer.from(
          JSON.stringify({
            tenant: 't',
            incident_id: from.id,
            version: 9,
            merged_into: into.id,
            updated: sqlTime(at),
          }),
        ),
      );
    // Merged long ago into an incident that lives on: its id still leads there.
    const absorbed = incident('ws07', OLD);
    await write('t', absorbed, 1, OLD);
    await merge(absorbed, recent, OLD + 1);
    // A chain of old merges, a into b into c: it goes whole, c first.
    const [a, b, c] = [incident('ws08', OLD), incident('ws09', OLD), incident('ws10', OLD)];
    for (const x of [a, b, c]) await write('t', x, 1, OLD);
    await merge(a, b, OLD + 1);
    await merge(b, c, OLD + 2);
    // The same id in another tenant, recent: tenants are apart.
    await write('u', { ...quiet, last: NOW - DAY }, 1, NOW - DAY);

    const addSuppression = (body: Record<string, unknown>, at: number) =>
      repo.addSuppression('t', { rule_id: 'rule-1', reason: 'noisy', ...body }, 'alice', at);
    const removed = await addSuppression({ entity: 'host:ws01' }, OLD);
    await repo.deleteSuppression('t', removed.id, OLD + 1);
    await addSuppression({ entity: 'host:ws02', expires: OLD + DAY }, OLD);
    const forever = await addSuppression({ entity: 'host:ws03' }, OLD);
    const later = await addSuppression({ entity: 'host:ws04', expires: NOW + DAY }, OLD);

    expect(await repo.purge(CUT)).toEqual({ incidents: 5, notes: 1, suppressions: 2 });
    expect(await repo.get('t', quiet.id)).toBeNull();
    expect(await repo.get('t', closed.id)).toBeNull();
    for (const kept of [noted, reopened, rebuilt, recent])
      expect(await repo.get('t', kept.id)).not.toBeNull();
    expect(await repo.get('u', quiet.id)).not.toBeNull();
    expect((await repo.get('t', absorbed.id))?.id).toBe(recent.id);
    for (const gone of [a, b, c]) expect(await repo.get('t', gone.id)).toBeNull();
    expect((await repo.get('t', noted.id))!.notes.map((n) => n.text)).toEqual(['still watching this host']);
    const [state] = await store.query<{ n: string }>(
      'SELECT count() AS n FROM incident_state WHERE incident_id = {id:String}',
      { id: closed.id },
    );
    expect(Number(state!.n)).toBe(0);
    expect((await repo.suppressions('t')).map((s) => s.id).sort()).toEqual([forever.id, later.id].sort());
    expect(await repo.purge(CUT)).toEqual({ incidents: 0, notes: 0, suppressions: 0 });
  });
});
