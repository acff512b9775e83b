import type { EventView, FieldValue, Scalar } from './event-view.js';

/** A field's lower-cased value: one text (or null), a list of them, or ABSENT. */
type Lowered = string | null | readonly (string | null)[];
const ABSENT: readonly (string | null)[] = [];

/**
 * One event being matched: its view, plus lower-cased texts per field computed at most once
 * per event, however many rules read the field. Single values are cached without wrapping them
 * in arrays: most fields hold one value, and per-event allocations are what the hot path pays for.
 */
export class MatchContext {
  view: EventView = { get: () => undefined, values: () => [] };
  private readonly lowered = new Map<string, Lowered>();
  private allLowered: (string | null)[] | null = null;

  reset(view: EventView): void {
    this.view = view;
    this.lowered.clear();
    this.allLowered = null;
  }

  /** Whether `test` holds for a lower-cased text of the field (null for null values). */
  someLower(field: string, test: (t: string | null) => boolean): boolean {
    let cached = this.lowered.get(field);
    if (cached === undefined) {
      cached = lowerValue(this.view.get(field));
      this.lowered.set(field, cached);
    }
    if (typeof cached === 'string' || cached === null) return test(cached);
    for (let i = 0; i < cached.length; i++) if (test(cached[i]!)) return true;
    return false;
  }

  /** Lower-cased texts of a field's values (null for null values); empty when absent. */
  lower(field: string): readonly (string | null)[] {
    const out: (string | null)[] = [];
    this.someLower(field, (t) => {
      out.push(t);
      return false;
    });
    return out;
  }

  /** Lower-cased texts of every value in the event, for keyword searches. */
  lowerEverything(): readonly (string | null)[] {
    if (this.allLowered === null) {
      const out: (string | null)[] = [];
      for (const v of this.view.values()) {
        if (Array.isArray(v)) for (const x of v as readonly Scalar[]) out.push(lowerScalar(x));
        else out.push(lowerScalar(v as Scalar));
      }
      this.allLowered = out;
    }
    return this.allLowered;
  }
}

function lowerScalar(v: Scalar): string | null {
  return v === null ? null : typeof v === 'string' ? v.toLowerCase() : String(v).toLowerCase();
}

function lowerValue(v: FieldValue | undefined): Lowered {
  if (v === undefined) return ABSENT;
  if (Array.isArray(v)) return (v as readonly Scalar[]).map(lowerScalar);
  return lowerScalar(v as Scalar);
}

/** Calls `fn` with the text of each of a value's scalars (numbers as written); skips nulls. */
export function eachText(v: FieldValue | undefined, fn: (text: string) => boolean): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'string') return fn(v);
  if (Array.isArray(v)) {
    for (const x of v as readonly Scalar[])
      if (x !== null && fn(typeof x === 'string' ? x : String(x))) return true;
    return false;
  }
  return fn(String(v));
}
