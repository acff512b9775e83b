/** A search request that cannot run: the message is for the caller (HTTP 400, CLI exit 2). */
export class SearchRequestError extends Error {
  constructor(
    message: string,
    readonly position?: number,
  ) {
    super(message);
    this.name = 'SearchRequestError';
  }
}

const UNIT_MS = { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8 } as const;

/** A time bound: ISO 8601, epoch milliseconds, `now`, or `now-15m` (s, m, h, d, w). */
export function parseTimeBound(v: unknown, fallback: number, name: string, now: number): number {
  if (v === undefined || v === null || v === '') return fallback;
  const s = String(v).trim();
  const rel = /^now(?:-(\d{1,9})([smhdw]))?$/.exec(s);
  if (rel) return now - Number(rel[1] ?? 0) * UNIT_MS[(rel[2] ?? 's') as keyof typeof UNIT_MS];
  const t = /^\d{1,15}$/.test(s) ? Number(s) : Date.parse(s);
  if (!Number.isFinite(t))
    throw new SearchRequestError(`"${name}" is not a time: use ISO 8601, epoch ms or now-15m`);
  return t;
}

export function parseCount(v: unknown, fallback: number, max: number, name: string): number {
  if (v === undefined || v === null || v === '') return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0 || n > max)
    throw new SearchRequestError(`"${name}" must be an integer from 0 to ${max}`);
  return n;
}

export interface TimeRange {
  /** Epoch ms, inclusive. */
  readonly from: number;
  readonly to: number;
}

export function parseRange(
  from: unknown,
  to: unknown,
  defaultSpanMs: number,
  now: number = Date.now(),
): TimeRange {
  const range = {
    from: parseTimeBound(from, now - defaultSpanMs, 'from', now),
    to: parseTimeBound(to, now, 'to', now),
  };
  if (range.from > range.to) throw new SearchRequestError('"from" is after "to"');
  return range;
}

/** The tenant and time condition every read starts with; the params it needs are in `rangeParams`. */
export const TENANT_RANGE =
  'tenant = {tenant:String} AND ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts <= fromUnixTimestamp64Milli({to:Int64})';

export function rangeParams(tenant: string, r: TimeRange): Record<string, unknown> {
  return { tenant, from: r.from, to: r.to };
}
