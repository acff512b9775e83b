#!/usr/bin/env node
import { Command } from 'commander';
import { readFileSync } from 'node:fs';

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

type Register = (program: Command) => void;

/**
 * Each command group, by the top-level names it registers. Only the group a command line names is
 * loaded: the groups pull in chDB, the Kubernetes client, the mail parser and more, and loading
 * them all made every command start in seconds. Help without a command loads them all.
 */
const GROUPS: { names: readonly string[]; load: () => Promise<Register> }[] = [
  { names: ['evtx'], load: async () => (await import('./commands/evtx-dump.js')).registerEvtxCommands },
  {
    names: ['hunt'],
    load: async () => {
      const [{ registerHuntCommand }, { Mappings }, { jsonSource }] = await Promise.all([
        import('./commands/hunt.js'),
        import('../normalize/index.js'),
        import('../detect/hunt/inputs.js'),
      ]);
      return (p) => registerHuntCommand(p, { normalizer: async () => Mappings.load(), json: jsonSource });
    },
  },
  { names: ['rules'], load: async () => (await import('./commands/rules-check.js')).registerRulesCommands },
  { names: ['serve'], load: async () => (await import('./commands/serve.js')).registerServeCommand },
  {
    names: ['search', 'sweep'],
    load: async () => (await import('./commands/search.js')).registerSearchCommands,
  },
  {
    names: ['incidents'],
    load: async () => (await import('./commands/incidents.js')).registerIncidentCommands,
  },
  { names: ['demo'], load: async () => (await import('./commands/demo.js')).registerDemoCommand },
  {
    names: ['containers'],
    load: async () => (await import('./commands/containers.js')).registerContainersCommands,
  },
  { names: ['image'], load: async () => (await import('./commands/image.js')).registerImageCommands },
  { names: ['email'], load: async () => (await import('./commands/email.js')).registerEmailCommands },
  {
    names: ['playbooks'],
    load: async () => (await import('./commands/playbooks.js')).registerPlaybookCommands,
  },
  {
    names: ['worker', 'writer', 'cluster'],
    load: async () => (await import('./commands/cluster.js')).registerClusterCommands,
  },
];

/** The program with the groups `argv` needs (all of them when it names none). */
export async function buildProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command('vigil')
    .description('Vigil: open-source XDR. Reads, normalizes and hunts through security telemetry.')
    .version(packageVersion())
    .showHelpAfterError();
  const first = argv.slice(2).find((a) => !a.startsWith('-'));
  const named = GROUPS.filter((g) => first !== undefined && g.names.includes(first));
  const versionOnly = first === undefined && argv.some((a) => a === '-V' || a === '--version');
  for (const group of named.length > 0 || versionOnly ? named : GROUPS) (await group.load())(program);
  return program;
}

await (await buildProgram()).parseAsync(process.argv);
