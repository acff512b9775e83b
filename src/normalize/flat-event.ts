import type { FieldValue, Scalar } from '../detect/sigma/engine/event-view.js';

export type { FieldValue, Scalar };

/**
 * An event in the flat Sigma view: field name → value. A Map, so hostile keys such as
 * `__proto__` are ordinary keys and lookups stay fast whatever the names.
 */
export type FlatEvent = Map<string, FieldValue>;

/** Sets a field; a repeated name keeps every value, as a list. */
export function addField(out: FlatEvent, name: string, value: FieldValue): void {
  const prev = out.get(name);
  if (prev === undefined) {
    out.set(name, value);
    return;
  }
  const list = Array.isArray(prev) ? [...(prev as Scalar[])] : [prev as Scalar];
  if (Array.isArray(value)) list.push(...(value as Scalar[]));
  else list.push(value as Scalar);
  out.set(name, list);
}

/** A JSON value as a field value: scalars as they are, arrays of scalars as lists, else null. */
export function toFieldValue(v: unknown): FieldValue | undefined {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) {
    const out: Scalar[] = [];
    for (const x of v) {
      if (x === null || typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') out.push(x);
      else if (typeof x === 'bigint') out.push(x.toString());
    }
    return out;
  }
  return undefined;
}
