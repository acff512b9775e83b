import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../test/support/cli.js';
import type { WalPosition } from '../bus/wal.js';
import { Detector } from '../detect/hunt/detector.js';
import { loadRules } from '../detect/sigma/load.js';
import type { JsonObject } from '../ingest/types.js';
import { ColumnMapper, Mappings } from '../normalize/index.js';
import { makeBatch } from '../pipeline/batch.js';
import { eventIdOf } from '../pipeline/enrich.js';
import type { HistoryEvent } from './history.js';
import { PartitionPipeline, replayWindow } from './partition-pipeline.js';

/** Vigil's own "Ransom Notes Spread Across Folders": five notes by one process within 5 minutes. */
const SPREAD = '1a9499ed-af26-4d97-9aca-955922f493ec';
const mappings = Mappings.load();
const columns = ColumnMapper.load();
let detector: Detector;

beforeAll(async () => {
  detector = new Detector((await loadRules([join(ROOT, 'rules')])).rules, mappings);
});

function note(i: number): JsonObject {
  return {
    Channel: 'Microsoft-Windows-Sysmon/Operational',
    Hostname: 'FS01',
    EventID: 11,
    Image: 'C:\\Users\\Public\\rk.exe',
    TargetFilename: `C:\\Shares\\d${i}\\RyukReadMe.txt`,
    EventTime: `2026-11-20 10:0${i}:00`,
  };
}

const fresh = () => new PartitionPipeline(detector, mappings, columns);
const at = (offset: number): WalPosition => ({ segment: 7, offset });
const batchOf = (ids: number[]) => makeBatch('acme', null, 'test', ids.map(note), Date.now());
const spreads = (rows: ReturnType<PartitionPipeline['prepare']>) =>
  rows.alerts.filter((a) => (JSON.parse(a) as { rule_id: string }).rule_id === SPREAD).length;

/** What the store holds of a message once its rows were written, as the writer reads it back. */
function stored(ids: number[], offset: number): HistoryEvent[] {
  const batch = batchOf(ids);
  return batch.lines.map((raw, i) => ({
    tenant: 'acme',
    eventId: eventIdOf(at(offset), i),
    received: batch.received,
    raw,
  }));
}

async function* pages(...lists: HistoryEvent[][]) {
  for (const l of lists) yield l;
}

describe('PartitionPipeline.rebuild: correlation state survives a partition move', () => {
  it('fires a correlation split across the move only when the new owner replays the history', async () => {
    const before = fresh();
    expect(spreads(before.prepare(batchOf([1, 2, 3]), at(1)))).toBe(0);

    const replayed = fresh();
    expect(await replayed.rebuild(pages(stored([1, 2, 3], 1)))).toBe(3);
    expect(spreads(replayed.prepare(batchOf([4, 5]), at(2)))).toBe(1);

    const forgetful = fresh();
    expect(spreads(forgetful.prepare(batchOf([4, 5]), at(2)))).toBe(0);
  });

  it('does not count a redelivered message twice (stored, then delivered again after the move)', async () => {
    const p = fresh();
    await p.rebuild(pages(stored([1, 2, 3], 1)));
    // The old owner stored message 1 but died before acking it: it comes again, same ids.
    expect(spreads(p.prepare(batchOf([1, 2, 3]), at(1)))).toBe(0);
    expect(spreads(p.prepare(batchOf([4]), at(2)))).toBe(0);
    expect(spreads(p.prepare(batchOf([5]), at(3)))).toBe(1);
  });

  it('skips stored records that are not JSON objects and replays the rest', async () => {
    const p = fresh();
    const broken: HistoryEvent[] = [
      { tenant: 'acme', eventId: 'x-1', received: 0, raw: '{"truncated":' },
      { tenant: 'acme', eventId: 'x-2', received: 0, raw: '[1,2]' },
      { tenant: 'acme', eventId: 'x-3', received: 0, raw: 'null' },
    ];
    expect(await p.rebuild(pages(stored([1, 2], 1), broken, stored([3, 4], 2)))).toBe(4);
    expect(spreads(p.prepare(batchOf([5]), at(3)))).toBe(1);
  });

  it('replays as far back as the longest correlation timespan, within the cap', () => {
    expect(replayWindow(detector.rules, 24 * 3600_000)).toBe(3600_000);
    expect(replayWindow(detector.rules, 10 * 60_000)).toBe(10 * 60_000);
    expect(replayWindow([], 24 * 3600_000)).toBe(15 * 60_000);
  });
});
