import { SEVERITIES, severityRank, type Finding, type InputProblem, type Severity } from './model.js';

/** Findings for a terminal: grouped by target, most severe first, then a one-line summary. */
export function toTable(findings: readonly Finding[], targets: readonly string[]): string {
  const byTarget = new Map<string, Finding[]>();
  for (const f of findings) {
    const list = byTarget.get(f.target) ?? [];
    list.push(f);
    byTarget.set(f.target, list);
  }
  // Targets with the worst findings first.
  const worst = (list: Finding[]): number => Math.max(...list.map((f) => severityRank(f.severity)));
  const order = [...byTarget.entries()].sort(
    (a, b) => worst(b[1]) - worst(a[1]) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0),
  );
  const checkWidth = Math.max(5, ...findings.map((f) => f.check.length));
  const lines: string[] = [];
  for (const [target, list] of order) {
    const file = list.find((f) => f.location)?.location?.file;
    lines.push(file ? `${target}  (${file})` : target);
    for (const f of list) {
      const where = f.location?.line !== undefined ? `:${f.location.line}` : '';
      const container = f.container !== undefined && f.source === 'kubernetes' ? `[${f.container}] ` : '';
      lines.push(
        `  ${f.severity.toUpperCase().padEnd(8)} ${f.check.padEnd(checkWidth)}  ` +
          `CIS ${(f.cis ?? '-').padEnd(4)}  PSS ${f.pss.padEnd(10)}  ${container}${f.evidence}${where ? `  line ${where.slice(1)}` : ''}`,
      );
    }
    lines.push('');
  }
  const clean = targets.filter((t) => !byTarget.has(t)).length;
  lines.push(summary(findings, targets.length, clean));
  return lines.join('\n') + '\n';
}

export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) counts[f.severity]++;
  return counts;
}

function summary(findings: readonly Finding[], targets: number, clean: number): string {
  const counts = countBySeverity(findings);
  const parts = [...SEVERITIES]
    .reverse()
    .filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${s}`);
  return (
    `${targets} ${targets === 1 ? 'target' : 'targets'} scanned, ${clean} without findings; ` +
    `${findings.length} ${findings.length === 1 ? 'finding' : 'findings'}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`
  );
}

/** `file:line: message` (or `target: message`) for stderr. */
export function describeProblem(p: InputProblem): string {
  const where = p.file ? `${p.file}${p.line !== undefined ? `:${p.line}` : ''}` : (p.target ?? 'input');
  const about = p.file && p.target ? ` (${p.target})` : '';
  return `${where}: ${p.message}${about}`;
}

/** JSON: the findings as an array, each with target, check, severity, cis, pss, title, evidence, remediation. */
export function toJson(findings: readonly Finding[]): string {
  return JSON.stringify(findings, null, 2) + '\n';
}

/**
 * The exit code for CI gates: 2 when an input could not be read (the scan is incomplete),
 * 1 when a finding is at or above `failOn`, else 0.
 */
export function postureExitCode(
  findings: readonly Finding[],
  problems: readonly InputProblem[],
  failOn?: Severity,
): 0 | 1 | 2 {
  if (problems.length > 0) return 2;
  if (failOn !== undefined && findings.some((f) => severityRank(f.severity) >= severityRank(failOn)))
    return 1;
  return 0;
}
