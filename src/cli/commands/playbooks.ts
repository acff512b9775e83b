import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import {
  alertFromJson,
  defaultActions,
  envReferences,
  incidentFromJson,
  loadPlaybooks,
  MemoryResponseStore,
  ResponseEngine,
  type Preview,
} from '../../respond/index.js';

const DEFAULT_PATHS = ['playbooks'];

export interface PlaybookCheckReport {
  files: number;
  playbooks: { id: string; version: number; mode: string; enabled: boolean; file: string; env: string[] }[];
  failures: { where: string; reason: string }[];
}

/** Loads playbooks and lists what is wrong, at file:line. With `env`, unset env:NAME references are failures too. */
export async function checkPlaybooks(
  paths: readonly string[],
  env: NodeJS.ProcessEnv | null,
): Promise<PlaybookCheckReport> {
  const load = await loadPlaybooks(paths, defaultActions());
  const failures = load.errors.map((e) => ({
    where: `${e.location.file}:${e.location.line ?? 0}`,
    reason: e.message,
  }));
  const playbooks = load.playbooks.map((p) => ({
    id: p.id,
    version: p.version,
    mode: p.mode,
    enabled: p.enabled,
    file: p.source.file,
    env: envReferences(p),
  }));
  if (env !== null)
    for (const p of load.playbooks)
      for (const name of envReferences(p))
        if (env[name] === undefined || env[name] === '')
          failures.push({
            where: `${p.source.file}:${p.source.line}`,
            reason: `environment variable ${name} is not set`,
          });
  return { files: load.files, playbooks, failures };
}

function previewText(previews: readonly Preview[]): string {
  if (previews.length === 0) return 'No playbook matches.\n';
  const lines: string[] = [];
  for (const p of previews) {
    const decision =
      p.decision === 'act'
        ? 'would act now'
        : p.decision === 'approval'
          ? `would wait for approval: ${p.reason}`
          : p.decision === 'dry-run'
            ? 'dry-run playbook: would only plan'
            : `blocked: ${p.reason}`;
    lines.push(`${p.playbook.id} v${p.playbook.version} (${p.playbook.title}): ${decision}`);
    for (const s of p.steps) {
      const what =
        s.status === 'failed'
          ? `cannot run: ${s.error}`
          : s.status === 'skipped'
            ? `skipped: ${s.note}`
            : s.plan;
      lines.push(`  ${s.step}  ${s.action}  ${what}`);
      if (s.note !== null && s.status !== 'skipped') lines.push(`      note: ${s.note}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function registerPlaybookCommands(program: Command): void {
  const playbooks = program
    .command('playbooks')
    .description('Response playbooks: check them, list actions, try them on an incident');
  playbooks
    .command('check')
    .description('Load playbooks; report every problem at file:line (exit 1 when there is one)')
    .argument('[paths...]', 'playbook files or folders', DEFAULT_PATHS)
    .option('--env', 'also require the environment variables the playbooks name (env:NAME) to be set', false)
    .option('--json', 'print the report as JSON', false)
    .action(async (paths: string[], opts: { env: boolean; json: boolean }) => {
      const report = await checkPlaybooks(paths, opts.env ? process.env : null);
      if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else {
        process.stdout.write(
          `${report.files} files: ${report.playbooks.length} playbooks load, ${report.failures.length} problems\n`,
        );
        for (const p of report.playbooks)
          process.stdout.write(
            `  ok  ${p.id} v${p.version} (${p.mode}${p.enabled ? '' : ', disabled'})  ${p.file}\n`,
          );
        for (const f of report.failures) process.stdout.write(`  ${f.where}: ${f.reason}\n`);
      }
      process.exitCode = report.failures.length > 0 ? 1 : 0;
    });
  playbooks
    .command('actions')
    .description('List the actions playbooks can use, with their parameters')
    .action(() => {
      for (const a of defaultActions().list()) {
        process.stdout.write(
          `${a.name}: ${a.description}${a.irreversible ? ` (no rollback: ${a.irreversible})` : ' (rollback: yes)'}\n`,
        );
        for (const [name, spec] of Object.entries(a.params))
          process.stdout.write(
            `  ${name}${spec.required ? ' (required)' : ''}: ${spec.type}${spec.values ? ` [${spec.values.join('|')}]` : ''} — ${spec.description}\n`,
          );
      }
    });
  playbooks
    .command('test')
    .description('Show what the playbooks would do for an incident or alert (JSON file); nothing is done')
    .argument('[paths...]', 'playbook files or folders', DEFAULT_PATHS)
    .option('--incident <file>', 'an incident as JSON (vigil incidents show ID --format json)')
    .option('--change <change>', 'created or escalated', 'created')
    .option('--alert <file>', 'an alert as JSON: {id, ruleId, title, level, tags, host, entities}')
    .option('--tenant <tenant>', 'the tenant', 'default')
    .option('--json', 'print the plans as JSON', false)
    .action(
      async (
        paths: string[],
        opts: { incident?: string; alert?: string; change: string; tenant: string; json: boolean },
      ) => {
        if ((opts.incident === undefined) === (opts.alert === undefined)) {
          console.error('vigil: give --incident FILE or --alert FILE');
          process.exitCode = 2;
          return;
        }
        if (opts.change !== 'created' && opts.change !== 'escalated') {
          console.error('vigil: --change is created or escalated');
          process.exitCode = 2;
          return;
        }
        const file = (opts.incident ?? opts.alert)!;
        let input: Parameters<ResponseEngine['preview']>[0];
        try {
          const json = JSON.parse(await readFile(file, 'utf8')) as unknown;
          input =
            opts.incident !== undefined
              ? { incident: incidentFromJson(json), change: opts.change }
              : { alert: alertFromJson(json) };
        } catch (e) {
          console.error(`vigil: ${file}: ${(e as Error).message}`);
          process.exitCode = 2;
          return;
        }
        const load = await loadPlaybooks(paths, defaultActions());
        for (const e of load.errors)
          console.error(`vigil: ${e.location.file}:${e.location.line ?? 0}: ${e.message}`);
        const engine = new ResponseEngine({
          store: new MemoryResponseStore(),
          actions: defaultActions(),
          playbooks: load.playbooks,
        });
        const previews = engine.preview(input, opts.tenant);
        process.stdout.write(opts.json ? `${JSON.stringify(previews, null, 2)}\n` : previewText(previews));
        process.exitCode = load.errors.length > 0 ? 1 : 0;
      },
    );
}
