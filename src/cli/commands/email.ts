import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { VigilError } from '../../core/errors.js';
import {
  analyzeRaw,
  DEFAULT_LIMITS,
  EmailPolicy,
  findMailSources,
  InMemorySenderHistory,
  loadPeople,
  readMailSource,
  type EmailAnalysis,
  type SenderHistory,
} from '../../email/index.js';
import { OutputSink } from '../output.js';

type Format = 'table' | 'jsonl';

interface AnalyzeFlags {
  protect?: string[];
  partner?: string[];
  people?: string;
  history?: string;
  format?: Format;
  brands: boolean;
  maxSize: number;
  trustedAuthserv?: string[];
  events?: boolean;
}

/** One line of `--format jsonl`. */
export interface AnalyzeLine {
  file: string;
  verdict: 'clean' | 'suspicious' | 'malicious' | 'error';
  score: number | null;
  reasons: {
    analyzer: string;
    code: string;
    score: number;
    reason: string;
    evidence: Record<string, unknown>;
  }[];
  limits?: { limit: string; value: number; max: number }[];
  error?: string;
  event?: Record<string, unknown>;
}

export function analysisLine(file: string, a: EmailAnalysis, withEvent: boolean): AnalyzeLine {
  const line: AnalyzeLine = {
    file,
    verdict: a.verdict,
    score: a.score,
    reasons: a.findings.map((f) => ({
      analyzer: f.analyzer,
      code: f.code,
      score: f.score,
      reason: f.reason,
      evidence: { ...f.evidence },
    })),
  };
  if (a.limits.length > 0) line.limits = a.limits.map((l) => ({ ...l }));
  if (withEvent) line.event = a.event;
  return line;
}

const VERDICT_MARK: Readonly<Record<AnalyzeLine['verdict'], string>> = {
  clean: 'clean',
  suspicious: 'SUSPICIOUS',
  malicious: 'MALICIOUS',
  error: 'ERROR',
};

function cell(text: string, width: number): string {
  const t = text.replace(/\s+/g, ' ');
  return t.length > width ? `${t.slice(0, width - 1)}…` : t.padEnd(width);
}

function tableRow(l: AnalyzeLine): string {
  const head = `${cell(VERDICT_MARK[l.verdict], 10)}  ${cell(l.score === null ? '-' : String(l.score), 5)}  ${l.file}`;
  if (l.error !== undefined) return `${head}\n${' '.repeat(19)}${l.error}\n`;
  const shown = l.verdict === 'clean' ? l.reasons.slice(0, 0) : l.reasons.slice(0, 8);
  const more = l.verdict === 'clean' ? 0 : l.reasons.length - shown.length;
  return (
    [
      head,
      ...shown.map((r) => `${' '.repeat(19)}${cell(String(r.score), 3)} ${r.reason}`),
      ...(more > 0 ? [`${' '.repeat(23)}(${more} more)`] : []),
    ].join('\n') + '\n'
  );
}

function byteSize(value: string): number {
  const m = /^(\d+)\s*([kmg]?)i?b?$/i.exec(value.trim());
  if (m === null)
    throw new InvalidArgumentError('--max-size takes a size in bytes, or with k, m or g (e.g. 25m)');
  const n =
    Number(m[1]) * { '': 1, k: 1024, m: 1 << 20, g: 1 << 30 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  if (!Number.isSafeInteger(n) || n < 1024) throw new InvalidArgumentError('--max-size must be at least 1k');
  return n;
}

const splitList = (values: readonly string[] | undefined): string[] =>
  (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');

export async function runAnalyze(
  paths: readonly string[],
  f: AnalyzeFlags,
  out: OutputSink,
  err: (line: string) => void,
): Promise<number> {
  let policy: EmailPolicy;
  let history: SenderHistory | undefined;
  try {
    const people = f.people === undefined ? null : loadPeople(f.people);
    policy = new EmailPolicy({
      organization: [...splitList(f.protect), ...(people?.organization ?? [])],
      partners: [...splitList(f.partner), ...(people?.partners ?? [])],
      people: people?.people ?? [],
      brands: f.brands,
      trustedAuthServIds: splitList(f.trustedAuthserv),
    });
    if (f.history !== undefined) history = InMemorySenderHistory.load(f.history);
  } catch (e) {
    err(e instanceof VigilError ? e.describe() : (e as Error).message);
    return 2;
  }
  const { sources, missing } = await findMailSources(paths);
  for (const m of missing) err(`${m}: no such file or directory`);
  if (missing.length > 0 || sources.length === 0) {
    if (sources.length === 0) err('no messages to analyze (.eml files, mbox files or Maildir folders)');
    return 2;
  }
  const format: Format = f.format ?? (process.stdout.isTTY ? 'table' : 'jsonl');
  if (format === 'table') await out.write(`${cell('VERDICT', 10)}  ${cell('SCORE', 5)}  FILE\n`);
  const counts = { clean: 0, suspicious: 0, malicious: 0, error: 0 };
  for (const source of sources) {
    for await (const item of readMailSource(source, f.maxSize)) {
      let line: AnalyzeLine;
      if (!item.ok) {
        line = { file: item.name, verdict: 'error', score: null, reasons: [], error: item.error };
        err(`${item.name}: ${item.error}`);
      } else {
        const analysis = await analyzeRaw(item.raw, {
          policy,
          ...(history === undefined ? {} : { history }),
          limits: { maxMessageBytes: f.maxSize },
          source: item.name,
        });
        line = analysisLine(item.name, analysis, f.events === true);
      }
      counts[line.verdict]++;
      await out.write(format === 'jsonl' ? `${JSON.stringify(line)}\n` : tableRow(line));
      if (out.closed) return counts.error > 0 ? 2 : counts.suspicious + counts.malicious > 0 ? 1 : 0;
    }
  }
  if (format === 'table') {
    const total = counts.clean + counts.suspicious + counts.malicious + counts.error;
    await out.write(
      `\n${total} message(s): ${counts.malicious} malicious, ${counts.suspicious} suspicious, ${counts.clean} clean${counts.error > 0 ? `, ${counts.error} unreadable` : ''}\n`,
    );
  }
  await out.flush();
  return counts.error > 0 ? 2 : counts.suspicious + counts.malicious > 0 ? 1 : 0;
}

export function registerEmailCommands(program: Command): void {
  const email = program.command('email').description('Analyze email for phishing, BEC and malware');
  email
    .command('analyze')
    .description(
      'Judge messages (.eml files, mbox files, Maildir folders): clean, suspicious or malicious, with reasons',
    )
    .argument('<paths...>', '.eml or mbox files, Maildir folders, or folders searched for them')
    .option(
      '--protect <domains...>',
      "the organization's own domains, protected from lookalikes (repeat or separate with commas)",
    )
    .option('--partner <domains...>', "partners' and suppliers' domains, protected from lookalikes")
    .option(
      '--people <file>',
      'YAML/JSON list of people (name, addresses, vip) whose display names attackers borrow',
    )
    .option('--history <file>', 'JSON sender history: {"senders": [{"domain", "messages", "ibans"}]}')
    .option(
      '--trusted-authserv <ids...>',
      'authserv-ids whose Authentication-Results are believed (default: the topmost header)',
    )
    .option('--no-brands', 'do not protect the built-in list of well-known brands and authorities')
    .addOption(
      new Option(
        '-f, --format <format>',
        'output format (default: table on a terminal, jsonl otherwise)',
      ).choices(['table', 'jsonl']),
    )
    .option(
      '--max-size <bytes>',
      'largest message read (k, m, g suffixes)',
      byteSize,
      DEFAULT_LIMITS.maxMessageBytes,
    )
    .option('--events', "with jsonl, add each message's ECS event", false)
    .addHelpText(
      'after',
      `
Each message gets a verdict (clean, suspicious or malicious), a score from 0 to 100 and its
reasons. jsonl prints one line per message: {"file", "verdict", "score", "reasons": [{"analyzer",
"code", "score", "reason", "evidence"}]}; for mbox and Maildir, file is the mailbox and the
message's 1-based index ("inbox.mbox#3"). A message that cannot be read has verdict "error".
Put the paths before --protect (or write --protect=a.com,b.com): a list option takes the words
that follow it. Exit status: 0 all clean, 1 some suspicious or malicious, 2 unreadable messages,
bad usage or missing inputs.`,
    )
    .action(async (paths: string[], flags: AnalyzeFlags) => {
      const out = new OutputSink(process.stdout);
      const code = await runAnalyze(paths, flags, out, (line) => process.stderr.write(`vigil: ${line}\n`));
      if (out.failure) {
        process.stderr.write(`vigil: output failed: ${out.failure.message}\n`);
        process.exitCode = 2;
        return;
      }
      process.exitCode = code;
    });
}
