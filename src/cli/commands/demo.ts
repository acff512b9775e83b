import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { join } from 'node:path';
import { generateScenario, STORY_NAMES, writeScenario, type Scenario } from '../../demo/index.js';
import { formatNumber } from '../../detect/hunt/summary.js';
import { defaultRulesDir } from '../../server/index.js';

interface DemoFlags {
  out: string;
  seed: number;
  background: number;
  hosts: number;
  stories?: string[];
  now?: number;
}

function whole(what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n))
      throw new InvalidArgumentError(`${what} takes a whole number`);
    return n;
  };
}

function storyList(value: string): string[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const n of names)
    if (!STORY_NAMES.includes(n))
      throw new InvalidArgumentError(`unknown story "${n}" (known: ${STORY_NAMES.join(', ')})`);
  return names;
}

function time(value: string): number {
  const t = Date.parse(value);
  if (Number.isNaN(t))
    throw new InvalidArgumentError(`not a date or time: ${value} (use e.g. 2026-05-01T12:00:00Z)`);
  return t;
}

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 16);
const day = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

function summary(
  dir: string,
  s: Scenario,
  flags: DemoFlags,
  now: number,
  files: { name: string; events: number }[],
): string {
  const lines = [
    `Wrote ${formatNumber(s.events.length)} events (seed ${flags.seed}, ${flags.hosts} hosts, ${day(now - 86_400_000)} to ${day(now)} UTC) to ${dir}`,
  ];
  const width = Math.max(...files.map((f) => f.name.length));
  for (const f of files)
    lines.push(
      `  ${f.name.padEnd(width)}  ${formatNumber(f.events).padStart(8)}${f.name === 'syslog.ndjson' ? '  (the lines as sent: syslog.log)' : f.name === 'email.ndjson' ? '  (as analyzed; the messages: email.mbox)' : ''}`,
    );
  lines.push('', `Stories (ground truth: ${join(dir, 'truth.json')}):`);
  const idWidth = Math.max(...s.stories.map((t) => t.id.length), 5);
  for (const t of s.stories) {
    lines.push(`  ${t.id.padEnd(idWidth)}  ${clock(t.start)}-${clock(t.end)}  ${t.hosts.join(', ')}`);
    lines.push(`  ${''.padEnd(idWidth)}  ${t.title}`);
  }
  lines.push('', `Hunt through it: vigil hunt ${dir} --rules ${defaultRulesDir()}`);
  return lines.join('\n');
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'Generate a day of telemetry on a made-up network, with threat stories woven into ordinary noise, and its ground truth',
    )
    .requiredOption(
      '-o, --out <dir>',
      'folder to write the event files (one NDJSON per layer) and truth.json to',
    )
    .option(
      '-s, --seed <n>',
      'random seed: the same seed (and --now) gives the same data',
      whole('--seed'),
      1,
    )
    .option('-b, --background <n>', 'about how many ordinary events', whole('--background'), 10_000)
    .option('--hosts <n>', 'hosts in the network, Windows and Linux', whole('--hosts'), 24)
    .option(
      '--stories <names>',
      `stories to play, comma-separated (default all: ${STORY_NAMES.join(',')})`,
      storyList,
    )
    .option('--now <time>', 'when the generated day ends (default: now)', time)
    .action(async (flags: DemoFlags) => {
      const now = flags.now ?? Date.now();
      let scenario: Scenario;
      try {
        scenario = generateScenario({
          seed: flags.seed,
          now,
          background: flags.background,
          hosts: flags.hosts,
          stories: flags.stories,
        });
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        console.error(`vigil demo: ${e.message}`);
        process.exitCode = 2;
        return;
      }
      const files = await writeScenario(flags.out, scenario, { seed: flags.seed, now });
      console.log(summary(flags.out, scenario, flags, now, files));
    });
}
