import type { Subject } from '../subject.js';

/** The default notification text: what happened, how bad, where. */
export function summaryText(s: Subject, playbookTitle: string): string {
  const lines = [
    `${s.kind === 'incident' ? 'Incident' : 'Alert'} ${s.id}: ${s.title}`,
    `Severity ${s.severity}, risk ${s.risk}${s.kind === 'incident' ? `, ${s.alertCount} alerts` : ''}`,
  ];
  if (s.hosts.length > 0)
    lines.push(`Hosts: ${s.hosts.slice(0, 10).join(', ')}${s.hosts.length > 10 ? ', …' : ''}`);
  if (s.users.length > 0)
    lines.push(`Users: ${s.users.slice(0, 10).join(', ')}${s.users.length > 10 ? ', …' : ''}`);
  if (s.tactics.length > 0) lines.push(`Tactics: ${s.tactics.join(', ')}`);
  lines.push(`Playbook: ${playbookTitle}`);
  return lines.join('\n');
}

/** The subject as webhook receivers get it: the facts, no internals. */
export function subjectJson(s: Subject): Record<string, unknown> {
  return {
    kind: s.kind,
    id: s.id,
    change: s.change,
    title: s.title,
    severity: s.severity,
    risk: s.risk,
    hosts: s.hosts,
    users: s.users,
    tactics: s.tactics,
    rules: s.rules,
    alerts: s.alertCount,
    entities: Object.fromEntries([...s.entities].map(([type, values]) => [type, values.slice(0, 100)])),
  };
}
