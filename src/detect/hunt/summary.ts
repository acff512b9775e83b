import { LEVELS, levelRank, type Level } from '../sigma/model.js';
import type { HuntStats } from './run.js';

const COLOURS: Record<Level, string> = {
  critical: '\u001b[1;31m',
  high: '\u001b[31m',
  medium: '\u001b[33m',
  low: '\u001b[36m',
  informational: '\u001b[2m',
};
const RESET = '\u001b[0m';

function pad(s: string, width: number, right = false): string {
  const cut = s.length > width ? `${s.slice(0, width - 1)}…` : s;
  return right ? cut.padStart(width) : cut.padEnd(width);
}

export function formatNumber(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** The end-of-hunt summary: detections by level, the rules hit, and the hosts they hit. */
export function summaryTable(stats: HuntStats, colour: boolean, maxRules = 40): string {
  const paint = (level: Level, s: string): string => (colour ? `${COLOURS[level]}${s}${RESET}` : s);
  const lines: string[] = [];
  const byLevel = new Map<Level, number>();
  const hosts = new Map<string, number>();
  for (const r of stats.perRule.values()) {
    byLevel.set(r.level, (byLevel.get(r.level) ?? 0) + r.count);
    for (const h of r.hosts) hosts.set(h, (hosts.get(h) ?? 0) + r.count);
  }
  const total = stats.detections + stats.correlations;
  lines.push(
    `${formatNumber(total)} detections (${formatNumber(stats.correlations)} from correlations) by ${stats.perRule.size} rules`,
  );
  lines.push(
    [...LEVELS]
      .reverse()
      .map((l) => paint(l, `${l}: ${formatNumber(byLevel.get(l) ?? 0)}`))
      .join('   '),
  );
  if (stats.perRule.size > 0) {
    lines.push('');
    lines.push(`${pad('LEVEL', 13)} ${pad('COUNT', 8, true)} ${pad('HOSTS', 6, true)}  RULE`);
    const rules = [...stats.perRule.values()].sort(
      (a, b) =>
        levelRank(b.level) - levelRank(a.level) || b.count - a.count || a.title.localeCompare(b.title),
    );
    for (const r of rules.slice(0, maxRules)) {
      lines.push(
        `${paint(r.level, pad(r.level, 13))} ${pad(formatNumber(r.count), 8, true)} ${pad(String(r.hosts.size), 6, true)}  ${r.title}`,
      );
    }
    if (rules.length > maxRules)
      lines.push(`... and ${rules.length - maxRules} more rules (use --format jsonl or csv for everything)`);
  }
  if (hosts.size > 0) {
    const top = [...hosts].sort((a, b) => b[1] - a[1]).slice(0, 10);
    lines.push('');
    lines.push(
      `Hosts: ${top.map(([h, n]) => `${h} (${formatNumber(n)})`).join(', ')}${hosts.size > 10 ? `, and ${hosts.size - 10} more` : ''}`,
    );
  }
  return lines.join('\n') + '\n';
}

export function statsText(
  stats: HuntStats,
  rules: { loaded: number; compiled: number; errors: number },
  peakRss: number,
): string {
  const mb = stats.bytes / 1e6;
  const rate = stats.events / Math.max(stats.seconds, 1e-9);
  return (
    [
      `rules: ${rules.loaded} loaded, ${rules.compiled} detection rules compiled, ${rules.errors} not loaded`,
      `input: ${stats.files} files, ${mb.toFixed(1)} MB, ${formatNumber(stats.events)} events, ${stats.inputErrors} input problems`,
      `time: ${stats.seconds.toFixed(2)} s, ${formatNumber(rate)} events/s, ${(mb / Math.max(stats.seconds, 1e-9)).toFixed(1)} MB/s, peak RSS ${(peakRss / 1048576).toFixed(0)} MiB`,
      stats.evaluations > 0
        ? `engine: ${(stats.evaluations / Math.max(stats.events, 1)).toFixed(2)} rule evaluations per event (the index skipped the rest)`
        : 'engine: detection ran in worker threads',
    ].join('\n') + '\n'
  );
}
