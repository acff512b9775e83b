import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Detector } from '../detect/hunt/detector.js';
import { loadRules } from '../detect/sigma/load.js';
import { ColumnMapper, Mappings } from '../normalize/index.js';
import { ChdbStore } from '../store/chdb.js';
import { migrate, type Store } from '../store/index.js';
import { makeBatch } from './batch.js';
import { IntakeLog } from './intake.js';
import { Processor } from './processor.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-pipeline-'));
let store: Store;
let detector: Detector;
const mappings = Mappings.load();
const columns = ColumnMapper.load();

beforeAll(async () => {
  store = new ChdbStore(join(dir, 'store'));
  await migrate(store, { retentionDays: 0 });
  const loaded = await loadRules([resolve(import.meta.dirname, '../../rules')]);
  detector = new Detector(loaded.rules, mappings);
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const installer = (host: string, n: number) => ({
  Channel: 'Microsoft-Windows-Sysmon/Operational',
  Hostname: host,
  EventTime: '2026-11-20 10:00:00',
  EventID: 1,
  RecordNumber: n,
  ParentImage: 'C:\\Users\\bob\\Downloads\\Windscribe_setup.exe',
  Image: 'C:\\Windows\\System32\\wscript.exe',
  CommandLine: `wscript.exe C:\\Users\\bob\\AppData\\Local\\Temp\\win${n}.vbs`,
});
const benign = (host: string, n: number) => ({
  ...installer(host, n),
  ParentImage: 'C:\\Windows\\explorer.exe',
});

async function count(sql: string, params: Record<string, unknown> = {}): Promise<number> {
  const [row] = await store.query<{ n: string | number }>(sql, params);
  return Number(row!.n);
}

describe('ingest pipeline: log → normalize → detect → store', () => {
  it('stores every accepted event with its alerts, and a retried key once', async () => {
    const run = join(dir, 'run1');
    const log = IntakeLog.open(join(run, 'wal'));
    const processor = new Processor(
      log.wal,
      store,
      detector,
      mappings,
      columns,
      join(run, 'checkpoint.json'),
    );
    log.onAppend = (p, b) => processor.remember(p, b);
    processor.start();
    const first = await log.append(makeBatch('t1', 'k1', 'test', [installer('WS1', 1), benign('WS1', 2)]));
    const retry = await log.append(makeBatch('t1', 'k1', 'test', [installer('WS1', 1), benign('WS1', 2)]));
    expect(retry).toEqual({ position: first.position, duplicate: true });
    await log.append(makeBatch('t2', 'k1', 'test', [benign('WS9', 3)])); // same key, other tenant
    await processor.idle();
    expect(await count("SELECT count() AS n FROM events WHERE tenant = 't1'")).toBe(2);
    expect(await count("SELECT count() AS n FROM events WHERE tenant = 't2'")).toBe(1);
    expect(
      await count(
        "SELECT count() AS n FROM alerts WHERE tenant = 't1' AND rule_id = '13619774-09df-4867-8d3c-e8f93e2042a6' AND host = 'WS1'",
      ),
    ).toBe(1);
    const [row] = await store.query<Record<string, unknown>>(
      "SELECT host, process_executable, parent_executable, rule_ids FROM events WHERE tenant = 't1' AND length(rule_ids) > 0",
    );
    expect(row).toEqual({
      host: 'WS1',
      process_executable: 'C:\\Windows\\System32\\wscript.exe',
      parent_executable: 'C:\\Users\\bob\\Downloads\\Windscribe_setup.exe',
      rule_ids: ['13619774-09df-4867-8d3c-e8f93e2042a6'],
    });
    await processor.stop();
  });

  it('after a crash between fixing a group and storing it, replays it without duplicates', async () => {
    const run = join(dir, 'run2');
    const log = IntakeLog.open(join(run, 'wal'));
    const records = Array.from({ length: 50 }, (_, i) => benign('CRASH', i));
    await log.append(makeBatch('crash', null, 'test', records.slice(0, 25)));
    await log.append(makeBatch('crash', null, 'test', records.slice(25)));
    // First life: stores the group, then "crashes" by rewriting the checkpoint as if the crash
    // happened after the insert but before the checkpoint moved on.
    const p1 = new Processor(log.wal, store, detector, mappings, columns, join(run, 'checkpoint.json'));
    p1.start();
    await p1.idle();
    await p1.stop();
    expect(await count("SELECT count() AS n FROM events WHERE tenant = 'crash'")).toBe(50);
    const { writeDurableJson } = await import('../bus/wal.js');
    const from = { segment: 1, offset: 0 };
    const reopened = IntakeLog.open(join(run, 'wal'));
    await writeDurableJson(join(run, 'checkpoint.json'), {
      position: from,
      pending: { from, to: reopened.wal.end() },
    });
    const p2 = new Processor(reopened.wal, store, detector, mappings, columns, join(run, 'checkpoint.json'));
    p2.start();
    await p2.idle();
    await p2.stop();
    expect(await count("SELECT count() AS n FROM events WHERE tenant = 'crash'")).toBe(50);
    expect(await count("SELECT uniqExact(event_id) AS n FROM events WHERE tenant = 'crash'")).toBe(50);
  });
});
