/**
 * EVTX parsing benchmark: Vigil against python-evtx on the same files, in the same run.
 *
 *   npm run bench -- [--rounds N] [--python-seconds S] [files or folders...]
 *
 * Defaults to the real logs in ../shared/corpus/evtx-samples. Each round reads the file list as
 * many times as it takes to reach --min-records (default 150k), so that rates reflect a long run
 * (JIT and heap in steady state), as when hunting through a folder of logs. Reports records/s, MB/s and peak RSS for decoding
 * alone, decoding + JSON objects, JSONL text and XML text, on one core (one thread), and the ratio
 * to python-evtx (Debian's python3-evtx under /usr/bin/python3) rendering XML.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expandInputs } from '../src/cli/paths.js';
import { readEvtxChunks, stringifyJson } from '../src/ingest/evtx/index.js';

type Mode = 'decode' | 'json' | 'jsonl' | 'xml';

interface Measure {
  records: number;
  bytes: number;
  seconds: number;
}

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');

function parseArgs(argv: string[]): {
  rounds: number;
  pythonSeconds: number;
  minRecords: number;
  inputs: string[];
} {
  let rounds = 5;
  let minRecords = 150_000;
  let pythonSeconds = 20;
  const inputs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--rounds') rounds = Number(argv[++i]);
    else if (a === '--python-seconds') pythonSeconds = Number(argv[++i]);
    else if (a === '--min-records') minRecords = Number(argv[++i]);
    else inputs.push(a);
  }
  if (inputs.length === 0) inputs.push(resolve(root, '../shared/corpus/evtx-samples'));
  return { rounds, pythonSeconds, minRecords, inputs };
}

async function runVigil(files: string[], mode: Mode): Promise<Measure> {
  let records = 0;
  let bytes = 0;
  let sink = 0;
  const start = process.hrtime.bigint();
  for (const file of files) {
    bytes += statSync(file).size;
    for await (const batch of readEvtxChunks(file)) {
      for (const item of batch) {
        if (!item.ok) continue;
        records++;
        if (mode === 'json') sink += Object.keys(item.value.toJSON()).length;
        else if (mode === 'jsonl') sink += stringifyJson(item.value.toJSON()).length;
        else if (mode === 'xml') sink += item.value.toXml().length;
      }
    }
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (sink < 0) console.log(sink); // keeps the work observable to the optimizer
  return { records, bytes, seconds };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function runPython(files: string[], seconds: number): (Measure & { files: string[] }) | string {
  const python = '/usr/bin/python3';
  if (!existsSync(python)) return 'no /usr/bin/python3';
  const probe = spawnSync(python, ['-c', 'import Evtx.Evtx'], { encoding: 'utf8' });
  if (probe.status !== 0) return 'python3-evtx is not installed (apt-get install python3-evtx)';
  const run = spawnSync(python, [join(here, '../../bench/python-evtx.py'), String(seconds), ...files], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (run.status !== 0) return `python-evtx failed: ${run.stderr.slice(0, 500)}`;
  const out = JSON.parse(run.stdout) as { records: number; seconds: number; files: string[] };
  return { records: out.records, bytes: 0, seconds: out.seconds, files: out.files };
}

function rate(m: Measure): { recordsPerSecond: number; mbPerSecond: number } {
  return { recordsPerSecond: m.records / m.seconds, mbPerSecond: m.bytes / 1e6 / m.seconds };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const { files } = await expandInputs(args.inputs, ['.evtx']);
  if (files.length === 0) {
    console.error('bench: no .evtx files found (is ../shared/corpus present?)');
    process.exitCode = 2;
    return;
  }
  const totalBytes = files.reduce((n, f) => n + statSync(f).size, 0);
  const once = await runVigil(files, 'decode');
  const repeat = Math.max(1, Math.ceil(args.minRecords / Math.max(1, once.records)));
  const workload = Array.from({ length: repeat }, () => files).flat();
  console.log(
    `EVTX benchmark: ${files.length} files, ${(totalBytes / 1e6).toFixed(1)} MB, ${once.records} records, ` +
      `read ${repeat}x per round; ${args.rounds} rounds; one thread`,
  );
  const results: Record<string, unknown> = {};
  for (const mode of ['decode', 'json', 'jsonl', 'xml'] as Mode[]) {
    const runs: Measure[] = [];
    await runVigil(workload, mode); // warm-up round for this mode's code paths
    for (let i = 0; i < args.rounds; i++) runs.push(await runVigil(workload, mode));
    const m = { ...runs[0]!, seconds: median(runs.map((r) => r.seconds)) };
    const r = rate(m);
    results[mode] = { ...m, ...r };
    console.log(
      `vigil ${mode.padEnd(6)} ${m.records} records  ${r.recordsPerSecond.toFixed(0).padStart(8)} records/s  ${r.mbPerSecond.toFixed(1).padStart(6)} MB/s (median of ${args.rounds})`,
    );
  }
  // The baseline is slow (hundreds of records/s), so it reads the files until its time budget is
  // spent; Vigil's rate on the same files in XML mode is the comparison.
  const py = runPython(files, args.pythonSeconds);
  if (typeof py === 'string') {
    console.log(`python-evtx baseline skipped: ${py}`);
    results.python = py;
  } else {
    const pyRate = py.records / py.seconds;
    // Vigil on exactly the files python-evtx read, so both rates come from the same records.
    const pyRepeat = Math.max(1, Math.ceil(args.minRecords / Math.max(1, py.records)));
    const pyWorkload = Array.from({ length: pyRepeat }, () => py.files).flat();
    const same = async (mode: Mode): Promise<number> => {
      const runs: Measure[] = [];
      for (let i = 0; i < args.rounds; i++) runs.push(await runVigil(pyWorkload, mode));
      return runs[0]!.records / median(runs.map((r) => r.seconds));
    };
    const vigilXml = await same('xml');
    const vigilJson = await same('json');
    console.log(
      `python-evtx xml   ${py.records} records  ${pyRate.toFixed(0).padStart(8)} records/s (${py.files.length} files, ${py.seconds.toFixed(1)} s)`,
    );
    console.log(
      `vigil on the same ${py.files.length} files: xml ${vigilXml.toFixed(0)} records/s, json ${vigilJson.toFixed(0)} records/s`,
    );
    console.log(
      `ratio: vigil xml / python-evtx xml = ${(vigilXml / pyRate).toFixed(0)}x; vigil json / python-evtx xml = ${(vigilJson / pyRate).toFixed(0)}x`,
    );
    results.python = {
      records: py.records,
      seconds: py.seconds,
      recordsPerSecond: pyRate,
      ratioXml: vigilXml / pyRate,
      ratioJson: vigilJson / pyRate,
    };
  }
  const rss = process.resourceUsage().maxRSS * 1024;
  console.log(`peak RSS ${(rss / 1048576).toFixed(0)} MiB`);
  results.peakRssBytes = rss;
  const outDir = join(here, '../../bench/out');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'evtx-parse.json'), JSON.stringify(results, null, 2) + '\n');
}

await main();
