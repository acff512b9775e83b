import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { registerWatch } from './containers-watch.js';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import {
  describeProblem,
  parsePssVersion,
  postureExitCode,
  scanPosture,
  SEVERITIES,
  toJson,
  toSarif,
  toTable,
  type KubeOptions,
  type Severity,
} from '../../containers/index.js';

interface ScanFlags {
  docker?: string | true;
  kube?: boolean;
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  format: 'table' | 'json' | 'sarif';
  failOn?: Severity;
  /** Parsed by the option; the default stays the word `latest`. */
  pssVersion: number | 'latest';
  output?: string;
}

/** Usage and input errors exit 2; 1 is kept for findings at or above --fail-on. */
const USAGE_ERROR = 2;

function toolVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function pssVersion(value: string): number | 'latest' {
  if (value.trim().toLowerCase() === 'latest') return 'latest';
  try {
    return parsePssVersion(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

function registerScan(group: Command): void {
  group
    .command('scan')
    .description(
      'Check container posture (privileged mode, runtime sockets, capabilities, host namespaces and paths, root, ' +
        'seccomp/AppArmor, read-only root filesystem, Docker-in-Docker) against the CIS Docker Benchmark and the ' +
        'Kubernetes Pod Security Standards. Exit codes: 0 clean or below --fail-on, 1 findings at or above ' +
        '--fail-on, 2 usage or input error.',
    )
    .argument('[paths...]', 'Compose files, Kubernetes manifests, docker inspect output, or folders of them')
    .option(
      '--docker [endpoint]',
      'scan every container of a Docker-compatible API: unix:///path, /path or tcp://host:port (default: $DOCKER_HOST, else unix:///var/run/docker.sock)',
    )
    .option('--kube', 'scan the workloads of a live Kubernetes cluster')
    .option('--kubeconfig <file>', 'kubeconfig for --kube (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context for --kube')
    .option('--namespace <name>', 'only this namespace, for --kube')
    .addOption(
      new Option('-f, --format <format>', 'output format')
        .choices(['table', 'json', 'sarif'])
        .default('table'),
    )
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity').choices([
        ...SEVERITIES,
      ]),
    )
    .option(
      '--pss-version <version>',
      'Kubernetes version whose Pod Security Standards apply: latest, 1.N or v1.N',
      pssVersion,
      'latest',
    )
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .exitOverride((e: CommanderError) => {
      // Help and version exit 0; every usage error exits 2, so CI can tell it from findings.
      process.exit(e.exitCode === 0 ? 0 : USAGE_ERROR);
    })
    .action(async (paths: string[], flags: ScanFlags) => {
      const docker =
        flags.docker === true ? (process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock') : flags.docker;
      const wantsKube = flags.kube === true || flags.kubeconfig !== undefined || flags.context !== undefined;
      if (paths.length === 0 && docker === undefined && !wantsKube) {
        process.stderr.write('vigil containers scan: give files or folders, --docker, or --kube\n');
        process.exitCode = USAGE_ERROR;
        return;
      }
      const kube: KubeOptions | undefined = wantsKube
        ? {
            ...(flags.kubeconfig !== undefined ? { kubeconfig: flags.kubeconfig } : {}),
            ...(flags.context !== undefined ? { context: flags.context } : {}),
            ...(flags.namespace !== undefined ? { namespace: flags.namespace } : {}),
          }
        : undefined;
      const report = await scanPosture(
        { files: paths, ...(docker !== undefined ? { docker } : {}), ...(kube ? { kube } : {}) },
        { pssMinor: flags.pssVersion === 'latest' ? parsePssVersion('latest') : flags.pssVersion },
      );
      const text =
        flags.format === 'json'
          ? toJson(report.findings)
          : flags.format === 'sarif'
            ? JSON.stringify(
                toSarif(report.findings, report.problems, { toolVersion: toolVersion() }),
                null,
                2,
              ) + '\n'
            : toTable(report.findings, report.targets);
      if (flags.output !== undefined) await writeFile(flags.output, text);
      else process.stdout.write(text);
      for (const p of report.problems) process.stderr.write(`${describeProblem(p)}\n`);
      if (report.problems.length > 0)
        process.stderr.write(`${report.problems.length} input problem(s): the scan is incomplete\n`);
      process.exitCode = postureExitCode(report.findings, report.problems, flags.failOn);
    });
}

/**
 * Registers `vigil containers` and its `scan` subcommand and returns the group. Calling it again
 * returns the same group, so other container commands (`watch`, image trust) can be added to it
 * from their own modules: `registerContainersCommands(program).command('watch')...`.
 */
export function registerContainersCommands(program: Command): Command {
  const existing = program.commands.find((c) => c.name() === 'containers');
  if (existing) return existing;
  const group = program
    .command('containers')
    .description('Container security: posture scanning and the live watcher');
  registerScan(group);
  registerWatch(group);
  return group;
}
