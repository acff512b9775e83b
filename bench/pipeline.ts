/**
 * The live pipeline's stages, one at a time, in this process: where an ingested event's CPU goes.
 * The same code the server runs (BatchEnricher on a worker, then correlation, analytics and
 * incidents on the main thread, then the embedded store's inserts), without HTTP and the ingest
 * log, which `bench:ingest` measures end to end.
 *
 *   npm run bench:pipeline -- [--events N] [--batch N] [--rules DIR]... [--source sample|otrf]
 *
 * Each stage reports µs of CPU per event (the store's includes ClickHouse's own threads), the
 * garbage collection inside it, and the events/s one core would reach; the baseline is JSON.parse
 * of the same lines, measured in the same run. A first pass over other event ids warms the JIT.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { IncidentService } from '../src/correlate/index.js';
import { generateSampleEvents } from '../src/demo/sample-events.js';
import { Detector } from '../src/detect/hunt/detector.js';
import { Correlator } from '../src/detect/sigma/correlation/engine.js';
import { loadRules, SIGMAHQ_RULE_TREES } from '../src/detect/sigma/load.js';
import { ColumnMapper, Mappings } from '../src/normalize/index.js';
import { correlateHits, type HitInfo } from '../src/pipeline/alerts.js';
import { AnalyticsStage } from '../src/pipeline/analytics-stage.js';
import { BatchEnricher, type EnrichedBatch } from '../src/pipeline/enrich.js';
import { insertEvents, openStore } from '../src/store/index.js';
import type { IncidentInput, CorrelationAlert } from '../src/correlate/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, here.includes('dist') ? '../..' : '..');
const corpus = resolve(root, '../shared/corpus');

function args(argv: string[]) {
  let events = 50_000;
  let batch = 5000;
  let source: 'sample' | 'otrf' = 'sample';
  const rules: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--events') events = Number(argv[++i]);
    else if (a === '--batch') batch = Number(argv[++i]);
    else if (a === '--rules') rules.push(argv[++i]!);
    else if (a === '--source') source = argv[++i] === 'otrf' ? 'otrf' : 'sample';
    else throw new Error(`unknown argument ${a}`);
  }
  if (rules.length === 0 && existsSync(join(corpus, 'sigma')))
    rules.push(...SIGMAHQ_RULE_TREES.map((t) => join(corpus, 'sigma', t)).filter((d) => existsSync(d)));
  return { events, batch, rules, source };
}

function otrfLines(): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-otrf-'));
  const walk = (d: string, out: string[] = []): string[] => {
    for (const e of readdirSync(d, { withFileTypes: true }))
      if (e.isDirectory()) walk(join(d, e.name), out);
      else out.push(join(d, e.name));
    return out;
  };
  try {
    for (const f of walk(join(corpus, 'otrf')).filter((x) => x.endsWith('.zip')))
      execFileSync('unzip', ['-o', '-q', f, '-d', dir]);
    const lines: string[] = [];
    for (const f of walk(dir).filter((x) => x.endsWith('.json')))
      for (const l of readFileSync(f, 'utf8').split('\n')) if (l.trim().startsWith('{')) lines.push(l.trim());
    return lines;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ['gc'] });

interface Measured {
  cpuUs: number;
  gcMs: number;
}

async function measure(work: () => unknown): Promise<Measured> {
  const gc0 = gcMs;
  const c0 = process.cpuUsage();
  await work();
  const c = process.cpuUsage(c0);
  // GC entries are delivered asynchronously.
  await new Promise((r) => setTimeout(r, 100));
  return { cpuUs: c.user + c.system, gcMs: gcMs - gc0 };
}

async function main(): Promise<void> {
  const a = args(process.argv.slice(2));
  const distinct =
    a.source === 'otrf' && existsSync(join(corpus, 'otrf'))
      ? otrfLines()
      : generateSampleEvents({ now: Date.now(), seed: 1, background: 50_000 }).map((e) => JSON.stringify(e));
  const lines = Array.from({ length: a.events }, (_, i) => distinct[i % distinct.length]!);
  const bytes = lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
  const loaded = await loadRules(a.rules);
  const mappings = Mappings.load();
  const detector = new Detector(loaded.rules, mappings);
  console.log(
    `pipeline stages: ${a.events} events (${a.source}, ${distinct.length} distinct, ${(bytes / a.events).toFixed(0)} B each), ${detector.compiledRuleCount} rules, batches of ${a.batch}`,
  );
  const batches: string[][] = [];
  for (let i = 0; i < lines.length; i += a.batch) batches.push(lines.slice(i, i + a.batch));

  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-pipeline-'));
  const store = await openStore({ dataDir: dir, retentionDays: 0 });
  try {
    const enricher = new BatchEnricher(detector, mappings, ColumnMapper.load());
    const enrichAll = (segment: number): EnrichedBatch[] => {
      const now = Date.now();
      return batches.map((b, i) =>
        enricher.enrich(
          { tenant: 'default', received: now, via: 'bench', lines: b },
          { segment, offset: i },
          now,
        ),
      );
    };
    enrichAll(1); // warm-up: the JIT, and each bucket's automata

    const parse = await measure(() => {
      for (const l of lines) JSON.parse(l);
    });
    let enriched: EnrichedBatch[] = [];
    const enrich = await measure(() => (enriched = enrichAll(2)));

    const correlator = new Correlator<HitInfo>(detector.rules);
    const analytics = new AnalyticsStage();
    const incidents = new IncidentService(store);
    const alertRows: string[] = [];
    const inputs: IncidentInput[] = [];
    const now = Date.now();
    const correlate = await measure(() => {
      for (const e of enriched) {
        for (const row of e.alerts) alertRows.push(row);
        const found: CorrelationAlert[] = [...e.incidentAlerts];
        correlateHits(correlator, e.tenant, e.hits, now, alertRows, found);
        inputs.push({ tenant: e.tenant, facts: e.facts, alerts: found });
      }
    });
    const analytic = await measure(() => {
      for (const [i, e] of enriched.entries()) {
        const out = analytics.run(e.tenant, e.analytic, now);
        alertRows.push(...out.rows);
        (inputs[i]!.alerts as CorrelationAlert[]).push(...out.alerts);
      }
    });
    const link = await measure(async () => {
      for (const input of inputs) await incidents.record([input], now);
      await incidents.flush(now);
    });
    const insertAlerts = await measure(() =>
      store.insert('alerts', Buffer.from(alertRows.join('\n')), { dedupToken: 'bench-a' }),
    );
    const insert = await measure(() =>
      insertEvents(
        store,
        enriched.map((e) => e.events),
        'bench-e',
      ),
    );
    const stored = await store.query<{ n: string }>('SELECT count() AS n FROM events');
    if (Number(stored[0]!.n) !== a.events) throw new Error(`stored ${stored[0]!.n} events, not ${a.events}`);

    const rows: [string, Measured][] = [
      ['JSON.parse (baseline)', parse],
      ['normalize → detect → rows', enrich],
      ['Sigma correlations', correlate],
      ['analytics', analytic],
      ['incidents', link],
      ['store: alerts', insertAlerts],
      ['store: events', insert],
    ];
    const perEvent = (m: Measured) => m.cpuUs / a.events;
    console.log(
      `${'stage'.padEnd(28)} ${'µs/event'.padStart(9)} ${'GC ms'.padStart(7)} ${'events/s/core'.padStart(14)}`,
    );
    for (const [name, m] of rows)
      console.log(
        `${name.padEnd(28)} ${perEvent(m).toFixed(1).padStart(9)} ${m.gcMs.toFixed(0).padStart(7)} ${Math.round(
          1e6 / perEvent(m),
        )
          .toString()
          .padStart(14)}`,
      );
    const total = rows.slice(1).reduce((s, [, m]) => s + perEvent(m), 0);
    const alerts = alertRows.length;
    console.log(
      `all stages ${total.toFixed(1)} µs/event: ${Math.round(1e6 / total)} events/s per core, ${Math.round((2 * 1e6) / total)} on 2 cores if nothing else ran; ${alerts} alert rows; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
    );
    console.log(
      `RESULT ${JSON.stringify({
        events: a.events,
        source: a.source,
        parseUs: perEvent(parse),
        enrichUs: perEvent(enrich),
        correlateUs: perEvent(correlate),
        analyticsUs: perEvent(analytic),
        incidentsUs: perEvent(link),
        insertAlertsUs: perEvent(insertAlerts),
        insertEventsUs: perEvent(insert),
        totalUs: total,
        alerts,
      })}`,
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
