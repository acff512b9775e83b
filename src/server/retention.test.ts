import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PurgeCutoffs } from '../respond/index.js';
import { purgeMetrics, renderMetrics } from './metrics.js';
import { AUDIT_MIN_DAYS, RecordPurge, type PurgeTargets } from './retention.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 2);
const NONE = { runs: 0, stepKeys: 0, agentCommands: 0, blockEntries: 0, audit: 0 };

function targets(fail = false) {
  const calls: { incidents: number[]; response: PurgeCutoffs[] } = { incidents: [], response: [] };
  const t: PurgeTargets = {
    incidents: {
      purge: async (before) => {
        calls.incidents.push(before);
        if (fail) throw new Error('store is read-only');
        return { incidents: 3, notes: 1, suppressions: 0 };
      },
    },
    response: {
      purge: async (cut) => {
        calls.response.push(cut);
        return { ...NONE, runs: 2 };
      },
    },
  };
  return { t, calls };
}

describe('RecordPurge', () => {
  afterEach(() => vi.useRealTimers());

  it('cuts at the retention, keeps a year of audit at least, and does nothing when keeping forever', async () => {
    const log: string[] = [];
    const retention = { days: 90 };
    const { t, calls } = targets();
    const purge = new RecordPurge(retention, t, (m) => log.push(m));
    expect(await purge.runOnce(NOW)).toMatchObject({ incidents: 3, notes: 1, runs: 2 });
    expect(calls.incidents).toEqual([NOW - 90 * DAY]);
    expect(calls.response).toEqual([{ records: NOW - 90 * DAY, audit: NOW - AUDIT_MIN_DAYS * DAY }]);
    expect(log).toEqual(['retention (90 days): purged 3 incidents, 1 incident notes, 2 response runs']);

    retention.days = 800;
    await purge.runOnce(NOW);
    expect(calls.response.at(-1)).toEqual({ records: NOW - 800 * DAY, audit: NOW - 800 * DAY });

    retention.days = 0;
    expect(await purge.runOnce(NOW)).toBeNull();
    expect(calls.incidents).toHaveLength(2);

    // Two passes, each 3 incidents, 1 note, 2 runs: what the metrics report.
    expect(purge.stats).toMatchObject({ passes: { ok: 2, failed: 0 }, lastSuccess: NOW });
    expect(purge.stats.purged).toMatchObject({ incidents: 6, notes: 2, runs: 4, audit: 0 });
    const text = renderMetrics(purgeMetrics(purge.stats));
    expect(text).toMatch(/^vigil_records_purged_total\{kind="runs"\} 4$/m);
    expect(text).toMatch(/^vigil_record_purge_passes_total\{outcome="ok"\} 2$/m);
    expect(text).toMatch(new RegExp(`^vigil_record_purge_last_success_seconds ${NOW / 1000}$`, 'm'));
  });

  it('runs a minute after start, then daily; a failed pass is logged and the next one still comes', async () => {
    vi.useFakeTimers();
    const log: string[] = [];
    const { t, calls } = targets(true);
    const purge = new RecordPurge({ days: 30 }, t, (m) => log.push(m));
    purge.start();
    await vi.advanceTimersByTimeAsync(59_000);
    expect(calls.incidents).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls.incidents).toHaveLength(1);
    expect(log).toEqual(['retention: purging old records failed: store is read-only']);
    await vi.advanceTimersByTimeAsync(DAY);
    expect(calls.incidents).toHaveLength(2);
    expect(purge.stats.passes).toEqual({ ok: 0, failed: 2 });
    await purge.stop();
    await vi.advanceTimersByTimeAsync(3 * DAY);
    expect(calls.incidents).toHaveLength(2);
  });
});
