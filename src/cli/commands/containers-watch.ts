import type { Command } from 'commander';
import { loadPolicy } from '../../containers/trust/index.js';
import { ContainerWatcher } from '../../containers/watch/watcher.js';

interface WatchFlags {
  docker: string;
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
      const watcher = new ContainerWatcher({
        endpoint: flags.docker,
        policy,
        recheckMs: recheck * 1000,
        ...(flags.host !== undefined ? { host: flags.host } : {}),
        emit: async (events) => {
          for (const e of events) process.stdout.write(JSON.stringify(e) + '\n');
        },
        log: (m) => process.stderr.write(`${m}\n`),
      });
      watcher.start();
      await new Promise<void>((ok) => {
        const end = () => ok();
        process.once('SIGINT', end);
        process.once('SIGTERM', end);
      });
      await watcher.stop();
    });
}
