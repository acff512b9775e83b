import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { EvtxError } from '../../ingest/evtx/index.js';
import { defaultThreads, EvtxRenderPool, renderEvtxFile } from '../../ingest/evtx/parallel/pool.js';
import { OutputSink } from '../output.js';
import { expandInputs } from '../paths.js';

export type DumpFormat = 'jsonl' | 'json' | 'xml';

export interface DumpOptions {
  format: DumpFormat;
  skipErrors: boolean;
  strictChecksums: boolean;
  quiet: boolean;
  /** Decoding threads; 1 decodes in-process. */
  threads: number;
}

export interface DumpSummary {
  files: number;
  records: number;
  /** Error items: each is damage that cost records (or the file header). */
  errors: number;
  /** Records known to be lost; damage whose cost cannot be counted adds one. */
  lost: number;
  warnings: number;
}

/** Dumps every record of the given files; losses and warnings go to `errors`, never to the output. */
export async function dumpEvtx(
  files: readonly string[],
  options: DumpOptions,
  out: OutputSink,
  errors: (line: string) => void,
): Promise<DumpSummary> {
  const summary: DumpSummary = { files: files.length, records: 0, errors: 0, lost: 0, warnings: 0 };
  const onWarning = (w: EvtxError): void => {
    summary.warnings++;
    if (!options.quiet) errors(`warning: ${w.describe()}`);
  };
  const pool = options.threads > 1 ? new EvtxRenderPool(options.threads) : null;
  const checksums = options.strictChecksums ? 'strict' : 'lenient';
  try {
    for (const file of files) {
      for await (const chunk of renderEvtxFile(
        file,
        { format: options.format, checksums, onWarning },
        pool,
      )) {
        summary.records += chunk.records;
        for (const e of chunk.errors) {
          summary.errors++;
          summary.lost += e.recordsLost ?? 1;
          errors(`error: ${e.describe()}`);
        }
        const text = chunk.text;
        await out.write(text);
        if (out.closed) return summary;
      }
    }
  } finally {
    await pool?.close();
  }
  await out.flush();
  return summary;
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256)
    throw new InvalidArgumentError(`${flag} takes a whole number from 1 to 256`);
  return n;
}

export function registerEvtxCommands(program: Command): void {
  const evtx = program.command('evtx').description('Read Windows event log (.evtx) files');
  evtx
    .command('dump')
    .description('Print the records of EVTX files or folders of them')
    .argument('<paths...>', 'EVTX files, or folders searched recursively for *.evtx')
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(['jsonl', 'json', 'xml']).default('jsonl'),
    )
    .option('--skip-errors', 'exit 0 even when records were lost (they are still reported on stderr)', false)
    .option('--strict-checksums', 'drop chunks whose checksums do not match instead of decoding them', false)
    .option('-q, --quiet', 'do not print warnings (losses are still printed)', false)
    .option(
      '-t, --threads <n>',
      'decoding threads (1 = in-process)',
      (v) => positiveInt(v, '--threads'),
      defaultThreads(),
    )
    .addHelpText(
      'after',
      `
Output goes to stdout: jsonl is one record per line in the evtx_dump JSON shape, json is the same
pretty-printed, xml is one <Event> per line as Windows renders it. Lost records and their byte
offsets go to stderr. Exit status: 0 when every record was read, 1 when some were lost (0 with
--skip-errors), 2 on bad usage or missing inputs.`,
    )
    .action(async (paths: string[], opts: DumpOptions) => {
      const { files, missing } = await expandInputs(paths, ['.evtx']);
      for (const m of missing) process.stderr.write(`vigil: ${m}: no such file or directory\n`);
      if (missing.length > 0 || files.length === 0) {
        if (files.length === 0) process.stderr.write('vigil: no .evtx files to read\n');
        process.exitCode = 2;
        return;
      }
      const out = new OutputSink(process.stdout);
      const summary = await dumpEvtx(files, opts, out, (line) => process.stderr.write(`vigil: ${line}\n`));
      if (out.failure) {
        process.stderr.write(`vigil: output failed: ${out.failure.message}\n`);
        process.exitCode = 1;
        return;
      }
      if (summary.errors > 0) {
        process.stderr.write(
          `vigil: ${summary.records} records read from ${summary.files} file(s); ${summary.errors} problem(s) cost at least ${summary.lost} record(s)\n`,
        );
        if (!opts.skipErrors) process.exitCode = 1;
      }
    });
}
