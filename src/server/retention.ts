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
