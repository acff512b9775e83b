import { ContainerWatcher } from '../containers/watch/watcher.js';
import { loadPolicy } from '../containers/trust/index.js';
import type { IntakeLog } from '../pipeline/intake.js';
import { makeBatch } from '../pipeline/batch.js';
import { checkTenant } from './auth.js';
import type { ServerConfig } from './config.js';

const DEFAULT_DOCKER = 'unix:///var/run/docker.sock';

/**
 * The container watcher, when configured: its events enter the ingest log like any source, so
 * they are durable, detected by the rules and linked into incidents with the host's own events.
 */
export function startContainerWatch(
  config: ServerConfig,
  intake: IntakeLog,
  log: (message: string) => void,
): ContainerWatcher | null {
  if (!config.containerWatch) return null;
  const tenant = checkTenant(config.containerTenant);
  const endpoint = config.dockerHost ?? DEFAULT_DOCKER;
  const policy = config.imagePolicy === null ? null : loadPolicy(config.imagePolicy);
  const watcher = new ContainerWatcher({
    endpoint,
    policy,
    recheckMs: config.imageRecheckSeconds * 1000,
    emit: async (events) => {
      await intake.append(makeBatch(tenant, null, 'container-watch', events));
    },
    log,
  });
  watcher.start();
  log(
    `containers: watching ${endpoint} (tenant ${tenant}; ${policy === null ? 'posture only, no image_policy' : `images verified against ${config.imagePolicy}`})`,
  );
  return watcher;
}
