import type { PurgeCounts, PurgeCutoffs } from '../respond/index.js';
import { applyRetention, readMeta, writeMeta, type Store } from '../store/index.js';
import { HttpError } from './http.js';
import type { ServerConfig } from './config.js';

export type RetentionSource = 'configuration' | 'settings' | 'default';

const META_KEY = 'retention_days';
/** Ten years: beyond that a typo is likelier than a policy. */
export const MAX_RETENTION_DAYS = 3650;

/**
 * How long events and alerts are kept. A value in the configuration (file, environment or flag)
 * wins and cannot be changed from the UI; otherwise an admin's setting, kept in the store, wins
 * over the default, so that it survives restarts.
 */
export class Retention {
  private constructor(
    private readonly store: Store,
    private current: number,
    private from: RetentionSource,
  ) {}

  static async open(store: Store, config: ServerConfig): Promise<Retention> {
    let days = config.retentionDays;
    let source: RetentionSource = 'default';
    if (config.explicit.includes('retentionDays')) source = 'configuration';
    else {
      const saved = await readMeta(store, META_KEY);
      const n = saved === null ? NaN : Number(saved);
      if (Number.isSafeInteger(n) && n >= 0 && n <= MAX_RETENTION_DAYS) {
        days = n;
        source = 'settings';
      }
    }
    await applyRetention(store, days);
    return new Retention(store, days, source);
  }

  get days(): number {
    return this.current;
  }

  get source(): RetentionSource {
    return this.from;
  }

  /** Whether an admin may change it here (not when the configuration sets it). */
  get editable(): boolean {
    return this.from !== 'configuration';
  }

  async set(days: unknown): Promise<void> {
    if (!this.editable)
      throw new HttpError(
        409,
        'retention is set by the server configuration (retention_days, VIGIL_RETENTION_DAYS or --retention-days); change it there',
      );
    if (typeof days !== 'number' || !Number.isSafeInteger(days) || days < 0 || days > MAX_RETENTION_DAYS)
      throw new HttpError(
        400,
        `"days" must be a whole number from 0 (keep forever) to ${MAX_RETENTION_DAYS}`,
      );
    await applyRetention(this.store, days);
    await writeMeta(this.store, META_KEY, String(days));
    this.current = days;
    this.from = 'settings';
  }
}

const DAY = 86_400_000;
/** The response audit log is the trail of what Vigil did: a year of it stays whatever the retention. */
export const AUDIT_MIN_DAYS = 365;

/** What a purge pass deletes from: the incident repository and the response records. */
export interface PurgeTargets {
  readonly incidents: {
    purge(before: number): Promise<{ incidents: number; notes: number; suppressions: number }>;
  };
  readonly response: { purge(cut: PurgeCutoffs): Promise<PurgeCounts> };
}

export type PurgeReport = Awaited<ReturnType<PurgeTargets['incidents']['purge']>> & PurgeCounts;

const PURGED_NAMES: Readonly<Record<keyof PurgeReport, string>> = {
  incidents: 'incidents',
  notes: 'incident notes',
  suppressions: 'suppressions',
  runs: 'response runs',
  stepKeys: 'step keys',
  agentCommands: 'agent commands',
  blockEntries: 'block-list entries',
  audit: 'audit entries',
};

/**
 * Keeps the records beside events and alerts to the same retention. Events and alerts go by TTL;
 * incidents, response runs, block-list entries and the like are versioned, so a pass a day deletes
 * those over and quiet for the retention period, every version at once (see `purgeVersions`).
 */
export class RecordPurge {
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<unknown> | null = null;
  private stopped = false;
  /** What the passes so far removed, by kind; passes by outcome; the last good pass (epoch ms, 0: none). */
  readonly stats = {
    purged: Object.fromEntries(Object.keys(PURGED_NAMES).map((k) => [k, 0])) as Record<
      keyof PurgeReport,
      number
    >,
    passes: { ok: 0, failed: 0 },
    lastSuccess: 0,
  };

  constructor(
    private readonly retention: { readonly days: number },
    private readonly targets: PurgeTargets,
    private readonly log: (m: string) => void,
  ) {}

  /** The first pass a minute after start-up, out of its way; then one a day. */
  start(firstMs = 60_000, everyMs = DAY): void {
    const schedule = (delay: number) => {
      this.timer = setTimeout(() => {
        this.pass = this.runOnce()
          .catch((e: unknown) => {
            this.stats.passes.failed++;
            this.log(`retention: purging old records failed: ${(e as Error).message}`);
          })
          .finally(() => {
            this.pass = null;
            if (!this.stopped) schedule(everyMs);
          });
      }, delay);
      this.timer.unref();
    };
    schedule(firstMs);
  }

  /** Stops scheduling, and waits for a pass under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    await this.pass;
  }

  /** One pass: null when retention keeps everything (0 days). */
  async runOnce(now = Date.now()): Promise<PurgeReport | null> {
    const days = this.retention.days;
    if (days === 0) return null;
    const records = now - days * DAY;
    const incidents = await this.targets.incidents.purge(records);
    const response = await this.targets.response.purge({
      records,
      audit: now - Math.max(days, AUDIT_MIN_DAYS) * DAY,
    });
    const report = { ...incidents, ...response };
    for (const [what, n] of Object.entries(report)) this.stats.purged[what as keyof PurgeReport] += n;
    this.stats.passes.ok++;
    this.stats.lastSuccess = now;
    const gone = Object.entries(report).filter(([, n]) => n > 0);
    if (gone.length > 0)
      this.log(
        `retention (${days} days): purged ${gone.map(([what, n]) => `${n} ${PURGED_NAMES[what as keyof PurgeReport]}`).join(', ')}`,
      );
    return report;
  }
}
