import type { Command } from 'commander';
import { loadPolicy } from '../../containers/trust/index.js';
import { KubePodWatcher } from '../../containers/watch/pods.js';
import { ContainerWatcher } from '../../containers/watch/watcher.js';
import type { JsonObject } from '../../ingest/types.js';

function untilInterrupted(): Promise<void> {
  return new Promise<void>((ok) => {
    process.once('SIGINT', () => ok());
    process.once('SIGTERM', () => ok());
  });
}

interface WatchFlags {
  docker: string;
  kube?: boolean;
  kubeconfig?: string;
  policy?: string;
  recheck: string;
  host?: string;
}

/**
 * `vigil containers watch`: the live watcher on its own. It prints one JSON event a line (what
 * `vigil serve` with container_watch ingests), until interrupted.
 */
export function registerWatch(group: Command): void {
  group
    .command('watch')
    .description(
      'Follow a Docker-compatible API: report dangerous container settings and image trust verdicts as JSON lines',
    )
    .option(
      '--docker <endpoint>',
      'unix:///path or tcp://host:port',
      process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock',
    )
    .option('--policy <file>', 'image trust policy (YAML); without it only settings are checked')
    .option('--recheck <seconds>', 'verify every image again this often (0: only on events)', '600')
    .option('--host <name>', "host.name of the events (default: the daemon's name)")
    .option('--kube', "watch the Kubernetes cluster's pods instead (kubeconfig, or in-cluster)")
    .option('--kubeconfig <file>', 'the kubeconfig for --kube (default: $KUBECONFIG or ~/.kube/config)')
    .action(async (flags: WatchFlags) => {
      const recheck = Number(flags.recheck);
      if (!Number.isSafeInteger(recheck) || recheck < 0) {
        process.stderr.write(`vigil: --recheck must be whole seconds, not ${flags.recheck}\n`);
        process.exitCode = 2;
        return;
      }
      let policy = null;
      try {
        policy = flags.policy === undefined ? null : loadPolicy(flags.policy);
      } catch (e) {
        process.stderr.write(`vigil: ${(e as Error).message}\n`);
        process.exitCode = 2;
        return;
      }
      const print = async (events: JsonObject[]) => {
        for (const e of events) process.stdout.write(JSON.stringify(e) + '\n');
      };
      const log = (m: string) => process.stderr.write(`${m}\n`);
      if (flags.kube === true) {
        const pods = new KubePodWatcher({
          ...(flags.kubeconfig !== undefined ? { kubeconfig: flags.kubeconfig } : {}),
          policy,
          recheckMs: recheck * 1000,
          emit: print,
          log,
        });
        await pods.start();
        await untilInterrupted();
        pods.stop();
        return;
      }
      const watcher = new ContainerWatcher({
        endpoint: flags.docker,
        policy,
        recheckMs: recheck * 1000,
        ...(flags.host !== undefined ? { host: flags.host } : {}),
        emit: print,
        log,
      });
      watcher.start();
      await untilInterrupted();
      await watcher.stop();
    });
}
