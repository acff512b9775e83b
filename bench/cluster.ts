/**
 * Scale-out benchmark: throughput of 1, 2 and 3 `vigil worker` processes on a real 3-node NATS
 * JetStream cluster (R3 streams), with the single writer storing into the embedded store, and what
 * each event costs in CPU in every role, so that a bigger cluster can be sized on paper.
 *
 *   npm run bench:cluster -- [--events N] [--workers 1,2,3] [--partitions N] [--rules DIR]...
 *
 * For each worker count, on a fresh cluster and store: the events are published as ingest nodes
 * publish them (split by host, with message ids), then the workers start on that backlog. The
 * rate is taken from the moment every worker is up with its fair share of partitions until 10%
 * of the backlog is left. CPU comes from /proc for the workers and the NATS servers, and from this
 * process for the writer. The store is checked to hold every event exactly once. Baseline in the
 * same run: JSON.parse of the same events.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventBus, consumerName, EVENTS_STREAM } from '../src/bus/jetstream.js';
import { PartitionLeases } from '../src/bus/leases.js';
import { normalizedHost } from '../src/cluster/partition-pipeline.js';
import { clusterStatus } from '../src/cluster/status.js';
import { RowsWriter } from '../src/cluster/writer.js';
import { IncidentService } from '../src/correlate/index.js';
import { generateSampleEvents } from '../src/demo/sample-events.js';
import { SIGMAHQ_RULE_TREES } from '../src/detect/sigma/load.js';
import { ColumnMapper, Mappings } from '../src/normalize/index.js';
import { makeBatch } from '../src/pipeline/batch.js';
import { openStore } from '../src/store/index.js';
import { natsPresent, startNatsCluster } from '../test/support/nats.js';
import { cpuSeconds, memoryOf } from './proc.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, here.includes('dist') ? '../..' : '..');
const corpus = resolve(root, '../shared/corpus');

function args(argv: string[]) {
  let events = 300_000;
  let workers = [1, 2, 3];
  let partitions = 6;
  const rules: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--events') events = Number(argv[++i]);
    else if (a === '--workers') workers = argv[++i]!.split(',').map(Number);
    else if (a === '--partitions') partitions = Number(argv[++i]);
    else if (a === '--rules') rules.push(argv[++i]!);
    else throw new Error(`unknown option ${a}`);
  }
  if (rules.length === 0 && existsSync(join(corpus, 'sigma')))
    rules.push(...SIGMAHQ_RULE_TREES.map((t) => join(corpus, 'sigma', t)).filter((d) => existsSync(d)));
  return { events, workers, partitions, rules };
}

const selfCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

interface Sample {
  t: number;
  left: number;
  workers: number;
  nats: number;
  self: number;
}

interface RunResult {
  workers: number;
  publishPerS: number;
  /** NATS CPU per event while publishing (R3 writes). */
  natsPublishUs: number;
  drainPerS: number;
  /** From starting the workers (rules load included) until the store held every event. */
  storedSeconds: number;
  /** CPU µs per event in the steady window. */
  workerUs: number;
  natsUs: number;
  writerUs: number;
  workerRssMiB: number;
}

async function run(
  count: number,
  records: readonly Record<string, unknown>[],
  partitions: number,
  rules: string[],
): Promise<RunResult> {
  const nats = await startNatsCluster({ partitions });
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-cluster-'));
  const children: ChildProcess[] = [];
  const bus = await EventBus.connect(nats.urls.split(','), { name: 'bench', maxBytes: 512 * 1024 ** 2 });
  try {
    await bus.ensureStreams();
    await PartitionLeases.ensureStream(bus);
    const hostOf = normalizedHost(Mappings.load(), ColumnMapper.load());
    const natsPids = nats.nodes.map((n) => n.pid);
    const total = records.length;

    // 1. The backlog, published as ingest nodes publish (split by host, message ids, R3 acks).
    const natsBefore = natsPids.reduce<number>((sum, pid) => sum + cpuSeconds(pid), 0);
    const publishStart = performance.now();
    // The backlog is read in messages (one host's part of a request each): events per message
    // converts it back.
    let messages = 0;
    for (let i = 0; i < total; i += 1000) {
      const batch = makeBatch('default', `b${i}`, 'bench', records.slice(i, i + 1000) as never[]);
      messages += (await bus.publishBatch(batch, hostOf)).messages;
    }
    const perMessage = total / messages;
    const publishSeconds = (performance.now() - publishStart) / 1000;
    const natsPublishUs =
      ((natsPids.reduce<number>((sum, pid) => sum + cpuSeconds(pid), 0) - natsBefore) * 1e6) / total;

    // 2. The writer and the workers start on it. The clock runs from the moment every worker is
    //    up with its fair share of partitions until 10% of the backlog is left.
    const store = await openStore({ dataDir: dir, retentionDays: null });
    const writer = new RowsWriter(bus, store, { incidents: new IncidentService(store) });
    writer.start();
    // The bench holds every partition's lease while the workers load their rules, so that none
    // starts draining before the others are up; releasing them is the starting gun.
    const hold = new PartitionLeases(bus, 'bench-hold', partitions, 6000);
    for (let p = 0; p < partitions; p++) await hold.tryTake(p);
    const holding = setInterval(() => {
      for (const p of hold.owned()) void hold.renew(p).catch(() => {});
    }, 1000);
    const cli = join(root, 'dist/src/cli/main.js');
    const startedWorkers = performance.now();
    const up: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const child = spawn(
        process.execPath,
        [
          cli,
          'worker',
          '--nats',
          nats.urls,
          '--id',
          `w${i + 1}`,
          '--partitions',
          String(partitions),
          ...(rules.length > 0 ? ['--rules', join(root, 'rules'), ...rules] : []),
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let log = '';
      up.push(
        new Promise((ok, fail) => {
          child.stderr!.on('data', (d: Buffer) => {
            log = (log + d.toString()).slice(-20_000);
            if (/worker w\d+ up/.test(log)) ok();
          });
          child.once('exit', (code) => fail(new Error(`worker exited (${code}): ${log}`)));
        }),
      );
      children.push(child);
    }
    const sample = async (): Promise<Sample> => {
      let left = 0;
      for (let p = 0; p < partitions; p++) {
        const c = await bus.jsm.consumers.info(EVENTS_STREAM, consumerName(p)).catch(() => null);
        left += c === null ? 0 : c.num_pending + c.num_ack_pending;
      }
      left *= perMessage;
      return {
        t: performance.now(),
        left,
        workers: children.reduce((n, c) => n + cpuSeconds(c.pid), 0),
        nats: natsPids.reduce<number>((sum, pid) => sum + cpuSeconds(pid), 0),
        self: selfCpu(),
      };
    };
    await Promise.all(up);
    clearInterval(holding);
    for (const p of hold.owned()) await hold.release(p);
    const share = Math.ceil(partitions / count);
    for (let settled = false; !settled;) {
      const s = await clusterStatus(bus, partitions);
      const per = new Map<string, number>();
      for (const p of s.partitions) per.set(p.owner, (per.get(p.owner) ?? 0) + 1);
      settled = !per.has('') && [...per.values()].every((n) => n <= share) && per.size === count;
      if (!settled) await new Promise((r) => setTimeout(r, 200));
    }
    const first = await sample();
    console.log(
      `  workers up after ${((performance.now() - startedWorkers) / 1000).toFixed(1)} s, ${first.left} events left`,
    );
    let last = first;
    while (last.left > total * 0.1) {
      await new Promise((r) => setTimeout(r, 250));
      last = await sample();
    }
    if (first.left < total * 0.5)
      console.log(
        `  (only ${first.left} of ${total} events were left when all workers were up: use more --events)`,
      );
    const windowEvents = first.left - last.left;
    const windowSeconds = (last.t - first.t) / 1000;
    for (;;) {
      const [row] = await store.query<{ n: string }>('SELECT count() AS n FROM events');
      if (Number(row!.n) >= total) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const stored = performance.now();
    const [check] = await store.query<{ n: string; ids: string }>(
      'SELECT count() AS n, uniqExact(event_id) AS ids FROM events',
    );
    if (Number(check!.n) !== total || Number(check!.ids) !== total)
      throw new Error(`stored ${check!.n} events (${check!.ids} ids), sent ${total}`);
    const us = (a: number, b: number) => ((b - a) * 1e6) / windowEvents;
    const result: RunResult = {
      workers: count,
      publishPerS: total / publishSeconds,
      natsPublishUs,
      drainPerS: windowEvents / windowSeconds,
      storedSeconds: (stored - startedWorkers) / 1000,
      workerUs: us(first.workers, last.workers),
      natsUs: us(first.nats, last.nats),
      writerUs: us(first.self, last.self),
      workerRssMiB: Math.max(...children.map((c) => memoryOf(c.pid, 'VmHWM'))) / 2 ** 20,
    };
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(
      children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))),
    );
    await writer.stop();
    await store.close();
    return result;
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await bus.close();
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (!natsPresent)
    throw new Error('the cluster benchmark needs /usr/sbin/nats-server (apt-get install nats-server)');
  const a = args(process.argv.slice(2));
  const base = generateSampleEvents({ now: Date.now(), seed: 1, background: 50_000 });
  const records = Array.from({ length: a.events }, (_, i) => base[i % base.length]!);
  const lines = records.map((r) => JSON.stringify(r));
  const bytes = lines.reduce((n, l) => n + l.length + 1, 0);
  const t = performance.now();
  for (const l of lines) JSON.parse(l);
  const parsePerS = a.events / ((performance.now() - t) / 1000);
  console.log(
    `cluster benchmark: ${a.events} generated sample events (${(bytes / a.events).toFixed(0)} B each), ` +
      `${a.partitions} partitions, 3-node NATS (R3), rules: ${a.rules.length > 0 ? 'Vigil pack + SigmaHQ' : 'Vigil pack'}`,
  );
  console.log(`baseline: JSON.parse ${Math.round(parsePerS).toLocaleString('en')} events/s`);
  const results: RunResult[] = [];
  for (const n of a.workers) {
    const r = await run(n, records, a.partitions, a.rules);
    results.push(r);
    console.log(
      `${n} worker${n === 1 ? ' ' : 's'}: drain ${Math.round(r.drainPerS).toLocaleString('en')} ev/s, ` +
        `all stored ${r.storedSeconds.toFixed(1)} s after starting the workers; ` +
        `publish ${Math.round(r.publishPerS).toLocaleString('en')} ev/s (NATS ${r.natsPublishUs.toFixed(0)} µs/event); ` +
        `CPU per event while draining: workers ${r.workerUs.toFixed(0)} µs, NATS ${r.natsUs.toFixed(0)} µs, writer ${r.writerUs.toFixed(0)} µs; ` +
        `worker peak RSS ${r.workerRssMiB.toFixed(0)} MiB`,
    );
  }
  const one = results.find((r) => r.workers === 1);
  if (one !== undefined)
    for (const r of results)
      console.log(
        `scaling ${r.workers}/1: ${(r.drainPerS / one.drainPerS).toFixed(2)}× (ideal ${r.workers}×)`,
      );
  const perCore = 1e6 / Math.min(...results.map((r) => r.workerUs));
  console.log(
    `one worker core carries ~${Math.round(perCore).toLocaleString('en')} ev/s; ` +
      `${(parsePerS / perCore).toFixed(0)}× slower than JSON.parse alone`,
  );
  console.log(JSON.stringify({ parsePerS, results }));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
