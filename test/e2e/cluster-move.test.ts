import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionOf, type EventBus } from '../../src/bus/jetstream.js';
import { normalizedHost } from '../../src/cluster/partition-pipeline.js';
import { clusterStatus } from '../../src/cluster/status.js';
import { RowsWriter } from '../../src/cluster/writer.js';
import { IncidentRepository, IncidentService } from '../../src/correlate/index.js';
import { generateScenario, type DemoEvent, type Scenario } from '../../src/demo/index.js';
import { ColumnMapper, Mappings } from '../../src/normalize/index.js';
import { makeBatch } from '../../src/pipeline/batch.js';
import { openStore, type Store } from '../../src/store/index.js';
import { poller, startTestCluster, WorkerPool, type TestCluster } from '../support/cluster.js';
import { natsPresent } from '../support/nats.js';

const PARTITIONS = 6;
/** Vigil's "Ransom Notes Spread Across Folders": five notes by one process within 5 minutes. */
const SPREAD = '1a9499ed-af26-4d97-9aca-955922f493ec';

if (!natsPresent) console.log('cluster-move e2e skipped: /usr/sbin/nats-server is not installed');

const waitFor = poller({ everyMs: 400 });

const isNote = (e: DemoEvent) => /ReadMe\.(txt|html)/i.test(JSON.stringify(e.record));

/**
 * A seed whose ransomware story writes five to eight notes on one host, that host, and where to
 * cut the stream: after all but four notes, so neither side of the cut alone holds five.
 */
function ransomScenario(now: number): { scenario: Scenario; host: string; cut: number } {
  const hostOf = normalizedHost(Mappings.load(), ColumnMapper.load());
  for (let seed = 1; seed < 40; seed++) {
    const scenario = generateScenario({ seed, now, background: 800 });
    const events = scenario.events.filter((e) => e.layer !== 'email');
    const notes = new Map<string, number[]>();
    events.forEach((e, i) => {
      if (e.story?.startsWith('ransomware') && isNote(e))
        notes.set(hostOf(e.record), [...(notes.get(hostOf(e.record)) ?? []), i]);
    });
    for (const [host, at] of notes)
      if (at.length >= 5 && at.length <= 8)
        return { scenario: { ...scenario, events }, host, cut: at[at.length - 5]! + 1 };
  }
  throw new Error('no seed with a ransomware host of five to eight notes');
}

describe.skipIf(!natsPresent)('scale-out: a partition moves in the middle of a story', () => {
  let cluster: TestCluster;
  let bus: EventBus;
  let workers: WorkerPool;
  let store: Store;
  let writer: RowsWriter;
  let incidents: IncidentService;
  let dir: string;
  const hostOf = normalizedHost(Mappings.load(), ColumnMapper.load());
  const { scenario, host, cut } = ransomScenario(Date.now());
  const storyOfLine = new Map<string, string | null>();

  /** As an ingest node would: in arrival order, 100 records a request. */
  const publish = async (events: readonly DemoEvent[], from: number) => {
    for (let i = 0; i < events.length; i += 100) {
      const records = events.slice(i, i + 100).map((e) => e.record);
      const lines = records.map((r) => JSON.stringify(r));
      records.forEach((_, j) => storyOfLine.set(lines[j]!, events[i + j]!.story));
      await bus.publishBatch(
        makeBatch('default', `part-${from + i}`, 'test', records, Date.now(), lines),
        hostOf,
      );
    }
  };

  const storedCount = async () => {
    const [row] = await store.query<{ n: string }>('SELECT count() AS n FROM events');
    return Number(row!.n);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-cluster-move-'));
    cluster = await startTestCluster({
      partitions: PARTITIONS,
      bus: { ackWaitMs: 4000, name: 'test-ingest' },
    });
    bus = cluster.bus;
    store = await openStore({ dataDir: dir, retentionDays: null });
    incidents = new IncidentService(store);
    writer = new RowsWriter(bus, store, { incidents });
    writer.start();
    workers = new WorkerPool(cluster.nats.urls, { partitions: PARTITIONS, logChars: 50_000 });
    for (const id of ['w1', 'w2', 'w3']) workers.start(id);
    await waitFor('every partition owned', async () => {
      const s = await clusterStatus(bus, PARTITIONS);
      return s.partitions.every((p) => p.owner !== '');
    });
  }, 180_000);

  afterAll(async () => {
    workers?.killAll();
    await bus?.close();
    await writer?.stop();
    await store?.close();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 180_000);

  it('rebuilds the correlation state, so the story still raises its correlation and makes one incident', async () => {
    const events = scenario.events;
    await publish(events.slice(0, cut), 0);
    await waitFor(`${cut} events stored`, async () => (await storedCount()) >= cut);

    // Some of the host's notes are in, four are still to come; the worker holding its partition dies.
    const partition = partitionOf('default', host, PARTITIONS);
    const owner = (await clusterStatus(bus, PARTITIONS)).partitions[partition]!.owner;
    // The heir may have held this partition for a moment at start-up, and logged a rebuild then.
    const marks = workers.logMarks();
    workers.kill(owner);
    let heir = '';
    await waitFor('the partition to move', async () => {
      heir = (await clusterStatus(bus, PARTITIONS)).partitions[partition]!.owner;
      return heir !== '' && heir !== owner;
    });
    const rebuilt = new RegExp(`partition ${partition}: state rebuilt from (\\d+) stored events`);
    const sinceKill = () => workers.logSince(heir, marks.get(heir) ?? 0);
    await waitFor('the heir to rebuild', async () => rebuilt.test(sinceKill()));
    expect(Number(rebuilt.exec(sinceKill())![1])).toBeGreaterThanOrEqual(1);

    await publish(events.slice(cut), cut);
    await waitFor(
      `${events.length} events stored`,
      async () => (await storedCount()) >= events.length,
      240_000,
    );
    // Redeliveries of what the dead worker held (ack wait 4 s) would show up as duplicates.
    await new Promise((r) => setTimeout(r, 6000));
    expect(await storedCount()).toBe(events.length);

    // Only a rebuilt state counts the notes from both sides of the move to five.
    const spread = await store.query<{ host: string }>(
      'SELECT host FROM alerts WHERE rule_id = {rule:String}',
      { rule: SPREAD },
    );
    expect(spread.map((a) => a.host.toLowerCase())).toContain(host.toLowerCase());

    // Each story is one incident, and no incident mixes stories (the ground truth of the demo).
    await writer.stop();
    await incidents.flush();
    const storyOfEvent = new Map<string, string | null>();
    for (const e of await store.query<{ event_id: string; raw: string }>('SELECT event_id, raw FROM events'))
      storyOfEvent.set(e.event_id, storyOfLine.get(e.raw) ?? null);
    const storyOfAlert = new Map<string, string | null>();
    for (const a of await store.query<{ alert_id: string; event_ids: string[] }>(
      'SELECT alert_id, event_ids FROM alerts',
    )) {
      const stories = new Set(a.event_ids.map((id) => storyOfEvent.get(id) ?? null));
      if (stories.size === 1) storyOfAlert.set(a.alert_id, [...stories][0]!);
    }
    const repo = new IncidentRepository(store);
    const list = await repo.list('default', { from: 0, to: Date.now() + 86_400_000, limit: 10_000 });
    const holding = new Map<string, string[]>();
    const problems: string[] = [];
    for (const summary of list) {
      const detail = (await repo.get('default', summary.id))!;
      const stories = new Set(detail.alerts.map((a) => storyOfAlert.get(a.id) ?? null));
      const named = [...stories].filter((s): s is string => s !== null);
      if (named.length > 1) problems.push(`incident "${detail.title}" mixes ${named.join(' + ')}`);
      for (const s of named) holding.set(s, [...(holding.get(s) ?? []), detail.title]);
    }
    for (const story of scenario.stories) {
      const titles = holding.get(story.id) ?? [];
      if (titles.length > 1)
        problems.push(`story ${story.id} split into ${titles.length}: ${titles.join('; ')}`);
    }
    expect(problems).toEqual([]);
    expect([...holding.keys()].some((s) => s.startsWith('ransomware'))).toBe(true);
  }, 600_000);
});
