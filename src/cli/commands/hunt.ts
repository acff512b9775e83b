import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { open, stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { availableParallelism } from 'node:os';
import { VigilError } from '../../core/errors.js';
import { loadPlaceholders } from '../../detect/sigma/placeholders.js';
import { Detector, type EventNormalizer } from '../../detect/hunt/detector.js';
import { HuntPool } from '../../detect/hunt/pool.js';
import { CSV_HEADER, csvRow, jsonLine } from '../../detect/hunt/format.js';
import { EVTX_EXTENSIONS, JSON_EXTENSIONS, type JsonSource } from '../../detect/hunt/inputs.js';
import { hunt, type HuntOutput, type HuntRules } from '../../detect/hunt/run.js';
import { formatNumber, statsText, summaryTable } from '../../detect/hunt/summary.js';
import { loadRules } from '../../detect/sigma/load.js';
import { LEVELS, type Level } from '../../detect/sigma/model.js';
import {
  findingJson,
  findingsText,
  HuntIncidents,
  incidentsText,
  type LocatedFinding,
} from '../../correlate/index.js';
import { ColumnMapper } from '../../normalize/columns.js';
import { OutputSink } from '../output.js';
import { expandInputs } from '../paths.js';
import { ProgressBar } from '../progress.js';

export type HuntFormat = 'table' | 'jsonl' | 'csv';

export interface HuntCliOptions {
  rules: string[];
  format: HuntFormat;
  minLevel: Level;
  from?: number;
  to?: number;
  stats: boolean;
  out?: string;
  threads: number;
  placeholders?: string;
  incidents?: boolean;
}

/** What the hunt command needs from the rest of Vigil, so tests can run it in-process. */
export interface HuntDeps {
  readonly normalizer: () => Promise<EventNormalizer>;
  readonly json: JsonSource | null;
}

function parseTime(value: string): number {
  const t = Date.parse(value);
  if (Number.isNaN(t))
    throw new InvalidArgumentError(
      `not a date or time: ${value} (use e.g. 2024-05-01 or 2024-05-01T10:00:00Z)`,
    );
  return t;
}

function threadCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256)
    throw new InvalidArgumentError('--threads takes a whole number from 1 to 256');
  return n;
}

/** Each worker holds its own compiled rules (about 250 MB with SigmaHQ): at most four by default. */
function defaultThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Runs a hunt and writes its output; returns the process exit status. */
export async function runHunt(
  paths: string[],
  opts: HuntCliOptions,
  deps: HuntDeps,
  stdout: Writable,
  stderr: (line: string) => void,
): Promise<number> {
  if (opts.rules.length === 0) {
    stderr('vigil: hunt needs --rules <dir|file> (for example --rules ./sigma/rules)');
    return 2;
  }
  const { files, missing } = await expandInputs(paths, [
    ...EVTX_EXTENSIONS,
    ...(deps.json ? JSON_EXTENSIONS : []),
  ]);
  for (const m of missing) stderr(`vigil: ${m}: no such file or directory`);
  if (missing.length > 0) return 2;
  if (files.length === 0) {
    stderr('vigil: no event files to hunt in (.evtx, .json, .jsonl, .ndjson)');
    return 2;
  }
  const normalizer = await deps.normalizer();
  let placeholders: Map<string, string[]> | undefined;
  if (opts.placeholders) {
    try {
      placeholders = await loadPlaceholders(opts.placeholders);
    } catch (e) {
      stderr(
        `vigil: ${e instanceof VigilError ? e.describe() : `${opts.placeholders}: ${(e as Error).message}`}`,
      );
      return 2;
    }
  }
  // Workers start compiling at once, in parallel with this thread loading the rules it reports on.
  const pool =
    opts.threads > 1
      ? new HuntPool(
          opts.threads,
          opts.rules,
          [],
          (ls) => normalizer.variants(ls),
          placeholders,
          opts.incidents === true,
        )
      : null;
  const loaded = await loadRules(opts.rules);
  let detector: Detector | HuntRules;
  let compiledCount: number;
  let compileErrors: VigilError[];
  if (pool) {
    pool.setRules(loaded.rules);
    try {
      ({ compiled: compiledCount, errors: compileErrors } = await pool.ready);
    } catch (e) {
      await pool.close();
      stderr(`vigil: ${(e as Error).message}`);
      return 2;
    }
    compileErrors = compileErrors.slice(loaded.errors.length);
    detector = { rules: loaded.rules };
  } else {
    const d = new Detector(loaded.rules, normalizer, { placeholders });
    compiledCount = d.compiledRuleCount;
    compileErrors = d.errors;
    detector = d;
  }
  const ruleErrors = [...loaded.errors, ...compileErrors];
  for (const e of ruleErrors.slice(0, 20)) stderr(`vigil: rule not loaded: ${e.describe()}`);
  if (ruleErrors.length > 20)
    stderr(`vigil: ... and ${ruleErrors.length - 20} more rules not loaded (see vigil rules check)`);
  if (compiledCount === 0) {
    await pool?.close();
    stderr('vigil: no detection rule could be loaded');
    return 2;
  }

  let sinkStream: Writable = stdout;
  if (opts.out) {
    try {
      sinkStream = (await open(opts.out, 'w')).createWriteStream();
    } catch (e) {
      await pool?.close();
      stderr(`vigil: cannot write ${opts.out}: ${(e as Error).message}`);
      return 2;
    }
  }
  const out = new OutputSink(sinkStream);
  const tableMode = opts.format === 'table';
  if (opts.format === 'csv') await out.write(CSV_HEADER.join(',') + '\n');
  let totalBytes = 0;
  for (const f of files) totalBytes += (await stat(f)).size;
  const progress = new ProgressBar(totalBytes);
  let inputProblems = 0;
  const columns = opts.incidents ? ColumnMapper.load() : null;
  // Rarity, process lineage and Vigil's analytics, over every event while hunting.
  const incidents = columns === null ? null : new HuntIncidents(columns);
  const findings: LocatedFinding[] = [];
  if (opts.incidents && opts.format === 'csv')
    stderr('vigil: incidents are printed in the table and jsonl formats, not in csv');
  const stats = await hunt(
    files,
    detector,
    {
      minLevel: opts.minLevel,
      from: opts.from ?? null,
      to: opts.to ?? null,
      json: deps.json,
      pool,
      context:
        columns === null || incidents === null
          ? null
          : { columns, take: (c) => void findings.push(...incidents.take(c)) },
      onProgress: (p) =>
        progress.update(
          p.bytes,
          `${formatNumber(p.events)} events  ${formatNumber(p.detections)} detections`,
        ),
      onInputError: (e) => {
        inputProblems++;
        if (inputProblems <= 50)
          stderr(
            `vigil: input: ${e instanceof Error && 'describe' in e ? (e as { describe(): string }).describe() : String(e)}`,
          );
      },
    },
    async (item: HuntOutput) => {
      incidents?.detection(item);
      if (opts.format === 'jsonl') await out.write(jsonLine(item));
      else if (opts.format === 'csv') await out.write(csvRow(item));
    },
  );
  progress.done();
  await pool?.close();
  if (inputProblems > 50) stderr(`vigil: ... and ${inputProblems - 50} more input problems`);
  if (tableMode)
    await out.write(summaryTable(stats, !opts.out && Boolean((stdout as NodeJS.WriteStream).isTTY)));
  if (incidents !== null) {
    const end = incidents.finish();
    findings.push(...end.findings);
    if (tableMode) {
      await out.write(`\n${findingsText(findings)}`);
      await out.write(`\n${incidentsText(end.incidents, end.alertCount)}`);
    } else if (opts.format === 'jsonl') {
      for (const f of findings) await out.write(`${JSON.stringify(findingJson(f))}\n`);
      for (const inc of end.incidents) await out.write(`${JSON.stringify({ type: 'incident', ...inc })}\n`);
    }
  }
  await out.flush();
  if (opts.out) await new Promise<void>((resolve) => sinkStream.end(resolve));
  if (out.failure) {
    stderr(`vigil: output failed: ${out.failure.message}`);
    return 1;
  }
  if (opts.stats) {
    stderr(
      statsText(
        stats,
        { loaded: loaded.rules.length, compiled: compiledCount, errors: ruleErrors.length },
        process.resourceUsage().maxRSS * 1024,
      ).trimEnd(),
    );
  }
  return 0;
}

export function registerHuntCommand(program: Command, deps: HuntDeps): void {
  program
    .command('hunt')
    .description('Run Sigma rules over event files (EVTX, JSON, NDJSON) and report what they find')
    .argument('<paths...>', 'files, or folders searched recursively')
    .option('-r, --rules <path>', 'Sigma rule file or folder (repeatable)', collect, [])
    .addOption(
      new Option('-f, --format <format>', 'output format')
        .choices(['table', 'jsonl', 'csv'])
        .default('table'),
    )
    .addOption(
      new Option('--min-level <level>', 'report only rules at or above this level')
        .choices([...LEVELS])
        .default('informational'),
    )
    .option('--from <time>', 'only events at or after this time', parseTime)
    .option('--to <time>', 'only events at or before this time', parseTime)
    .option('--stats', 'print speed, memory and rule statistics to stderr', false)
    .option('-o, --out <file>', 'write the output to a file instead of stdout')
    .option(
      '--incidents',
      "run Vigil's analytics too, and link all alerts into incidents printed after them",
      false,
    )
    .option(
      '--placeholders <file>',
      'YAML map of placeholder values for rules using |expand (unset ones match anything)',
    )
    .option(
      '-t, --threads <n>',
      'detection threads (1 = in this thread)',
      (v) => threadCount(v),
      defaultThreads(),
    )
    .addHelpText(
      'after',
      `
Formats: table (default) prints a summary of rules hit by level, hosts and counts; jsonl prints one
detection per line (rule, time, computer, channel, event id, record id, source file, event); csv
prints a timeline. With --incidents, alerts that share entities (a process tree, a file hash, a
host and user close in time...) are linked into incidents, each with a risk score, a timeline and
the reason for every link; table prints them after the summary, jsonl as {"type":"incident"} lines.
A progress bar is shown on a terminal. Bad rules are reported with file:line and
skipped; damaged input is reported and skipped.`,
    )
    .action(async (paths: string[], opts: HuntCliOptions) => {
      process.exitCode = await runHunt(paths, opts, deps, process.stdout, (line) =>
        process.stderr.write(`${line}\n`),
      );
    });
}
