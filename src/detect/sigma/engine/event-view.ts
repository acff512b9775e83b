/** What a detection reads: field values by name, and all values for keyword searches. */
export type Scalar = string | number | boolean | null;
export type FieldValue = Scalar | readonly Scalar[];

export interface EventView {
  get(field: string): FieldValue | undefined;
  values(): Iterable<FieldValue>;
}

/** A view over a flat record (`{ Image: ..., EventID: 1 }`); own properties only. */
export function viewOf(fields: Readonly<Record<string, FieldValue>>): EventView {
  return {
    get: (field) => (Object.prototype.hasOwnProperty.call(fields, field) ? fields[field] : undefined),
    values: () => Object.values(fields),
  };
}

/**
 * A view over a flat event held in a Map (the normalizer's output), which can be pointed at the next
 * event: a detector matching one event at a time needs no new view per event.
 */
export class MapView implements EventView {
  constructor(public fields: ReadonlyMap<string, FieldValue> = new Map()) {}

  get(field: string): FieldValue | undefined {
    return this.fields.get(field);
  }

  values(): Iterable<FieldValue> {
    return this.fields.values();
  }
}

/** The text a scalar is compared as: numbers and booleans as written, null as no text. */
export function scalarText(v: Scalar): string | null {
  if (v === null) return null;
  return typeof v === 'string' ? v : String(v);
}

export function scalarNumber(v: Scalar): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v.trim());
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** Epoch milliseconds of a date value: a number is taken as epoch ms, a string is parsed. */
export function scalarTime(v: Scalar): Date | null {
  if (typeof v === 'number') return new Date(v);
  if (typeof v !== 'string') return null;
  const t = Date.parse(v.includes('T') || v.endsWith('Z') ? v : v.replace(' ', 'T') + 'Z');
  return Number.isNaN(t) ? null : new Date(t);
}

export function timePart(d: Date, part: 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year'): number {
  switch (part) {
    case 'minute':
      return d.getUTCMinutes();
    case 'hour':
      return d.getUTCHours();
    case 'day':
      return d.getUTCDate();
    case 'month':
      return d.getUTCMonth() + 1;
    case 'year':
      return d.getUTCFullYear();
    case 'week': {
      // ISO-8601 week number: the week holding the year's first Thursday is week 1.
      const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
      const dow = t.getUTCDay() || 7;
      t.setUTCDate(t.getUTCDate() + 4 - dow);
      const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
      return Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
    }
  }
}

export function compareNumbers(a: number, op: 'eq' | 'lt' | 'lte' | 'gt' | 'gte', b: number): boolean {
  switch (op) {
    case 'eq':
      return a === b;
    case 'lt':
      return a < b;
    case 'lte':
      return a <= b;
    case 'gt':
      return a > b;
    case 'gte':
      return a >= b;
  }
}
