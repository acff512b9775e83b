import { formatImageRef, parseImageRef, repositoryName } from './image-ref.js';
import { matchRule, type TrustPolicy } from './policy.js';
import type { RegistryClient, RegistryOptions } from './registry.js';
import { verifyImage, type Verdict } from './verify.js';

/** A container (Docker) or pod container (Kubernetes) and the image it runs. */
export interface RuntimeImage {
  /** A stable key: a container ID, or `namespace/pod/container`. */
  id: string;
  /** The image as configured: Docker's `Config.Image`, a pod spec's `image`. */
  image: string;
  /**
   * Registry digests the runtime reports: Docker's image `RepoDigests` (`repo@sha256:...`), a pod
   * status's `imageID` (`docker-pullable://repo@sha256:...`). Leave undefined when unknown; an empty
   * list means the runtime knows of none (an image built or loaded locally).
   */
  digests?: readonly string[];
}

export interface MonitorVerdict extends Verdict {
  id: string;
  /** True for the states that deserve an alert: unsigned, untrusted, mismatch, invalid, not-covered. */
  alert: boolean;
  /** Epoch ms of the check this verdict comes from. */
  checkedAt: number;
  /** Whether it was served from the cache. */
  cached: boolean;
}

export interface MonitorOptions {
  policy: TrustPolicy;
  registry?: RegistryOptions;
  /** How long a verdict for one (image, digest) stays fresh; 5 minutes by default. */
  ttlMs?: number;
  /** The clock, in epoch ms (tests pass their own). */
  now?: () => number;
}

const ALERTING: ReadonlySet<Verdict['status']> = new Set([
  'unsigned',
  'untrusted',
  'mismatch',
  'invalid',
  'not-covered',
]);

/**
 * Continuous verification for a live watcher: call `check` on every container event and
 * `recheckAll` on a schedule. Verdicts are cached per image and runtime digest for `ttlMs`, so an
 * event storm costs one registry round per image; concurrent checks of one image share a request.
 * Error verdicts (registry down) are not cached.
 */
export class ImageTrustMonitor {
  private policy: TrustPolicy;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly cache = new Map<string, { verdict: Verdict; at: number }>();
  private readonly inflight = new Map<string, Promise<{ verdict: Verdict; at: number }>>();
  private readonly images = new Map<string, RuntimeImage>();
  private readonly clients = new Map<string, RegistryClient>();

  constructor(private readonly options: MonitorOptions) {
    this.policy = options.policy;
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Verifies what a container runs, from the cache when fresh. Never throws. */
  async check(image: RuntimeImage): Promise<MonitorVerdict> {
    this.images.set(image.id, image);
    let runtimeDigest: string | undefined;
    let key: string;
    try {
      const ref = parseImageRef(image.image);
      runtimeDigest =
        ref.digest ??
        (image.digests !== undefined ? runtimeDigestFor(image.image, image.digests) : undefined);
      key = `${image.image}|${runtimeDigest ?? (image.digests === undefined ? 'resolve' : 'local')}`;
    } catch {
      // verifyImage turns the unreadable reference into an error verdict.
      return this.wrap(image, await verifyImage(image.image, this.policy), this.now(), false);
    }
    const hit = this.cache.get(key);
    if (hit !== undefined && this.now() - hit.at < this.ttlMs)
      return this.wrap(image, hit.verdict, hit.at, true);
    let pending = this.inflight.get(key);
    if (pending === undefined) {
      pending = this.evaluate(image, runtimeDigest).then((verdict) => {
        const entry = { verdict, at: this.now() };
        if (verdict.status !== 'error') this.cache.set(key, entry);
        return entry;
      });
      this.inflight.set(key, pending);
      void pending.finally(() => this.inflight.delete(key)).catch(() => undefined);
    }
    const { verdict, at } = await pending;
    return this.wrap(image, verdict, at, false);
  }

  /** Re-verifies every tracked container, ignoring the cache (for a schedule). */
  async recheckAll(): Promise<MonitorVerdict[]> {
    this.cache.clear();
    const out: MonitorVerdict[] = [];
    for (const image of [...this.images.values()]) out.push(await this.check(image));
    return out;
  }

  /** Stops tracking a container (it was removed). */
  forget(id: string): void {
    this.images.delete(id);
  }

  /** Swaps the policy (a reloaded file); cached verdicts are dropped. */
  setPolicy(policy: TrustPolicy): void {
    this.policy = policy;
    this.cache.clear();
  }

  tracked(): RuntimeImage[] {
    return [...this.images.values()];
  }

  private async evaluate(image: RuntimeImage, runtimeDigest: string | undefined): Promise<Verdict> {
    const ref = parseImageRef(image.image);
    const rule = matchRule(this.policy, repositoryName(ref));
    if (
      runtimeDigest === undefined &&
      image.digests !== undefined &&
      rule !== undefined &&
      rule.kind !== 'allow-unsigned'
    ) {
      // The runtime knows no registry digest: the image never came from this registry as signed.
      return {
        status: 'unsigned',
        pass: false,
        image: formatImageRef(ref),
        repository: repositoryName(ref),
        ...(ref.tag !== undefined ? { tag: ref.tag } : {}),
        method: 'none',
        rule: `${rule.where} ${rule.match}`,
        signers: [],
        signatures: [],
        reasons: [`the runtime reports no registry digest for ${image.image} (built or loaded locally?)`],
      };
    }
    return verifyImage(ref, this.policy, {
      ...(this.options.registry !== undefined ? { registry: this.options.registry } : {}),
      ...(runtimeDigest !== undefined ? { runtimeDigest } : {}),
      now: () => new Date(this.now()),
      clients: this.clients,
    });
  }

  private wrap(image: RuntimeImage, verdict: Verdict, at: number, cached: boolean): MonitorVerdict {
    return { ...verdict, id: image.id, alert: ALERTING.has(verdict.status), checkedAt: at, cached };
  }
}

/**
 * The registry digest of `image` among the digests a runtime reports. Only an entry for the same
 * repository counts: a bare `sha256:...` is Docker's image ID (a config digest), not a manifest.
 */
export function runtimeDigestFor(image: string, digests: readonly string[]): string | undefined {
  const repo = repositoryName(parseImageRef(image));
  for (const entry of digests) {
    const text = entry.replace(/^(?:docker-pullable|docker):\/\//, '');
    if (!text.includes('@')) continue;
    try {
      const r = parseImageRef(text);
      if (r.digest !== undefined && repositoryName(r) === repo) return r.digest;
    } catch {
      // A malformed entry is skipped; the others may still name the image.
    }
  }
  return undefined;
}
