import type { JsonObject } from '../../ingest/types.js';
import { checkWorkload } from '../posture/checks.js';
import type { Finding } from '../posture/model.js';
import { FieldReader, isRecord } from '../posture/sources/fields.js';
import { workloadsFromManifest } from '../posture/sources/kubernetes.js';
import { ImageTrustMonitor, runtimeImagesFromPod, type PodDoc, type TrustPolicy } from '../trust/index.js';
import { postureEvents, trustEvent, type WatchAction, type WatchedContainer } from './events.js';

/** What the pod watcher needs of a pod (the API's JSON). */
export interface PodObject extends PodDoc {
  readonly metadata?: { namespace?: string; name?: string; uid?: string };
  readonly spec?: PodDoc['spec'] & { nodeName?: string };
  readonly status?: PodDoc['status'] & {
    containerStatuses?: { name: string; image?: string; imageID?: string; containerID?: string }[] | null;
  };
}

/** `containerd://abc` → `abc`: the runtime's id, which node sensors report as container.id. */
function runtimeId(containerID: string | undefined): string {
  return containerID === undefined ? '' : containerID.replace(/^[a-z0-9-]+:\/\//, '');
}

/**
 * Turns pods into the watcher's events: a pod's dangerous settings once (when first seen), and
 * each container's image trust verdict whenever it changes. Shared by the live Kubernetes watch
 * and its tests; it holds no connection of its own.
 */
export class PodReporter {
  private readonly seen = new Map<string, { posture: boolean; verdicts: Map<string, string> }>();
  private readonly monitor: ImageTrustMonitor | null;

  constructor(
    policy: TrustPolicy | null,
    private readonly options: { pssMinor?: number; now?: () => number } = {},
  ) {
    this.monitor =
      policy === null
        ? null
        : new ImageTrustMonitor({ policy, ...(options.now !== undefined ? { now: options.now } : {}) });
  }

  /** Events for a pod added or changed (`recheck`: verify images afresh). */
  async report(pod: PodObject, action: WatchAction): Promise<JsonObject[]> {
    const key = pod.metadata?.uid ?? `${pod.metadata?.namespace}/${pod.metadata?.name}`;
    let seen = this.seen.get(key);
    if (seen === undefined) this.seen.set(key, (seen = { posture: false, verdicts: new Map() }));
    const at = (this.options.now ?? Date.now)();
    const host = pod.spec?.nodeName ?? '';
    const out: JsonObject[] = [];
    const statuses = (pod.status?.containerStatuses ?? []) as readonly {
      name: string;
      imageID?: string;
      containerID?: string;
    }[];
    const describe = (name: string | undefined, image: string): WatchedContainer => {
      const status = statuses.find((s) => s.name === name);
      const id = runtimeId(status?.containerID);
      return {
        id:
          id !== ''
            ? id
            : `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? '?'}/${name ?? ''}`,
        name: `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? '?'}${name ? `/${name}` : ''}`,
        image,
        digest: status?.imageID?.includes('@') ? status.imageID.replace(/^[a-z-]+:\/\//, '') : '',
        runtime: 'kubernetes',
      };
    };
    const imageOf = (name: string | undefined) =>
      [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === name)
        ?.image ?? '';
    if (!seen.posture) {
      seen.posture = true;
      const manifest = { ...(pod as object), kind: 'Pod', apiVersion: 'v1' };
      const byContainer = new Map<string | undefined, Finding[]>();
      for (const w of workloadsFromManifest(manifest, new FieldReader([])))
        for (const f of checkWorkload(
          w,
          this.options.pssMinor !== undefined ? { pssMinor: this.options.pssMinor } : {},
        ))
          byContainer.set(f.container, [...(byContainer.get(f.container) ?? []), f]);
      for (const [name, findings] of byContainer)
        out.push(...postureEvents(at, host, describe(name, imageOf(name)), action, findings));
    }
    if (this.monitor !== null)
      for (const image of runtimeImagesFromPod(pod)) {
        const v = await this.monitor.check(image);
        const name = image.id.split('/').at(-1);
        if (v.status === 'error' || seen.verdicts.get(image.id) === v.status) continue;
        seen.verdicts.set(image.id, v.status);
        out.push(trustEvent(at, host, describe(name, image.image), action, v));
      }
    for (const e of out) {
      e['orchestrator.type'] = 'kubernetes';
      e['orchestrator.namespace'] = pod.metadata?.namespace ?? 'default';
      e['orchestrator.resource.name'] = pod.metadata?.name ?? '';
    }
    return out;
  }

  forget(pod: PodObject): void {
    this.seen.delete(pod.metadata?.uid ?? `${pod.metadata?.namespace}/${pod.metadata?.name}`);
  }
}

/** A watch event's object, if it is a pod. */
export function asPod(obj: unknown): PodObject | null {
  return isRecord(obj) && isRecord(obj.metadata) ? (obj as PodObject) : null;
}

/**
 * Follows every pod of a cluster (all namespaces) through the API's watch, with
 * @kubernetes/client-node and a kubeconfig; re-lists and re-watches after the stream ends.
 */
export class KubePodWatcher {
  private stopped = false;
  private request: { abort(): void } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly reporter: PodReporter;
  private readonly pods = new Map<string, PodObject>();

  constructor(
    private readonly o: {
      kubeconfig?: string;
      context?: string;
      policy: TrustPolicy | null;
      recheckMs?: number;
      emit: (events: JsonObject[]) => Promise<void>;
      log: (message: string) => void;
    },
  ) {
    this.reporter = new PodReporter(o.policy);
  }

  async start(): Promise<void> {
    const k8s = await import('@kubernetes/client-node');
    const kc = new k8s.KubeConfig();
    if (this.o.kubeconfig !== undefined) kc.loadFromFile(this.o.kubeconfig);
    else kc.loadFromDefault();
    if (this.o.context !== undefined) kc.setCurrentContext(this.o.context);
    const watch = new k8s.Watch(kc);
    let wait = 500;
    const follow = async (): Promise<void> => {
      if (this.stopped) return;
      try {
        this.request = await watch.watch(
          '/api/v1/pods',
          { allowWatchBookmarks: false },
          (type, obj) => void this.onEvent(type, obj),
          (err: unknown) => {
            this.request = null;
            if (this.stopped) return;
            if (err !== null && err !== undefined)
              this.o.log(`kubernetes watch: ${(err as Error).message ?? String(err)}`);
            setTimeout(() => void follow(), wait).unref();
            wait = Math.min(30_000, wait * 2);
          },
        );
        wait = 500;
      } catch (e) {
        this.o.log(`kubernetes watch: ${(e as Error).message}`);
        setTimeout(() => void follow(), wait).unref();
        wait = Math.min(30_000, wait * 2);
      }
    };
    await follow();
    const every = this.o.recheckMs ?? 600_000;
    if (this.o.policy !== null && every > 0) {
      this.timer = setInterval(() => void this.recheck(), every);
      this.timer.unref();
    }
  }

  private async onEvent(type: string, obj: unknown): Promise<void> {
    const pod = asPod(obj);
    if (pod === null) return;
    const key = pod.metadata?.uid ?? `${pod.metadata?.namespace}/${pod.metadata?.name}`;
    try {
      if (type === 'DELETED') {
        this.pods.delete(key);
        this.reporter.forget(pod);
        return;
      }
      if (type !== 'ADDED' && type !== 'MODIFIED') return;
      this.pods.set(key, pod);
      const events = await this.reporter.report(pod, type === 'ADDED' ? 'create' : 'start');
      if (events.length > 0) await this.o.emit(events);
    } catch (e) {
      this.o.log(`kubernetes watch: ${(e as Error).message}`);
    }
  }

  private async recheck(): Promise<void> {
    for (const pod of this.pods.values())
      try {
        const events = await this.reporter.report(pod, 'recheck');
        if (events.length > 0) await this.o.emit(events);
      } catch (e) {
        this.o.log(`kubernetes re-check: ${(e as Error).message}`);
      }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.request?.abort();
  }
}
