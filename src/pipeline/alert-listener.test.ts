import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CorrelationAlert } from '../correlate/index.js';
import { Detector } from '../detect/hunt/detector.js';
import { loadRules } from '../detect/sigma/load.js';
import { ColumnMapper, Mappings } from '../normalize/index.js';
import { ChdbStore } from '../store/chdb.js';
import { migrate, type Store } from '../store/index.js';
import { makeBatch } from './batch.js';
import { IntakeLog } from './intake.js';
import { Processor } from './processor.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-alert-listener-'));
let store: Store;
let detector: Detector;
const mappings = Mappings.load();
const columns = ColumnMapper.load();

beforeAll(async () => {
  store = new ChdbStore(join(dir, 'store'));
  await migrate(store, { retentionDays: 0 });
  detector = new Detector((await loadRules([resolve(import.meta.dirname, '../../rules')])).rules, mappings);
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

// setup.exe in Downloads starting wscript: one alert from Vigil's rule pack.
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

describe('the pipeline tells a listener about stored alerts', () => {
  it('per tenant, after they are stored; a throwing listener costs nothing but a log line', async () => {
    const log = IntakeLog.open(join(dir, 'wal'));
    const logged: string[] = [];
    const processor = new Processor(
      log.wal,
      store,
      detector,
      mappings,
      columns,
      join(dir, 'checkpoint.json'),
      {
        log: (m) => logged.push(m),
      },
    );
    const heard: { tenant: string; alerts: readonly CorrelationAlert[] }[] = [];
    processor.onAlerts = (tenant, alerts) => {
      if (heard.length === 0) {
        heard.push({ tenant, alerts });
        throw new Error('listener broke');
      }
      heard.push({ tenant, alerts });
    };
    processor.start();
    await log.append(makeBatch('t1', null, 'test', [installer('WS1', 1)]));
    await processor.idle();
    await log.append(makeBatch('t2', null, 'test', [installer('WS2', 2)]));
    await processor.idle();
    await processor.stop();
    expect(heard.map((h) => [h.tenant, h.alerts.map((a) => a.host)])).toEqual([
      ['t1', ['WS1']],
      ['t2', ['WS2']],
    ]);
    expect(logged).toContain('alert listener failed: listener broke');
    // The alert the listener heard is the stored one, and the pipeline went on after the throw.
    const rows = await store.query<{ tenant: string; alert_id: string }>(
      'SELECT tenant, alert_id FROM alerts ORDER BY tenant',
    );
    expect(rows.map((r) => [r.tenant, r.alert_id])).toEqual(heard.map((h) => [h.tenant, h.alerts[0]!.id]));
    expect(processor.stats.lastError).toBeNull();
  });
});
