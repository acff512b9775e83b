import type { EventView, FieldValue, Scalar } from './event-view.js';

const EMPTY: readonly (string | null)[] = [];

/**
 * One event being matched: its view, plus lower-cased texts per field computed at most once
 * per event, however many rules read the field.
 */
export class MatchContext {
  view: EventView = { get: () => undefined, values: () => [] };
  private readonly lowered = new Map<string, readonly (string | null)[]>();
  private allLowered: (string | null)[] | null = null;
  private allRaw: (string | null)[] | null = null;

  reset(view: EventView): void {
    this.view = view;
    this.lowered.clear();
    this.allLowered = null;
    this.allRaw = null;
  }

  /** Lower-cased texts of a field's values (null for null values); empty when absent. */
  lower(field: string): readonly (string | null)[] {
    let cached = this.lowered.get(field);
    if (cached === undefined) {
      cached = lowerAll(this.view.get(field));
      this.lowered.set(field, cached);
    }
    return cached;
  }

  /** Texts of a field's values as they are (null for null values); empty when absent. */
  raw(field: string): readonly (string | null)[] {
    return textsOf(this.view.get(field));
  }

  /** Texts of every value in the event, as they are. */
  rawEverything(): readonly (string | null)[] {
    return (this.allRaw ??= this.everything(textsOf));
  }

  /** Lower-cased texts of every value in the event, for keyword searches. */
  lowerEverything(): readonly (string | null)[] {
    return (this.allLowered ??= this.everything(lowerAll));
  }

  private everything(texts: (v: FieldValue) => readonly (string | null)[]): (string | null)[] {
    const out: (string | null)[] = [];
    for (const v of this.view.values()) for (const t of texts(v)) out.push(t);
    return out;
  }
}

function text(v: Scalar): string | null {
  return v === null ? null : typeof v === 'string' ? v : String(v);
}

function textsOf(v: FieldValue | undefined): readonly (string | null)[] {
  if (v === undefined) return EMPTY;
  if (Array.isArray(v)) return (v as readonly Scalar[]).map(text);
  return [text(v as Scalar)];
}

function lowerAll(v: FieldValue | undefined): readonly (string | null)[] {
  if (v === undefined) return EMPTY;
  if (Array.isArray(v)) return (v as readonly Scalar[]).map((x) => text(x)?.toLowerCase() ?? null);
  const t = text(v as Scalar);
  return [t === null ? null : t.toLowerCase()];
}
