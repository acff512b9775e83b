import type { LocatedFinding } from './hunt-incidents.js';
import type { Incident } from './incidents.js';

const MAX_TIMELINE_LINES = 12;
const MAX_LINK_LINES = 6;

function time(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? '-' : d.toISOString().replace('T', ' ').slice(0, 19);
}

/** Incidents for a terminal: the worst first, each with its timeline and why its alerts belong together. */
export function incidentsText(incidents: readonly Incident[], alertCount: number): string {
  const lines: string[] = [];
  const ratio = incidents.length === 0 ? 0 : alertCount / incidents.length;
  lines.push(
    `Incidents: ${incidents.length} from ${alertCount} alert${alertCount === 1 ? '' : 's'}` +
      (incidents.length > 0 ? ` (${ratio.toFixed(1)} alerts per incident)` : ''),
    '',
  );
  for (const inc of incidents) {
    lines.push(
      `${inc.severity.toUpperCase().padEnd(13)} risk ${String(inc.risk.score).padStart(3)}  ${inc.title}`,
    );
    const users = inc.users.length > 0 ? ` · users ${inc.users.slice(0, 5).join(', ')}` : '';
    lines.push(
      `  ${time(inc.first)} → ${time(inc.last)} · ${inc.alertCount} alerts · hosts ${inc.hosts.slice(0, 8).join(', ') || '-'}${users}`,
    );
    for (const a of inc.alerts.slice(0, MAX_TIMELINE_LINES))
      lines.push(`    ${time(a.time)}  ${a.host.padEnd(16)} ${a.level.padEnd(13)} ${a.title}`);
    if (inc.alertCount > MAX_TIMELINE_LINES)
      lines.push(`    ... and ${inc.alertCount - MAX_TIMELINE_LINES} more alerts`);
    if (inc.links.length > 0) {
      lines.push('  linked by:');
      for (const l of inc.links.slice(0, MAX_LINK_LINES)) lines.push(`    ${l.reason}`);
      if (inc.links.length > MAX_LINK_LINES)
        lines.push(`    ... and ${inc.links.length - MAX_LINK_LINES} more links`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** Vigil's analytic findings for a terminal, in the order found. */
export function findingsText(findings: readonly LocatedFinding[]): string {
  const lines = [`Vigil analytics: ${findings.length} finding${findings.length === 1 ? '' : 's'}`];
  for (const { finding: f, origin } of findings.slice(0, 200)) {
    const where =
      origin === null ? '' : `  (${origin.source.split(/[\\/]/).at(-1)}#${origin.recordId ?? origin.offset})`;
    lines.push(
      `  ${time(f.time)}  ${f.host.padEnd(16)} ${f.level.padEnd(13)} ${f.title}${where}`,
      `      ${f.reason}`,
    );
  }
  if (findings.length > 200) lines.push(`  ... and ${findings.length - 200} more`);
  return `${lines.join('\n')}\n`;
}

/** One finding as a JSON line, without the event it carries (the origin names it). */
export function findingJson({ finding, origin, alert }: LocatedFinding): Record<string, unknown> {
  const { event: _event, ...rest } = finding;
  return { type: 'analytic', id: alert.id, ...rest, origin };
}
