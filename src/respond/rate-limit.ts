/**
 * Token buckets per action type: `burst` actions at once, refilled at `perMinute`. A step that
 * finds its bucket empty waits for the next token (recorded as deferred) instead of failing.
 */
export interface RateLimit {
  readonly perMinute: number;
  readonly burst: number;
}

class Bucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly limit: RateLimit,
    now: number,
  ) {
    this.tokens = limit.burst;
    this.last = now;
  }

  /** 0 when a token was taken; else the milliseconds until one will be there. */
  take(now: number): number {
    const perMs = this.limit.perMinute / 60_000;
    this.tokens = Math.min(this.limit.burst, this.tokens + Math.max(0, now - this.last) * perMs);
    this.last = Math.max(this.last, now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return perMs <= 0 ? Number.POSITIVE_INFINITY : Math.ceil((1 - this.tokens) / perMs);
  }
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  /** `limits` by action name; `*` applies to actions not named. Without either, actions are not limited. */
  constructor(private readonly limits: Readonly<Record<string, RateLimit>>) {
    for (const [name, l] of Object.entries(limits))
      if (
        !(l.perMinute >= 0) ||
        !(l.burst >= 1) ||
        !Number.isFinite(l.perMinute) ||
        !Number.isFinite(l.burst)
      )
        throw new RangeError(`rate limit for ${name}: perMinute ≥ 0 and burst ≥ 1`);
  }

  take(action: string, now: number): number {
    const limit = this.limits[action] ?? this.limits['*'];
    if (limit === undefined) return 0;
    let b = this.buckets.get(action);
    if (b === undefined) this.buckets.set(action, (b = new Bucket(limit, now)));
    return b.take(now);
  }
}
