import { KubePodWatcher } from '../containers/watch/pods.js';
import { ContainerWatcher } from '../containers/watch/watcher.js';
import { loadPolicy } from '../containers/trust/index.js';
import type { JsonObject } from '../ingest/types.js';
import type { Intake } from './intake.js';
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
  intake: Intake,
  log: (message: string) => void,
): { stop(): Promise<void> } | null {
  if (!config.containerWatch && !config.kubeWatch) return null;
  const tenant = checkTenant(config.containerTenant);
  const policy = config.imagePolicy === null ? null : loadPolicy(config.imagePolicy);
  const emit = async (events: JsonObject[]) => {
    await intake.append(makeBatch(tenant, null, 'container-watch', events));
  };
  const images =
    policy === null ? 'posture only, no image_policy' : `images verified against ${config.imagePolicy}`;
  let docker: ContainerWatcher | null = null;
  if (config.containerWatch) {
    const endpoint = config.dockerHost ?? DEFAULT_DOCKER;
    docker = new ContainerWatcher({
      endpoint,
      policy,
      recheckMs: config.imageRecheckSeconds * 1000,
      emit,
      log,
    });
    docker.start();
    log(`containers: watching ${endpoint} (tenant ${tenant}; ${images})`);
  }
  let kube: KubePodWatcher | null = null;
  if (config.kubeWatch) {
    kube = new KubePodWatcher({
      ...(config.kubeconfig !== null ? { kubeconfig: config.kubeconfig } : {}),
      policy,
      recheckMs: config.imageRecheckSeconds * 1000,
      emit,
      log,
    });
    kube.start().then(
      () => log(`containers: watching the Kubernetes cluster's pods (tenant ${tenant}; ${images})`),
      (e: unknown) => log(`containers: cannot watch Kubernetes: ${(e as Error).message}`),
    );
  }
  return {
    async stop() {
      kube?.stop();
      await docker?.stop();
    },
  };
}
