/** Durations in playbooks and configuration: a whole number and a unit (`500ms`, `30s`, `5m`, `2h`, `7d`). */
const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds, or an error message. Bare numbers are refused: `30` could mean seconds or minutes. */
export function parseDuration(text: unknown): { ok: true; ms: number } | { ok: false; error: string } {
  if (typeof text !== 'string')
    return { ok: false, error: `a duration is text such as "30s" or "7d", not ${describe(text)}` };
  const m = /^\s*(\d{1,9})\s*(ms|s|m|h|d)\s*$/.exec(text);
  if (!m)
    return { ok: false, error: `"${text.slice(0, 40)}" is not a duration (a number and ms, s, m, h or d)` };
  return { ok: true, ms: Number(m[1]) * UNITS[m[2]!]! };
}

export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const)
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

export function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v).slice(0, 40)}`;
}
