import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { InputProblem, Workload } from '../model.js';
import { FieldReader, isRecord } from './fields.js';
import { workloadsFromManifest } from './kubernetes.js';

/**
 * A live cluster through @kubernetes/client-node: every workload kind is listed, and each object
 * is turned back into its manifest JSON (the client's serializer) and read like a file manifest,
 * so live objects and files go through one mapping.
 */

export interface KubeOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly namespace?: string;
}

/** The kinds listed, with the client model type used to serialize them. */
export const LIVE_KINDS = [
  { kind: 'Pod', model: 'V1Pod', apiVersion: 'v1' },
  { kind: 'Deployment', model: 'V1Deployment', apiVersion: 'apps/v1' },
  { kind: 'DaemonSet', model: 'V1DaemonSet', apiVersion: 'apps/v1' },
  { kind: 'StatefulSet', model: 'V1StatefulSet', apiVersion: 'apps/v1' },
  { kind: 'ReplicaSet', model: 'V1ReplicaSet', apiVersion: 'apps/v1' },
  { kind: 'ReplicationController', model: 'V1ReplicationController', apiVersion: 'v1' },
  { kind: 'Job', model: 'V1Job', apiVersion: 'batch/v1' },
  { kind: 'CronJob', model: 'V1CronJob', apiVersion: 'batch/v1' },
] as const;

export type LiveKind = (typeof LIVE_KINDS)[number]['kind'];

/** Controllers whose children are skipped: the controller's pod template already says it all. */
const CONTROLLERS = new Set([
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'ReplicationController',
]);

function ownedByController(manifest: Record<string, unknown>): boolean {
  const refs = isRecord(manifest.metadata) ? manifest.metadata.ownerReferences : undefined;
  return (
    Array.isArray(refs) &&
    refs.some(
      (r) => isRecord(r) && r.controller === true && typeof r.kind === 'string' && CONTROLLERS.has(r.kind),
    )
  );
}

/**
 * Client API objects (as the client returns them: typed models, Dates and all) of one kind as
 * workloads. List responses omit each item's kind and apiVersion; they are put back here.
 */
export function workloadsFromApiObjects(
  kind: LiveKind,
  items: readonly unknown[],
  problems: InputProblem[],
): Workload[] {
  const spec = LIVE_KINDS.find((k) => k.kind === kind)!;
  const out: Workload[] = [];
  for (const item of items) {
    const manifest = ObjectSerializer.serialize(item, spec.model, '') as unknown;
    if (!isRecord(manifest)) continue;
    if (ownedByController(manifest)) continue;
    const full = { ...manifest, kind, apiVersion: spec.apiVersion };
    out.push(...workloadsFromManifest(full, new FieldReader(problems)));
  }
  return out;
}

interface Page {
  items: unknown[];
  metadata?: { _continue?: string };
}
type Lister = (args: { namespace?: string; limit: number; _continue?: string }) => Promise<Page>;

/** `>=22.19.0` against this Node.js; undefined when the range is not a plain lower bound. */
export function nodeVersionBelow(
  range: string,
  version: string = process.versions.node,
): boolean | undefined {
  const want = /^>=\s*(\d+)\.(\d+)\.(\d+)$/.exec(range.trim());
  if (!want) return undefined;
  const have = version.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const w = Number(want[i + 1]);
    const h = have[i] ?? 0;
    if (h !== w) return h < w;
  }
  return false;
}

/**
 * Why the client cannot load here, if it cannot. Vigil depends on the 1.x client, which runs on
 * Node.js 20; its 2.x releases use undici 8, which needs a newer Node.js. Should one be installed,
 * importing it fails in a way Node reports as an uncaught exception even when the import is
 * caught, so the requirement is read first.
 */
function clientRuntimeUnmet(): string | undefined {
  try {
    const require = createRequire(createRequire(import.meta.url).resolve('@kubernetes/client-node'));
    const pkg = JSON.parse(readFileSync(require.resolve('undici/package.json'), 'utf8')) as {
      version?: string;
      engines?: { node?: string };
    };
    const range = pkg.engines?.node;
    if (range && nodeVersionBelow(range) === true)
      return `live cluster scanning needs Node.js ${range} (for @kubernetes/client-node's undici ${pkg.version ?? ''}); this is ${process.version}`;
  } catch {
    // Cannot tell: try the import.
  }
  return undefined;
}

/** Lists every workload in the cluster (or one namespace), page by page. */
export async function scanCluster(
  options: KubeOptions,
): Promise<{ workloads: Workload[]; problems: InputProblem[] }> {
  const unmet = clientRuntimeUnmet();
  if (unmet) throw new Error(unmet);
  let k8s: typeof import('@kubernetes/client-node');
  try {
    k8s = await import('@kubernetes/client-node');
  } catch (e) {
    throw new Error(`cannot load @kubernetes/client-node: ${(e as Error).message}`);
  }
  const kc = new k8s.KubeConfig();
  if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
  else kc.loadFromDefault();
  if (options.context) kc.setCurrentContext(options.context);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const batch = kc.makeApiClient(k8s.BatchV1Api);
  const ns = options.namespace;
  // One lister per kind: namespaced when a namespace is given, else across all namespaces.
  const listers: Record<LiveKind, Lister> = {
    Pod: (a) => (ns ? core.listNamespacedPod({ ...a, namespace: ns }) : core.listPodForAllNamespaces(a)),
    Deployment: (a) =>
      ns ? apps.listNamespacedDeployment({ ...a, namespace: ns }) : apps.listDeploymentForAllNamespaces(a),
    DaemonSet: (a) =>
      ns ? apps.listNamespacedDaemonSet({ ...a, namespace: ns }) : apps.listDaemonSetForAllNamespaces(a),
    StatefulSet: (a) =>
      ns ? apps.listNamespacedStatefulSet({ ...a, namespace: ns }) : apps.listStatefulSetForAllNamespaces(a),
    ReplicaSet: (a) =>
      ns ? apps.listNamespacedReplicaSet({ ...a, namespace: ns }) : apps.listReplicaSetForAllNamespaces(a),
    ReplicationController: (a) =>
      ns
        ? core.listNamespacedReplicationController({ ...a, namespace: ns })
        : core.listReplicationControllerForAllNamespaces(a),
    Job: (a) => (ns ? batch.listNamespacedJob({ ...a, namespace: ns }) : batch.listJobForAllNamespaces(a)),
    CronJob: (a) =>
      ns ? batch.listNamespacedCronJob({ ...a, namespace: ns }) : batch.listCronJobForAllNamespaces(a),
  };
  const workloads: Workload[] = [];
  const problems: InputProblem[] = [];
  for (const { kind } of LIVE_KINDS) {
    let next: string | undefined;
    try {
      do {
        const page = await listers[kind]({ limit: 500, ...(next ? { _continue: next } : {}) });
        workloads.push(...workloadsFromApiObjects(kind, page.items, problems));
        next = page.metadata?._continue || undefined;
      } while (next);
    } catch (e) {
      problems.push({ message: `listing ${kind}s: ${(e as Error).message}`, target: `k8s:${kind}` });
    }
  }
  return { workloads, problems };
}
