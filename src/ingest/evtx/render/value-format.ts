import type { SystemTime, Value } from '../binxml/model.js';
import { VT } from '../binxml/tokens.js';

const FILETIME_EPOCH_OFFSET = 116444736000000000n; // 100 ns ticks from 1601-01-01 to 1970-01-01
const TICKS_PER_SECOND = 10_000_000n;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

const SECONDS_PER_DAY = 86400;
let cachedDay = Number.NaN;
let cachedDate = '';

/** `YYYY-MM-DD` of an epoch day; records arrive in time order, so one cached day covers most calls. */
function isoDate(day: number): string {
  if (day !== cachedDay) {
    const d = new Date(day * SECONDS_PER_DAY * 1000);
    const year = d.getUTCFullYear();
    const y = year >= 0 && year <= 9999 ? pad(year, 4) : (year < 0 ? '-' : '+') + pad(Math.abs(year), 6);
    cachedDate = Number.isNaN(year)
      ? 'invalid'
      : `${y}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
    cachedDay = day;
  }
  return cachedDate;
}

function isoSeconds(epochSeconds: number): string {
  const day = Math.floor(epochSeconds / SECONDS_PER_DAY);
  let rest = epochSeconds - day * SECONDS_PER_DAY;
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  return `${isoDate(day)}T${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}:${s < 10 ? '0' : ''}${s}`;
}

/** FILETIME ticks as ISO-8601 UTC with `digits` fractional digits (6 = evtx-crate JSON, 7 = Windows XML). */
export function formatFileTime(ticks: bigint, digits: 6 | 7): string {
  const rel = ticks - FILETIME_EPOCH_OFFSET;
  let seconds = rel / TICKS_PER_SECOND;
  let frac = rel % TICKS_PER_SECOND;
  if (frac < 0n) {
    frac += TICKS_PER_SECOND;
    seconds -= 1n;
  }
  const fraction = digits === 7 ? pad(Number(frac), 7) : pad(Number(frac / 10n), 6);
  return `${isoSeconds(Number(seconds))}.${fraction}Z`;
}

/** FILETIME ticks as epoch milliseconds (for sorting and filtering). */
export function fileTimeToEpochMs(ticks: bigint): number {
  return Number((ticks - FILETIME_EPOCH_OFFSET) / 10_000n);
}

export function formatSystemTime(t: SystemTime, digits: 3 | 6): string {
  const date = `${pad(t.year, 4)}-${pad(t.month, 2)}-${pad(t.day, 2)}`;
  const time = `${pad(t.hour, 2)}:${pad(t.minute, 2)}:${pad(t.second, 2)}`;
  return `${date}T${time}.${pad(t.millisecond, 3)}${digits === 6 ? '000' : ''}Z`;
}

function hex(n: number | bigint): string {
  return `0x${n.toString(16)}`;
}

/**
 * The text of a scalar value. `style` picks the conventions: 'json' follows the evtx crate
 * (GUIDs bare and upper-case, microsecond times); 'xml' follows Windows' own rendering
 * (GUIDs in braces, lower-case; 100 ns times).
 */
export function valueText(value: Value, style: 'json' | 'xml'): string {
  const p = value.payload;
  switch (value.type) {
    case VT.Null:
      return '';
    case VT.String:
    case VT.AnsiString:
    case VT.Binary:
    case VT.Sid:
    case VT.EvtHandle:
    case VT.EvtXml:
      return p as string;
    case VT.Guid:
      return style === 'json' ? (p as string) : `{${(p as string).toLowerCase()}}`;
    case VT.HexInt32:
    case VT.HexInt64:
    case VT.SizeT:
      return hex(p as number | bigint);
    case VT.FileTime:
      return formatFileTime(p as bigint, style === 'json' ? 6 : 7);
    case VT.SysTime:
      return formatSystemTime(p as SystemTime, style === 'json' ? 6 : 3);
    case VT.Bool:
      return p ? 'true' : 'false';
    default:
      if (Array.isArray(p)) return (p as Value[]).map((v) => valueText(v, style)).join(',');
      return String(p);
  }
}
