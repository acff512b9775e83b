/**
 * Hunting benchmark: the full SigmaHQ rule set over every EVTX in ../shared/corpus, against
 * parsing alone on the same files in the same run.
 *
 *   npm run bench:hunt -- [--rounds N] [--min-events N] [--rules DIR]... [files or folders...]
 *
 * Prints events/s, MB/s, peak RSS, the hunt/parse-only ratio, rule load time, how many rules
 * the index lets each event skip, and the first pass (which builds each bucket's automata), on
 * one thread, then the same hunt over worker threads as `vigil hunt` runs by default.
 */
import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expandInputs } from '../src/cli/paths.js';
import { Detector } from '../src/detect/hunt/detector.js';
import { availableParallelism } from 'node:os';
import { HuntPool } from '../src/detect/hunt/pool.js';
import { hunt } from '../src/detect/hunt/run.js';
import { loadRules, SIGMAHQ_RULE_TREES } from '../src/detect/sigma/load.js';
import { readEvtxChunks } from '../src/ingest/evtx/index.js';
import { eachPrefetched } from '../src/ingest/prefetch.js';
import { Mappings } from '../src/normalize/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const corpus = resolve(here, '../../../shared/corpus');

function args(argv: string[]) {
  let rounds = 3;
  let minEvents = 150_000;
  const rules: string[] = [];
  const inputs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--rounds') rounds = Number(argv[++i]);
    else if (a === '--min-events') minEvents = Number(argv[++i]);
    else if (a === '--rules') rules.push(argv[++i]!);
    else inputs.push(a);
  }
  if (rules.length === 0) rules.push(...SIGMAHQ_RULE_TREES.map((t) => join(corpus, 'sigma', t)));
  if (inputs.length === 0) inputs.push(corpus);
  return { rounds, minEvents, rules, inputs };
}

/** Parsing alone, read the same way hunting reads (the next file prefetched). */
async function parseOnly(files: string[]): Promise<number> {
  let events = 0;
  for await (const batch of eachPrefetched(files, (f) => readEvtxChunks(f)))
    for (const r of batch)
      if (r.ok) {
        r.value.toJSON();
        events++;
      }
  return events;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const a = args(process.argv.slice(2));
  const { files } = await expandInputs(a.inputs, ['.evtx']);
  if (files.length === 0) {
    console.error('bench: no .evtx files found (is ../shared/corpus present?)');
    process.exitCode = 2;
    return;
  }
  const t0 = performance.now();
  const loaded = await loadRules(a.rules);
  const mappings = Mappings.load();
  const detector = new Detector(loaded.rules, mappings);
  const loadSeconds = (performance.now() - t0) / 1000;
  const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
  const once = await parseOnly(files);
  const repeat = Math.max(1, Math.ceil(a.minEvents / Math.max(1, once)));
  const workload = Array.from({ length: repeat }, () => files).flat();
  console.log(
    `hunt benchmark: ${files.length} EVTX files, ${(bytes / 1e6).toFixed(1)} MB, ${once} events, read ${repeat}x per round; ${a.rounds} rounds; one thread`,
  );
  console.log(
    `rules: ${loaded.rules.length} loaded, ${detector.compiledRuleCount} compiled, ${loaded.errors.length + detector.errors.length} not loaded, in ${loadSeconds.toFixed(2)} s`,
  );
  const parseTimes: number[] = [];
  const huntTimes: number[] = [];
  let detections = 0;
  let evaluations = 0;
  let events = 0;
  await parseOnly(workload); // warm-up
  // The first pass also builds each bucket's automata: what a one-pass `vigil hunt` pays.
  const firstStart = performance.now();
  await hunt(
    files,
    detector,
    { minLevel: 'informational', from: null, to: null, json: null },
    () => undefined,
  );
  const firstSeconds = (performance.now() - firstStart) / 1000;
  await hunt(
    workload,
    detector,
    { minLevel: 'informational', from: null, to: null, json: null },
    () => undefined,
  );
  for (let i = 0; i < a.rounds; i++) {
    let t = performance.now();
    events = await parseOnly(workload);
    parseTimes.push((performance.now() - t) / 1000);
    const before = detector.ruleSet.evaluations;
    t = performance.now();
    const stats = await hunt(
      workload,
      detector,
      { minLevel: 'informational', from: null, to: null, json: null },
      () => undefined,
    );
    huntTimes.push((performance.now() - t) / 1000);
    detections = stats.detections + stats.correlations;
    evaluations = detector.ruleSet.evaluations - before;
  }
  const mb = (bytes * repeat) / 1e6;
  const parseRate = events / median(parseTimes);
  const huntRate = events / median(huntTimes);
  console.log(
    `parse only  ${parseRate.toFixed(0).padStart(8)} events/s  ${(mb / median(parseTimes)).toFixed(1).padStart(6)} MB/s`,
  );
  console.log(
    `hunt        ${huntRate.toFixed(0).padStart(8)} events/s  ${(mb / median(huntTimes)).toFixed(1).padStart(6)} MB/s  ${detections} detections per round`,
  );
  console.log(
    `hunt / parse-only = ${((huntRate / parseRate) * 100).toFixed(0)}%; ${(evaluations / events).toFixed(2)} full rule evaluations per event`,
  );
  console.log(
    `first pass over the files (buckets' automata built on the way): ${(once / firstSeconds).toFixed(0)} events/s`,
  );
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (one thread)`);

  // The same hunt over worker threads, as `vigil hunt` runs by default.
  const threads = Math.max(1, Math.min(4, availableParallelism()));
  if (threads > 1) {
    const pool = new HuntPool(threads, a.rules, loaded.rules, (ls) => mappings.variants(ls));
    await pool.ready;
    const options = { minLevel: 'informational' as const, from: null, to: null, json: null, pool };
    await hunt(workload, { rules: loaded.rules }, options, () => undefined); // warm-up
    const times: number[] = [];
    for (let i = 0; i < a.rounds; i++) {
      const t = performance.now();
      await hunt(workload, { rules: loaded.rules }, options, () => undefined);
      times.push((performance.now() - t) / 1000);
    }
    await pool.close();
    const rate = events / median(times);
    console.log(
      `hunt, ${threads} worker threads: ${rate.toFixed(0)} events/s  ${(mb / median(times)).toFixed(1)} MB/s  (${((rate / parseRate) * 100).toFixed(0)}% of one-thread parse-only)`,
    );
    console.log(
      `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (this process: the one-thread rule set above, and the workers)`,
    );
  }
}

await main();
