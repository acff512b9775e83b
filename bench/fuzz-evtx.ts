/**
 * Long-running EVTX fuzzer: mutated and truncated copies of real files, read and rendered fully.
 *
 *   npm run fuzz -- [--seconds 300] [--seed N] [--cases N] [files or folders...]
 *
 * Defaults to every .evtx under ../shared/corpus/evtx-samples. A failing case is written to
 * bench/out/ with its seed and mutation so that it can be replayed.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expandInputs } from '../src/cli/paths.js';
import { mutate, prng, readHostile } from '../src/ingest/evtx/mutate.js';

const here = dirname(fileURLToPath(import.meta.url));
const SECTIONS = new Set(['System', 'EventData', 'UserData']);

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let seconds = 60;
  let seed = Date.now() >>> 0;
  let cases = Infinity;
  const inputs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--seconds') seconds = Number(argv[++i]);
    else if (a === '--seed') seed = Number(argv[++i]);
    else if (a === '--cases') cases = Number(argv[++i]);
    else inputs.push(a);
  }
  if (inputs.length === 0) inputs.push(resolve(here, '../../../shared/corpus/evtx-samples'));
  const { files } = await expandInputs(inputs, ['.evtx']);
  if (files.length === 0) {
    console.error('fuzz: no .evtx seed files (is ../shared/corpus present?)');
    process.exitCode = 2;
    return;
  }
  const seeds = files.map((f) => readFileSync(f));
  const random = prng(seed);
  const deadline = performance.now() + seconds * 1000;
  let n = 0;
  let records = 0;
  let errors = 0;
  console.log(`fuzzing ${files.length} seed files for ${seconds} s, seed ${seed}`);
  while (n < cases && performance.now() < deadline) {
    const which = Math.floor(random() * seeds.length);
    const { bytes, mutation } = mutate(seeds[which]!, random);
    try {
      const out = readHostile(bytes, SECTIONS);
      records += out.records;
      errors += out.errors;
    } catch (e) {
      const outDir = join(here, '../../bench/out');
      mkdirSync(outDir, { recursive: true });
      const path = join(outDir, `fuzz-failure-${seed}-${n}.evtx`);
      writeFileSync(path, bytes);
      console.error(
        `case ${n} (seed ${seed}, ${mutation} of ${files[which]}) failed; input saved to ${path}\n${(e as Error).stack}`,
      );
      process.exitCode = 1;
      return;
    }
    n++;
  }
  const elapsed = seconds - (deadline - performance.now()) / 1000;
  console.log(
    `${n} cases in ${elapsed.toFixed(1)} s (${(n / elapsed).toFixed(0)} cases/s): ${records} records read, ${errors} losses reported, no crash`,
  );
}

await main();
