import type { JsonObject } from '../../ingest/types.js';
import { DockerClient, type DockerEvent } from '../docker-api.js';
import { postureOfDockerInspect } from '../posture/index.js';
import {
  ImageTrustMonitor,
  runtimeImageFromDocker,
  type DockerContainerDoc,
  type DockerImageDoc,
  type MonitorVerdict,
  type RegistryOptions,
  type TrustPolicy,
} from '../trust/index.js';
import { postureEvents, trustEvent, type WatchAction, type WatchedContainer } from './events.js';

export interface WatcherOptions {
  /** The Docker Engine API (Docker or Podman): unix:///path or tcp://host:port. */
  readonly endpoint: string;
  /** host.name of the events; the daemon's own name (GET /info) when absent. */
  readonly host?: string;
  /** Which images need signatures from whom; null checks posture only. */
  readonly policy: TrustPolicy | null;
  readonly registry?: RegistryOptions;
  /** Every running or created container's image is verified again this often (default 10 min). */
  readonly recheckMs?: number;
  /** Hands events to the pipeline; the watcher waits for it (the ingest log makes them durable). */
  readonly emit: (events: JsonObject[]) => Promise<void>;
  readonly log: (message: string) => void;
  readonly pssMinor?: number;
  readonly now?: () => number;
}

export interface WatcherStats {
  connected: boolean;
  containers: number;
  examined: number;
  findings: number;
  verdicts: number;
  alertingVerdicts: number;
  reconnects: number;
  errors: number;
  lastError: string | null;
}

interface Seen {
  posture: boolean;
  verdict: string | null;
  doc: DockerContainerDoc & Record<string, unknown>;
  image: DockerImageDoc | undefined;
}

const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 30_000;

/**
 * Follows a Docker Engine's events. Every container it sees created or started (and every one
 * present when it starts) is inspected: its dangerous settings and the trust verdict of the image
 * it runs become events in the normal pipeline, where Vigil's rules alert and incidents link them
 * with what happens on the host. A container's settings are reported once; its image verdict
 * whenever it changes, on events and on the re-check schedule.
 */
export class ContainerWatcher {
  readonly stats: WatcherStats = {
    connected: false,
    containers: 0,
    examined: 0,
    findings: 0,
    verdicts: 0,
    alertingVerdicts: 0,
    reconnects: 0,
    errors: 0,
    lastError: null,
  };
  private readonly client: DockerClient;
  private readonly monitor: ImageTrustMonitor | null;
  private readonly seen = new Map<string, Seen>();
  private readonly abort = new AbortController();
  private host = '';
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Unix seconds of the last event read: a reconnect asks for what came after. */
  private since = 0;
  private readonly now: () => number;

  constructor(private readonly o: WatcherOptions) {
    this.client = new DockerClient(o.endpoint, { timeoutMs: 15_000 });
    this.monitor =
      o.policy === null
        ? null
        : new ImageTrustMonitor({
            policy: o.policy,
            ...(o.registry !== undefined ? { registry: o.registry } : {}),
            ...(o.now !== undefined ? { now: o.now } : {}),
          });
    this.now = o.now ?? Date.now;
  }

  start(): void {
    this.running ??= this.follow();
    const every = this.o.recheckMs ?? 600_000;
    if (this.monitor !== null && every > 0) {
      this.timer = setInterval(() => void this.recheck(), every);
      this.timer.unref();
    }
  }

  async stop(): Promise<void> {
    this.abort.abort();
    if (this.timer !== null) clearInterval(this.timer);
    await this.running;
  }

  /** The first sweep, then the event stream, reconnecting with backoff for as long as it runs. */
  private async follow(): Promise<void> {
    let wait = RECONNECT_MIN_MS;
    let swept = false;
    while (!this.abort.signal.aborted) {
      try {
        await this.client.negotiate();
        if (this.host === '') this.host = this.o.host ?? (await this.daemonName());
        const from = Math.floor(this.now() / 1000);
        if (!swept) {
          for (const c of await this.client.listContainers()) await this.examine(c.Id, 'present');
          swept = true;
          this.since = from;
        }
        this.stats.connected = true;
        wait = RECONNECT_MIN_MS;
        for await (const e of this.client.events({
          filters: { type: ['container'], event: ['create', 'start', 'destroy'] },
          since: this.since,
          signal: this.abort.signal,
        })) {
          if (!e.ok) {
            this.failed(e.error);
            continue;
          }
          await this.onEvent(e.value);
        }
      } catch (e) {
        if (this.abort.signal.aborted) break;
        this.failed(e);
      }
      this.stats.connected = false;
      if (this.abort.signal.aborted) break;
      this.stats.reconnects++;
      await new Promise((ok) => setTimeout(ok, wait).unref());
      wait = Math.min(RECONNECT_MAX_MS, wait * 2);
    }
    this.stats.connected = false;
  }

  private async daemonName(): Promise<string> {
    const info = await this.client.get<{ Name?: unknown }>('/info');
    return typeof info.Name === 'string' && info.Name !== '' ? info.Name : 'docker';
  }

  private async onEvent(e: DockerEvent): Promise<void> {
    const id = e.Actor?.ID ?? (typeof e.id === 'string' ? e.id : '');
    if (typeof e.time === 'number') this.since = Math.max(this.since, e.time);
    if (id === '') return;
    const action = (e.Action ?? (typeof e.status === 'string' ? e.status : '')) as string;
    if (action === 'destroy') {
      this.seen.delete(id);
      this.monitor?.forget(id);
      this.stats.containers = this.seen.size;
    } else if (action === 'create' || action === 'start') await this.examine(id, action);
  }

  /** Inspects one container and reports what is new about it. */
  async examine(id: string, action: WatchAction): Promise<void> {
    try {
      const doc = (await this.client.inspectContainer(id)) as DockerContainerDoc & Record<string, unknown>;
      const image = await this.imageOf(doc);
      let seen = this.seen.get(id);
      if (seen === undefined) {
        seen = { posture: false, verdict: null, doc, image };
        this.seen.set(id, seen);
      } else Object.assign(seen, { doc, image });
      this.stats.containers = this.seen.size;
      this.stats.examined++;
      const container = describe(doc, image, this.o.endpoint);
      const at = this.now();
      const events: JsonObject[] = [];
      if (!seen.posture) {
        const findings = postureOfDockerInspect(
          doc,
          this.o.pssMinor !== undefined ? { pssMinor: this.o.pssMinor } : {},
        );
        events.push(...postureEvents(at, this.host, container, action, findings));
        this.stats.findings += findings.length;
        seen.posture = true;
      }
      if (this.monitor !== null) {
        const verdict = await this.monitor.check(runtimeImageFromDocker(doc, image));
        const event = this.verdictEvent(seen, container, action, verdict, at);
        if (event !== null) events.push(event);
      }
      if (events.length > 0) await this.o.emit(events);
    } catch (e) {
      // A container removed between its event and the inspect is not an error worth a word.
      if (/\b404\b|no such container/i.test((e as Error).message)) return;
      this.failed(e);
    }
  }

  /** The verdict as an event when it is new for this container; errors are logged, not reported. */
  private verdictEvent(
    seen: Seen,
    c: WatchedContainer,
    action: WatchAction,
    v: MonitorVerdict,
    at: number,
  ): JsonObject | null {
    if (v.status === 'error') {
      this.failed(new Error(`verifying ${v.image}: ${v.reasons[0] ?? 'failed'}`));
      return null;
    }
    if (seen.verdict === v.status) return null;
    seen.verdict = v.status;
    this.stats.verdicts++;
    if (v.alert) this.stats.alertingVerdicts++;
    return trustEvent(at, this.host, c, action, v);
  }

  private async imageOf(
    doc: DockerContainerDoc & Record<string, unknown>,
  ): Promise<DockerImageDoc | undefined> {
    const ref = typeof doc.Image === 'string' ? doc.Image : '';
    if (ref === '') return undefined;
    try {
      return await this.client.get<DockerImageDoc>(`/images/${encodeURIComponent(ref)}/json`);
    } catch {
      // Unknown: the monitor resolves the tag instead.
      return undefined;
    }
  }

  /** Verifies every known container's image again (cache bypassed); reports verdicts that changed. */
  async recheck(): Promise<void> {
    if (this.monitor === null) return;
    const at = this.now();
    const events: JsonObject[] = [];
    try {
      for (const verdict of await this.monitor.recheckAll()) {
        const seen = this.seen.get(verdict.id);
        if (seen === undefined) continue;
        const event = this.verdictEvent(
          seen,
          describe(seen.doc, seen.image, this.o.endpoint),
          'recheck',
          verdict,
          at,
        );
        if (event !== null) events.push(event);
      }
      if (events.length > 0) await this.o.emit(events);
    } catch (e) {
      this.failed(e);
    }
  }

  private failed(e: unknown): void {
    this.stats.errors++;
    this.stats.lastError = e instanceof Error ? e.message : String(e);
    this.o.log(`container watch: ${this.stats.lastError}`);
  }
}

function describe(
  doc: DockerContainerDoc & Record<string, unknown>,
  image: DockerImageDoc | undefined,
  endpoint: string,
): WatchedContainer {
  const config = (doc.Config ?? {}) as { Image?: unknown };
  const ref =
    typeof config.Image === 'string' ? config.Image : typeof doc.Image === 'string' ? doc.Image : '';
  const name = typeof doc.Name === 'string' ? doc.Name.replace(/^\//, '') : '';
  const digests = (image?.RepoDigests ?? []) as readonly unknown[];
  const digest = digests.find((d): d is string => typeof d === 'string') ?? '';
  return {
    id: String(doc.Id ?? ''),
    name,
    image: ref,
    digest,
    runtime: /podman/i.test(endpoint) ? 'podman' : 'docker',
  };
}
