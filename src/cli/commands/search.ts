import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { readFile } from 'node:fs/promises';
import {
  exportEvents,
  exportHeader,
  exportLine,
  parseRange,
  searchEvents,
  sweepIocs,
  type EventSearchResult,
  type SweepResult,
} from '../../search/index.js';
import { OutputSink } from '../output.js';
import {
  call,
  CliError,
  closeTarget,
  cut,
  guarded,
  openTarget,
  output,
  targetOptions,
  type TargetFlags,
} from '../target.js';

type Format = 'table' | 'jsonl' | 'csv';

interface SearchFlags extends TargetFlags {
  format: Format;
  limit: string;
  raw?: boolean;
}

interface SweepFlags extends TargetFlags {
  file?: string[];
  format: 'table' | 'json';
  failOnHit?: boolean;
}

function eventTable(r: EventSearchResult): string {
  const lines = [
    `${r.total ?? r.events.length} events${r.total !== null && r.total > r.events.length ? `, newest ${r.events.length} shown` : ''}`,
    '',
    `${cut('TIME', 23)}  ${cut('HOST', 16)}  ${cut('CODE', 6)}  PROCESS / COMMAND LINE`,
  ];
  for (const e of r.events)
    lines.push(
      `${cut(e.ts, 23)}  ${cut(e.host, 16)}  ${cut(e.event_code, 6)}  ${cut(e.process_command_line || e.process_executable, 80)}`.trimEnd(),
    );
  if (r.facets) {
    const hosts = r.facets.host ?? [];
    if (hosts.length > 0) lines.push('', `top hosts: ${hosts.map((h) => `${h.value} (${h.n})`).join(', ')}`);
  }
  return lines.join('\n') + '\n';
}

function sweepTable(r: SweepResult): string {
  const lines = [
    `${cut('TYPE', 6)}  ${cut('IOC', 66)}  ${cut('EVENTS', 8)}  ${cut('FIRST SEEN', 23)}  HOSTS`,
  ];
  for (const i of r.iocs)
    lines.push(
      `${cut(i.type, 6)}  ${cut(i.value, 66)}  ${cut(i.events, 8)}  ${cut(i.first ?? '-', 23)}  ${i.hosts
        .slice(0, 5)
        .map((h) => `${h.host} (${h.events})`)
        .join(', ')}${i.hosts.length > 5 ? `, +${i.hosts.length - 5}` : ''}`.trimEnd(),
    );
  for (const x of r.rejected) lines.push(`rejected ${JSON.stringify(x.input)}: ${x.reason}`);
  return lines.join('\n') + '\n';
}

function limitOf(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new InvalidArgumentError('--limit takes a whole number (0: all)');
  return n;
}

export async function runSearch(query: string, f: SearchFlags): Promise<number> {
  const limit = limitOf(f.limit);
  const range = parseRange(f.from, f.to, 24 * 3.6e6);
  const t = await openTarget(f);
  const sink = new OutputSink(output(f.out));
  try {
    if (f.format === 'table') {
      const body = { query, ...range, limit: Math.min(limit || 100, 10_000), offset: 0, raw: false };
      const r: EventSearchResult =
        t.kind === 'server'
          ? ((await (await call(t, '/api/v1/search', body)).json()) as EventSearchResult)
          : await searchEvents(t.store, t.tenant, body);
      await sink.write(eventTable(r));
    } else if (t.kind === 'server') {
      const res = await call(t, '/api/v1/search/export', {
        query,
        ...range,
        format: f.format,
        raw: f.raw === true,
        ...(limit > 0 ? { limit } : {}),
      });
      for await (const chunk of res.body!)
        await sink.write(Buffer.from(chunk as Uint8Array).toString('utf8'));
    } else {
      await sink.write(exportHeader(f.format));
      const rows = exportEvents(t.store, t.tenant, {
        query,
        ...range,
        raw: f.format === 'jsonl' && f.raw === true,
        max: limit || Infinity,
      });
      for await (const e of rows) await sink.write(exportLine(f.format, e));
    }
    await sink.flush();
    return sink.failure ? 1 : 0;
  } finally {
    await closeTarget(t);
  }
}

export async function runSweep(iocs: string[], f: SweepFlags): Promise<number> {
  const all = [...iocs];
  for (const file of f.file ?? []) all.push(...(await readFile(file, 'utf8')).split(/\r?\n/));
  const list = all.map((x) => x.trim()).filter((x) => x !== '' && !x.startsWith('#'));
  if (list.length === 0) throw new CliError('no IOCs: give them as arguments or with --file');
  const range = parseRange(f.from, f.to, 30 * 8.64e7);
  const t = await openTarget(f);
  try {
    const r: SweepResult =
      t.kind === 'server'
        ? ((await (await call(t, '/api/v1/sweep', { iocs: list, ...range })).json()) as SweepResult)
        : await sweepIocs(t.store, t.tenant, list, range);
    const sink = new OutputSink(output(f.out));
    await sink.write(f.format === 'json' ? `${JSON.stringify(r, null, 2)}\n` : sweepTable(r));
    await sink.flush();
    return f.failOnHit === true && r.iocs.some((i) => i.events > 0) ? 1 : 0;
  } finally {
    await closeTarget(t);
  }
}

export function registerSearchCommands(program: Command): void {
  targetOptions(
    program
      .command('search')
      .description('Search stored events with the query language (see docs/search.md)')
      .argument('<query>', "e.g. 'process_executable:*\\\\rundll32.exe AND NOT user_name:SYSTEM'"),
  )
    .option('-f, --format <format>', 'table, jsonl or csv', 'table')
    .option('-n, --limit <n>', 'events to show or export (0: every match for jsonl/csv)', '100')
    .option('--raw', 'include each event’s original record (jsonl)')
    .action(async (query: string, flags: SearchFlags) => {
      if (!['table', 'jsonl', 'csv'].includes(flags.format)) {
        console.error('vigil: --format is table, jsonl or csv');
        process.exitCode = 2;
        return;
      }
      await guarded(() => runSearch(query, flags));
    });

  targetOptions(
    program
      .command('sweep')
      .description('IOC sweep: which hosts saw these hashes, IPs, domains or file names, and when')
      .argument('[iocs...]', 'IOCs (defanged is fine; file:NAME or domain:NAME forces a type)'),
  )
    .option('--file <file...>', 'files with one IOC per line (# starts a comment)')
    .option('-f, --format <format>', 'table or json', 'table')
    .option('--fail-on-hit', 'exit with status 1 when any IOC was seen (for scripts)')
    .action(async (iocs: string[], flags: SweepFlags) => {
      if (!['table', 'json'].includes(flags.format)) {
        console.error('vigil: --format is table or json');
        process.exitCode = 2;
        return;
      }
      await guarded(() => runSweep(iocs, flags));
    });
}
