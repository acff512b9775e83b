import type { Command } from 'commander';
import { Option } from 'commander';
import { readEvtxChunks, stringifyJson, type EvtxError } from '../../ingest/evtx/index.js';
import { OutputSink } from '../output.js';
import { expandInputs } from '../paths.js';

export type DumpFormat = 'jsonl' | 'json' | 'xml';

export interface DumpOptions {
  format: DumpFormat;
  skipErrors: boolean;
  strictChecksums: boolean;
  quiet: boolean;
}

export interface DumpSummary {
  files: number;
  records: number;
  lost: number;
  warnings: number;
}

function render(format: DumpFormat, record: { toJSON(): object; toXml(): string }): string {
  switch (format) {
    case 'jsonl':
      return stringifyJson(record.toJSON() as never) + '\n';
    case 'json':
      return stringifyJson(record.toJSON() as never, 2) + '\n';
    case 'xml':
      return record.toXml() + '\n';
  }
}

/** Dumps every record of the given files; losses and warnings go to `errors`, never to the output. */
export async function dumpEvtx(
  files: readonly string[],
  options: DumpOptions,
  out: OutputSink,
  errors: (line: string) => void,
): Promise<DumpSummary> {
  const summary: DumpSummary = { files: files.length, records: 0, lost: 0, warnings: 0 };
  const onWarning = (w: EvtxError): void => {
    summary.warnings++;
    if (!options.quiet) errors(`warning: ${w.describe()}`);
  };
  for (const file of files) {
    const stream = readEvtxChunks(file, {
      onWarning,
      checksums: options.strictChecksums ? 'strict' : 'lenient',
    });
    for await (const batch of stream) {
      let text = '';
      for (const item of batch) {
        if (item.ok) {
          try {
            text += render(options.format, item.value);
            summary.records++;
          } catch (e) {
            summary.lost++;
            errors(
              `error: ${file} @0x${item.value.offset.toString(16)}: record ${item.value.recordId} cannot be rendered: ${(e as Error).message}`,
            );
          }
        } else {
          summary.lost += item.error.recordsLost ?? 1;
          errors(`error: ${item.error.describe()}`);
        }
      }
      await out.write(text);
      if (out.closed) return summary;
    }
  }
  await out.flush();
  return summary;
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
    .addHelpText(
      'after',
      `
Output goes to stdout: jsonl is one record per line in the evtx_dump JSON shape, json is the same
pretty-printed, xml is one <Event> per line as Windows renders it. Lost records and their byte
offsets go to stderr. Exit status: 0 when every record was read, 1 when some were lost (0 with
--skip-errors), 2 on bad usage or missing inputs.`,
    )
    .action(
      async (
        paths: string[],
        opts: { format: DumpFormat; skipErrors: boolean; strictChecksums: boolean; quiet: boolean },
      ) => {
        const { files, missing } = await expandInputs(paths, ['.evtx']);
        for (const m of missing) process.stderr.write(`vigil: ${m}: no such file or directory\n`);
        if (missing.length > 0 || files.length === 0) {
          if (files.length === 0) process.stderr.write('vigil: no .evtx files to read\n');
          process.exitCode = 2;
          return;
        }
        const out = new OutputSink(process.stdout);
        const summary = await dumpEvtx(files, opts, out, (line) => process.stderr.write(`vigil: ${line}\n`));
        if (summary.lost > 0) {
          process.stderr.write(
            `vigil: ${summary.records} records read, ${summary.lost} lost in ${summary.files} file(s)\n`,
          );
          if (!opts.skipErrors) process.exitCode = 1;
        }
      },
    );
}
