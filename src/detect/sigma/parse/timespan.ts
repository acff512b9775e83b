const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `30s`, `5m`, `1h`, `2d`, `1w` → milliseconds; null when malformed. */
export function parseTimespan(text: string): number | null {
  const m = /^(\d+)\s*([smhdw])$/i.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]) * UNITS[m[2]!.toLowerCase()]!;
  return n > 0 ? n : null;
}
