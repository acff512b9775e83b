/**
 * Ingest benchmark: a real `vigil serve` (embedded store, full SigmaHQ rule set) fed NDJSON over
 * HTTP until every event is stored, against the same bodies through JSON.parse alone, measured in
 * the same run.
 *
 *   npm run bench:ingest -- [--events N] [--batch N] [--concurrency N] [--rules DIR]... [--source otrf|sample] [--profile DIR] [--node-arg ARG]... [--server-log FILE]
 *
 * Events are the OTRF Security-Datasets recordings in ../shared/corpus (real Windows telemetry),
 * repeated to reach --events; without the corpus, Vigil's generated sample events. Prints the
 * acknowledged and the stored rate (events/s, MB/s), the server's peak RSS, and checks that the
 * store holds exactly the events sent.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSampleEvents } from '../src/demo/sample-events.js';
import { SIGMAHQ_RULE_TREES } from '../src/detect/sigma/load.js';
import { cpuOf, memoryOf, threadsOf } from './proc.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, here.includes('dist') ? '../..' : '..');
const corpus = resolve(root, '../shared/corpus');
const TOKEN = `vgl_bench_${'x'.repeat(40)}`;

function args(argv: string[]) {
  let events = 600_000;
  let batch = 5000;
  let concurrency = 2;
  const rules: string[] = [];
  let profile: string | null = null;
  const nodeArgs: string[] = [];
  let serverLog: string | null = null;
  let source: 'otrf' | 'sample' = 'otrf';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--profile') profile = resolve(argv[++i]!);
    else if (a === '--node-arg') nodeArgs.push(argv[++i]!);
    else if (a === '--server-log') serverLog = resolve(argv[++i]!);
    else if (a === '--source') source = argv[++i] === 'sample' ? 'sample' : 'otrf';
    else if (a === '--events') events = Number(argv[++i]);
    else if (a === '--batch') batch = Number(argv[++i]);
    else if (a === '--concurrency') concurrency = Number(argv[++i]);
    else if (a === '--rules') rules.push(argv[++i]!);
    else throw new Error(`unknown argument ${a}`);
  }
  if (rules.length === 0 && existsSync(join(corpus, 'sigma')))
    rules.push(...SIGMAHQ_RULE_TREES.map((t) => join(corpus, 'sigma', t)).filter((d) => existsSync(d)));
  return { events, batch, concurrency, rules, profile, source, nodeArgs, serverLog };
}

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

/** One JSON event per line: the OTRF recordings, or generated events without the corpus. */
function eventLines(want: 'otrf' | 'sample'): { lines: string[]; source: string } {
  const otrf = join(corpus, 'otrf');
  if (want === 'otrf' && existsSync(otrf)) {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-otrf-'));
    try {
      for (const f of walk(otrf)) {
        if (f.endsWith('.zip')) execFileSync('unzip', ['-o', '-q', f, '-d', dir]);
        else if (f.endsWith('.tar.gz'))
          try {
            execFileSync('tar', ['xzf', f, '-C', dir], { stdio: 'ignore' });
          } catch {
            // some archives in the corpus end early: what they hold is still read
          }
      }
      const lines: string[] = [];
      for (const f of walk(dir).filter((x) => x.endsWith('.json')))
        for (const l of readFileSync(f, 'utf8').split('\n'))
          if (l.trim().startsWith('{')) lines.push(l.trim());
      if (lines.length > 0) return { lines, source: 'OTRF Security-Datasets' };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const events = generateSampleEvents({ now: Date.now(), seed: 1, background: 50_000 });
  return { lines: events.map((e) => JSON.stringify(e)), source: 'generated sample events' };
}

/**
 * Where the server's CPU went between two samples of its threads. Node names none of its threads,
 * so the busiest one besides the main thread is taken to be the enrich worker; the rest are V8's
 * garbage-collection helpers and libuv's pool. ClickHouse names its threads.
 */
function threadShares(
  pid: number,
  before: Map<string, { name: string; cpu: number }>,
  after: Map<string, { name: string; cpu: number }>,
): string {
  const used: { tid: string; name: string; cpu: number }[] = [];
  for (const [tid, t] of after) used.push({ tid, name: t.name, cpu: t.cpu - (before.get(tid)?.cpu ?? 0) });
  const node = used.filter((t) => t.name === 'node' && t.tid !== String(pid)).sort((a, b) => b.cpu - a.cpu);
  const sum = (ts: { cpu: number }[]) => ts.reduce((n, t) => n + t.cpu, 0);
  const parts = [
    ['main thread', sum(used.filter((t) => t.tid === String(pid)))],
    ['enrich worker', node[0]?.cpu ?? 0],
    ['GC helpers and libuv', sum(node.slice(1))],
    ['ClickHouse', sum(used.filter((t) => t.name !== 'node'))],
  ] as const;
  // Threads that ended between the samples are missing: the total is a lower bound.
  return parts.map(([name, cpu]) => `${name} ${cpu.toFixed(1)} s`).join(', ');
}

async function api(base: string, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${base}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${TOKEN}`, ...(init.headers as Record<string, string>) },
  });
}

async function main(): Promise<void> {
  const a = args(process.argv.slice(2));
  const { lines, source } = eventLines(a.source);
  const bodies: Buffer[] = [];
  let sent = 0;
  for (let i = 0; sent < a.events; i += a.batch) {
    const chunk: string[] = [];
    for (let j = 0; j < a.batch && sent < a.events; j++, sent++) chunk.push(lines[(i + j) % lines.length]!);
    bodies.push(Buffer.from(chunk.join('\n') + '\n'));
  }
  const bytes = bodies.reduce((n, b) => n + b.length, 0);
  console.log(
    `ingest benchmark: ${a.events} events (${source}, ${lines.length} distinct), ${(bytes / 1e6).toFixed(1)} MB in ${bodies.length} NDJSON bodies, ${a.concurrency} in flight`,
  );

  // Baseline: the same bodies through JSON.parse alone.
  const parseTimes: number[] = [];
  for (let round = 0; round < 3; round++) {
    const t = performance.now();
    let n = 0;
    for (const b of bodies)
      for (const l of b.toString('utf8').split('\n')) if (l !== '') n += JSON.parse(l) ? 1 : 0;
    parseTimes.push((performance.now() - t) / 1000);
    if (n !== a.events) throw new Error('baseline miscounted');
  }
  const parseSeconds = parseTimes.sort((x, y) => x - y)[1]!;

  const data = mkdtempSync(join(tmpdir(), 'vigil-bench-ingest-'));
  const cli = join(root, 'dist/src/cli/main.js');
  const rulesArgs = a.rules.length > 0 ? ['--rules', ...a.rules] : [];
  const nodeArgs = [...a.nodeArgs, ...(a.profile ? ['--cpu-prof', '--cpu-prof-dir', a.profile] : [])];
  const child = spawn(
    process.execPath,
    [...nodeArgs, cli, 'serve', '--data', data, '--port', '0', ...rulesArgs],
    {
      env: { ...process.env, VIGIL_ADMIN_TOKEN: TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let log = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (log += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (log += d));
  try {
    const base = await new Promise<string>((ok, fail) => {
      const timer = setInterval(() => {
        const m = /listening on (http:\/\/\S+)/.exec(log);
        if (m) {
          clearInterval(timer);
          ok(m[1]!);
        }
        if (child.exitCode !== null) fail(new Error(`vigil serve exited:\n${log}`));
      }, 50);
    });
    console.log(log.split('\n').find((l) => l.includes('rules:')) ?? '');
    let peakRss = memoryOf(child.pid!, 'VmRSS');
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, memoryOf(child.pid!, 'VmRSS'))), 200);

    let next = 0;
    let retries = 0;
    const t0 = performance.now();
    const cpu0 = cpuOf(child.pid!);
    const threads0 = threadsOf(child.pid!);
    const sender = async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        for (;;) {
          const r = await api(base, '/api/v1/ingest', {
            method: 'POST',
            body,
            headers: { 'content-type': 'application/x-ndjson' },
          });
          const text = await r.text();
          if (r.status === 200) break;
          if (r.status !== 429 && r.status !== 503) throw new Error(`ingest answered ${r.status}: ${text}`);
          retries++;
          await new Promise((ok) => setTimeout(ok, 100 * Number(r.headers.get('retry-after') ?? 1)));
        }
      }
    };
    await Promise.all(Array.from({ length: a.concurrency }, sender));
    const acked = (performance.now() - t0) / 1000;
    let stored = 0;
    let pipeline = { enrichMs: 0, insertMs: 0 };
    for (;;) {
      const s = (await (await api(base, '/api/v1/status')).json()) as {
        pipeline: {
          events: number;
          backlogBytes: number;
          lastError: string | null;
          enrichMs: number;
          insertMs: number;
        };
      };
      pipeline = s.pipeline;
      if (s.pipeline.lastError) throw new Error(`pipeline: ${s.pipeline.lastError}`);
      if (s.pipeline.events >= a.events && s.pipeline.backlogBytes === 0) break;
      // Not too often: each status answer is work for the server's main thread.
      await new Promise((ok) => setTimeout(ok, 200));
    }
    stored = (performance.now() - t0) / 1000;
    const cpu1 = cpuOf(child.pid!);
    const threads1 = threadsOf(child.pid!);
    const cpuUser = cpu1.user - cpu0.user;
    const cpuSys = cpu1.sys - cpu0.sys;
    clearInterval(sampler);
    const count = (await (
      await api(base, '/api/v1/search?from=1970-01-01T00:00:00Z&to=2200-01-01T00:00:00Z&limit=0')
    ).json()) as { total: number };
    const alerts = (await (
      await api(base, '/api/v1/alerts?from=1970-01-01T00:00:00Z&to=2200-01-01T00:00:00Z&limit=0')
    ).json()) as { total: number };
    const storeBytes = walk(join(data, 'store')).reduce((n, f) => n + statSync(f).size, 0);

    const mb = bytes / 1e6;
    const row = (name: string, s: number) =>
      `${name.padEnd(26)} ${(a.events / s).toFixed(0).padStart(8)} events/s  ${(mb / s).toFixed(1).padStart(6)} MB/s  ${s.toFixed(2).padStart(7)} s`;
    console.log(row('JSON.parse alone', parseSeconds));
    console.log(row('acknowledged (durable)', acked));
    console.log(row('stored with detection', stored));
    console.log(
      `stored / JSON.parse = ${((parseSeconds / stored) * 100).toFixed(1)}%; ${retries} requests asked to retry; server peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB; store ${(storeBytes / 1e6).toFixed(0)} MB on disk`,
    );
    console.log(
      `pipeline waited ${(pipeline.enrichMs / 1000).toFixed(1)} s for normalize/detect/rows and ${(pipeline.insertMs / 1000).toFixed(1)} s for inserts`,
    );
    console.log(
      `server CPU while ingesting: ${cpuUser.toFixed(1)} s user + ${cpuSys.toFixed(1)} s system = ${(((cpuUser + cpuSys) / a.events) * 1e6).toFixed(0)} µs per event (${((cpuUser + cpuSys) / stored).toFixed(2)} cores busy)`,
    );
    console.log(`  by thread: ${threadShares(child.pid!, threads0, threads1)}`);
    console.log(`store holds ${count.total} events (sent ${a.events}) and ${alerts.total} alerts`);
    if (count.total !== a.events) throw new Error(`the store holds ${count.total} events, not ${a.events}`);
    console.log(
      `RESULT ${JSON.stringify({
        events: a.events,
        mb,
        parseEventsPerSecond: Math.round(a.events / parseSeconds),
        ackedEventsPerSecond: Math.round(a.events / acked),
        storedEventsPerSecond: Math.round(a.events / stored),
        storedMBPerSecond: Number((mb / stored).toFixed(1)),
        ratioToParse: Number((parseSeconds / stored).toFixed(4)),
        serverPeakRssMiB: Math.round(peakRss / 2 ** 20),
        alerts: alerts.total,
        retries,
        enrichSeconds: Number((pipeline.enrichMs / 1000).toFixed(1)),
        insertSeconds: Number((pipeline.insertMs / 1000).toFixed(1)),
        serverCpuUsPerEvent: Math.round(((cpuUser + cpuSys) / a.events) * 1e6),
        serverSysSeconds: Number(cpuSys.toFixed(1)),
        rules: a.rules.length > 0 ? 'SigmaHQ' : 'Vigil pack',
      })}`,
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((ok) => child.once('exit', ok));
    if (a.serverLog) writeFileSync(a.serverLog, log);
    rmSync(data, { recursive: true, force: true });
  }
}

await main();
