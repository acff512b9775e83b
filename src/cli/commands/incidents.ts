import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import {
  IncidentRepository,
  STATUSES,
  type IncidentDetail,
  type IncidentStatus,
  type IncidentSummary,
} from '../../correlate/index.js';
import { LEVELS, type Level } from '../../detect/sigma/model.js';
import { parseRange } from '../../search/index.js';
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

interface ListFlags extends TargetFlags {
  format: 'table' | 'jsonl';
  status?: string;
  severity?: string;
  limit: string;
}

interface ShowFlags extends TargetFlags {
  format: 'text' | 'json';
}

const MONTH = 30 * 8.64e7;

function time(ms: number | null): string {
  return ms === null || !Number.isFinite(ms)
    ? '-'
    : new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

function listTable(incidents: readonly IncidentSummary[]): string {
  const lines = [
    `${cut('ID', 20)}  ${cut('SEVERITY', 13)}  ${cut('RISK', 4)}  ${cut('STATUS', 13)}  ${cut('LAST ALERT', 19)}  ${cut('ALERTS', 6)}  TITLE`,
  ];
  for (const i of incidents)
    lines.push(
      `${cut(i.id, 20)}  ${cut(i.severity, 13)}  ${cut(i.risk, 4)}  ${cut(i.state.status, 13)}  ${cut(time(i.last), 19)}  ${cut(i.alertCount, 6)}  ${i.title}`,
    );
  if (incidents.length === 0) lines.push('no incidents in this time range');
  return lines.join('\n') + '\n';
}

function detailText(i: IncidentDetail): string {
  const s = i.state;
  const lines = [
    `${i.id}  ${i.severity.toUpperCase()}  risk ${i.risk.score} (alerts ${i.risk.factors.alerts}, tactics ${i.risk.factors.tactics}, hosts ${i.risk.factors.hosts}, rarity ${i.risk.factors.rarity})`,
    i.title,
    `status ${s.status}${s.verdict !== '' ? ` (${s.verdict})` : ''}${s.assignee !== '' ? `, assigned to ${s.assignee}` : ''}`,
    `${time(i.first)} → ${time(i.last)} · ${i.alertCount} alerts · hosts ${i.hosts.join(', ') || '-'} · users ${i.users.join(', ') || '-'}`,
  ];
  if (i.tactics.length > 0) lines.push(`tactics: ${i.tactics.join(' → ')}`);
  lines.push('', 'timeline:');
  for (const a of i.alerts)
    lines.push(`  ${time(a.time)}  ${cut(a.host, 16)}  ${cut(a.level, 13)}  ${a.title}`);
  if (i.alertCount > i.alerts.length) lines.push(`  ... and ${i.alertCount - i.alerts.length} more`);
  lines.push('', 'entities:');
  for (const e of i.entities.slice(0, 30))
    lines.push(`  ${cut(e.type, 10)}  ${e.value}  (${e.alerts} alerts)`);
  if (i.links.length > 0) {
    lines.push('', 'why these alerts belong together:');
    for (const l of i.links.slice(0, 50)) lines.push(`  ${l.reason}`);
  }
  if (i.notes.length > 0) {
    lines.push('', 'notes:');
    for (const n of i.notes) lines.push(`  ${time(n.time)}  ${n.author}: ${n.text}`);
  }
  return lines.join('\n') + '\n';
}

function oneOf<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  flag: string,
): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value))
    throw new InvalidArgumentError(`${flag} is one of ${allowed.join(', ')}`);
  return value as T;
}

export async function runIncidentList(f: ListFlags): Promise<number> {
  const status = oneOf<IncidentStatus>(f.status, STATUSES, '--status');
  const severity = oneOf<Level>(f.severity, LEVELS, '--severity');
  const limit = Number(f.limit);
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000)
    throw new InvalidArgumentError('--limit takes a whole number from 1 to 1000');
  const range = parseRange(f.from, f.to, MONTH);
  const t = await openTarget(f);
  try {
    let incidents: IncidentSummary[];
    if (t.kind === 'server') {
      const q = new URLSearchParams({ from: String(range.from), to: String(range.to), limit: String(limit) });
      if (status !== undefined) q.set('status', status);
      if (severity !== undefined) q.set('severity', severity);
      incidents = (
        (await (await call(t, `/api/v1/incidents?${q}`)).json()) as { incidents: IncidentSummary[] }
      ).incidents;
    } else
      incidents = await new IncidentRepository(t.store).list(t.tenant, {
        ...range,
        status,
        minSeverity: severity,
        limit,
      });
    const sink = new OutputSink(output(f.out));
    await sink.write(
      f.format === 'jsonl' ? incidents.map((i) => `${JSON.stringify(i)}\n`).join('') : listTable(incidents),
    );
    await sink.flush();
    return sink.failure ? 1 : 0;
  } finally {
    await closeTarget(t);
  }
}

export async function runIncidentShow(id: string, f: ShowFlags): Promise<number> {
  const t = await openTarget(f);
  try {
    let incident: IncidentDetail | null;
    if (t.kind === 'server') {
      try {
        incident = (await (
          await call(t, `/api/v1/incidents/${encodeURIComponent(id)}`)
        ).json()) as IncidentDetail;
      } catch (e) {
        if (e instanceof CliError && e.message.startsWith('404')) incident = null;
        else throw e;
      }
    } else incident = await new IncidentRepository(t.store).get(t.tenant, id);
    if (incident === null) throw new CliError(`no incident ${id}`);
    const sink = new OutputSink(output(f.out));
    await sink.write(f.format === 'json' ? `${JSON.stringify(incident, null, 2)}\n` : detailText(incident));
    await sink.flush();
    return sink.failure ? 1 : 0;
  } finally {
    await closeTarget(t);
  }
}

export function registerIncidentCommands(program: Command): void {
  const incidents = program
    .command('incidents')
    .description('Incidents: alerts linked into stories, with their timeline and why they belong together');
  targetOptions(incidents.command('list', { isDefault: true }).description('Incidents, highest risk first'))
    .option('--status <status>', `only this status (${STATUSES.join(', ')})`)
    .option('--severity <level>', 'at least this severity')
    .option('-n, --limit <n>', 'incidents to show (up to 1000)', '100')
    .option('-f, --format <format>', 'table or jsonl', 'table')
    .action(async (flags: ListFlags) => {
      if (!['table', 'jsonl'].includes(flags.format)) {
        console.error('vigil: --format is table or jsonl');
        process.exitCode = 2;
        return;
      }
      await guarded(() => runIncidentList(flags));
    });
  targetOptions(incidents.command('show').description('One incident in full').argument('<id>', 'incident id'))
    .option('-f, --format <format>', 'text or json', 'text')
    .action(async (id: string, flags: ShowFlags) => {
      if (!['text', 'json'].includes(flags.format)) {
        console.error('vigil: --format is text or json');
        process.exitCode = 2;
        return;
      }
      await guarded(() => runIncidentShow(id, flags));
    });
}
