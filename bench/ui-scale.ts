/**
 * UI at scale: does the analyst's UI stay responsive with 100k alerts? A real `vigil serve` is fed
 * process starts that 25 bench rules turn into alerts on 500 hosts: first 1,000 (the baseline),
 * then up to --alerts. At each size it times the API calls the pages make (median of 5) and, with
 * Debian's chromium, each page in a real browser from navigation to its rows on screen, with the
 * page's JS heap.
 *
 *   npm run bench:ui -- [--alerts N]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { memoryOf } from './proc.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, here.includes('dist') ? '../..' : '..');
const TOKEN = `vgl_bench_${'u'.repeat(40)}`;
const CHROMIUM = '/usr/bin/chromium';
const RULES = 25;
const HOSTS = 500;
const BASELINE = 1_000;

function alertsWanted(argv: string[]): number {
  const i = argv.indexOf('--alerts');
  const n = i >= 0 ? Number(argv[i + 1]) : 100_000;
  if (!Number.isSafeInteger(n) || n <= BASELINE) throw new Error(`--alerts must be above ${BASELINE}`);
  return n;
}

/** Rule k fires on tool<k>.exe: 25 rules, so grouping by rule has 25 rows, by host 500. */
function writeRules(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (let k = 0; k < RULES; k++)
    writeFileSync(
      join(dir, `bench-${k}.yml`),
      [
        `title: Bench tool ${k} started`,
        `id: 00000000-0000-4000-8000-${String(k).padStart(12, '0')}`,
        'status: test',
        `level: ${['low', 'medium', 'high'][k % 3]}`,
        'tags: [attack.execution, attack.t1204]',
        'logsource: { product: windows, category: process_creation }',
        'detection:',
        `  selection: { Image|endswith: '\\tool${k}.exe' }`,
        '  condition: selection',
      ].join('\n'),
    );
}

function events(from: number, to: number, now: number): Buffer {
  const lines: string[] = [];
  for (let i = from; i < to; i++) {
    const host = `ws${String(i % HOSTS).padStart(4, '0')}.bench.internal`;
    lines.push(
      JSON.stringify({
        Channel: 'Microsoft-Windows-Sysmon/Operational',
        EventID: 1,
        Hostname: host,
        EventTime: new Date(now - (to - i) * 500).toISOString(),
        RecordNumber: i + 1,
        Image: `C:\\Tools\\tool${i % RULES}.exe`,
        CommandLine: `tool${i % RULES}.exe --run ${i}`,
        ProcessId: 1000 + (i % 50_000),
        ParentImage: 'C:\\Windows\\explorer.exe',
        User: `BENCH\\user${i % 97}`,
      }),
    );
  }
  return Buffer.from(lines.join('\n') + '\n');
}

const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function api(base: string, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, ...init.headers } });
}

async function ingest(base: string, from: number, to: number, now: number): Promise<void> {
  for (let at = from; at < to; at += 5000) {
    const body = events(at, Math.min(to, at + 5000), now);
    for (;;) {
      let r: Response;
      try {
        r = await api(base, '/api/v1/ingest', {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/x-ndjson' },
        });
        await r.text();
      } catch (e) {
        // A kept-alive connection the server closed while the browser was measuring: send again
        // (at worst a body counts twice, which only adds alerts).
        if ((e as { cause?: { code?: string } }).cause?.code !== 'ECONNRESET') throw e;
        continue;
      }
      if (r.ok) break;
      if (r.status !== 429 && r.status !== 503) throw new Error(`ingest answered ${r.status}`);
      await new Promise((ok) => setTimeout(ok, 200));
    }
  }
  // Stored, alerted, and the incidents written.
  for (let waited = 0; ; waited += 250) {
    if (waited > 600_000) throw new Error('the pipeline did not settle in 10 minutes');
    const s = (await (await api(base, '/api/v1/status')).json()) as {
      pipeline: { backlogBytes: number; alerts: number };
      incidents: { unwritten: number };
    };
    if (s.pipeline.backlogBytes === 0 && s.incidents.unwritten === 0 && s.pipeline.alerts >= to) return;
    await new Promise((ok) => setTimeout(ok, 250));
  }
}

const CALLS = [
  '/api/v1/overview?from=now-7d&to=now',
  '/api/v1/alerts/groups?by=rule&from=now-7d&to=now',
  '/api/v1/alerts/groups?by=host&from=now-7d&to=now',
  '/api/v1/alerts?from=now-7d&to=now&limit=50',
  '/api/v1/incidents?from=now-7d&to=now&limit=50',
];

async function timeCalls(base: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const path of CALLS) {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      const r = await api(base, path);
      await r.arrayBuffer();
      if (!r.ok) throw new Error(`${path} answered ${r.status}`);
      times.push(performance.now() - t);
    }
    out.set(
      path.split('?')[0]!.replace('/api/v1/', '') + (path.includes('by=host') ? ' by host' : ''),
      median(times),
    );
  }
  return out;
}

const PAGES: [string, string][] = [
  ['overview', '#/overview?from=now-7d'],
  ['incidents', '#/incidents'],
  ['alerts by rule', '#/alerts?by=rule&from=now-7d'],
  ['alerts by host', '#/alerts?by=host&from=now-7d'],
];
const READY: Record<string, string> = {
  overview: '#open-incidents',
  incidents: '#incidents tbody tr',
  'alerts by rule': '#alert-groups tbody tr',
  'alerts by host': '#alert-groups tbody tr',
};

async function timePages(page: Page, base: string): Promise<Map<string, { ms: number; heap: number }>> {
  const out = new Map<string, { ms: number; heap: number }>();
  for (const [name, hash] of PAGES) {
    const times: number[] = [];
    let heap = 0;
    for (let i = 0; i < 3; i++) {
      await page.goto(`${base}/#/settings`);
      await page.waitForSelector('h1:has-text("Settings")');
      const t = performance.now();
      await page.goto(`${base}/${hash}`);
      await page.waitForSelector(READY[name]!);
      times.push(performance.now() - t);
      heap = Math.max(heap, (await page.evaluate('performance.memory?.usedJSHeapSize ?? 0')) as number);
    }
    out.set(name, { ms: median(times), heap });
  }
  return out;
}

async function main(): Promise<void> {
  const wanted = alertsWanted(process.argv.slice(2));
  const data = mkdtempSync(join(tmpdir(), 'vigil-bench-ui-'));
  writeRules(join(data, 'bench-rules'));
  const child = spawn(
    process.execPath,
    [
      join(root, 'dist/src/cli/main.js'),
      'serve',
      '--data',
      data,
      '--port',
      '0',
      '--rules',
      join(data, 'bench-rules'),
    ],
    { env: { ...process.env, VIGIL_ADMIN_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (log += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (log += d));
  const browser = existsSync(CHROMIUM)
    ? await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu'],
      })
    : null;
  try {
    const base = await new Promise<string>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`vigil serve did not start:\n${log}`)), 60_000);
      child.stdout.on('data', () => {
        const m = /listening on (http:\/\/\S+)/.exec(log);
        if (m) {
          clearTimeout(timer);
          ok(m[1]!);
        }
      });
    });
    const page = browser === null ? null : await browser.newPage({ viewport: { width: 1366, height: 768 } });
    if (page !== null) {
      await page.goto(base);
      await page.evaluate(`sessionStorage.setItem('vigil.token', ${JSON.stringify(TOKEN)})`);
    }
    const now = Date.now();
    const measured: {
      alerts: number;
      calls: Map<string, number>;
      pages: Map<string, { ms: number; heap: number }> | null;
    }[] = [];
    let have = 0;
    for (const size of [BASELINE, wanted]) {
      const t = performance.now();
      await ingest(base, have, size, now);
      console.log(
        `${size.toLocaleString()} alerts stored in ${((performance.now() - t) / 1000).toFixed(1)} s`,
      );
      have = size;
      measured.push({
        alerts: size,
        calls: await timeCalls(base),
        pages: page === null ? null : await timePages(page, base),
      });
    }
    const [small, big] = measured as [(typeof measured)[0], (typeof measured)[0]];
    console.log(
      `\nAPI (median of 5, ms)     ${BASELINE.toLocaleString().padStart(8)} ${wanted.toLocaleString().padStart(9)}   ratio`,
    );
    for (const [name, ms] of big.calls) {
      const before = small.calls.get(name)!;
      console.log(
        `  ${name.padEnd(22)} ${before.toFixed(0).padStart(8)} ${ms.toFixed(0).padStart(9)}   ${(ms / before).toFixed(2)}×`,
      );
    }
    if (small.pages !== null && big.pages !== null) {
      console.log(`\npages in chromium (median of 3, navigation to rows on screen, ms; JS heap MiB)`);
      for (const [name, p] of big.pages) {
        const before = small.pages.get(name)!;
        console.log(
          `  ${name.padEnd(22)} ${before.ms.toFixed(0).padStart(8)} ${p.ms.toFixed(0).padStart(9)}   ${(p.ms / before.ms).toFixed(2)}×   heap ${(before.heap / 2 ** 20).toFixed(1)} → ${(p.heap / 2 ** 20).toFixed(1)}`,
        );
      }
    } else console.log(`\n(no ${CHROMIUM}: page timings skipped)`);
    console.log(`\nserver RSS ${(memoryOf(child.pid!, 'VmRSS') / 2 ** 20).toFixed(0)} MiB`);
  } catch (e) {
    console.error(`server output (last 4 KB):\n${log.slice(-4096)}`);
    throw e;
  } finally {
    await browser?.close();
    child.kill('SIGTERM');
    await new Promise((ok) => child.once('exit', ok));
    rmSync(data, { recursive: true, force: true });
  }
}

await main();
