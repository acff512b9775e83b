import type { Pred, StrOp, StrPred } from '../compile/predicate.js';
import {
  compareNumbers,
  scalarNumber,
  scalarText,
  scalarTime,
  timePart,
  type EventView,
  type FieldValue,
  type Scalar,
} from './event-view.js';

/**
 * The reference matcher: a direct reading of the predicate, one event at a time, with no
 * indexing or caching. The fast engine must agree with it on every event (property-tested).
 */
function scalars(v: FieldValue | undefined): readonly Scalar[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? (v as readonly Scalar[]) : [v as Scalar];
}

export function testString(op: StrOp, value: string, text: string, re: RegExp | null): boolean {
  switch (op) {
    case 'eq':
      return value === text;
    case 'prefix':
      return value.startsWith(text);
    case 'suffix':
      return value.endsWith(text);
    case 'contains':
      return value.includes(text);
    case 'glob':
      return re!.test(value);
  }
}

function strOne(p: StrPred, v: Scalar): boolean {
  const text = scalarText(v);
  if (text === null) return p.op === 'eq' && p.text === '';
  return testString(p.op, p.cased ? text : text.toLowerCase(), p.text, p.re);
}

function anyValue(ev: EventView, field: string | null, test: (v: Scalar) => boolean): boolean {
  if (field !== null) return scalars(ev.get(field)).some(test);
  for (const v of ev.values()) if (scalars(v).some(test)) return true;
  return false;
}

export function evaluate(p: Pred, ev: EventView): boolean {
  switch (p.k) {
    case 'and':
      return p.items.every((i) => evaluate(i, ev));
    case 'or':
      return p.items.some((i) => evaluate(i, ev));
    case 'not':
      return !evaluate(p.item, ev);
    case 'const':
      return p.value;
    case 'str':
      return anyValue(ev, p.field, (v) => strOne(p, v));
    case 're':
      return anyValue(ev, p.field, (v) => {
        const t = scalarText(v);
        return t !== null && p.re.test(t);
      });
    case 'num':
      return anyValue(ev, p.field, (v) => {
        const n = scalarNumber(v);
        return n !== null && compareNumbers(n, p.op, p.value);
      });
    case 'time':
      return anyValue(ev, p.field, (v) => {
        const d = scalarTime(v);
        return d !== null && compareNumbers(timePart(d, p.part), p.op, p.value);
      });
    case 'cidr':
      return anyValue(ev, p.field, (v) => typeof v === 'string' && p.test(v));
    case 'null': {
      const v = ev.get(p.field);
      return v === undefined || v === null;
    }
    case 'exists':
      return ev.get(p.field) !== undefined;
    case 'fieldref': {
      const others = scalars(ev.get(p.other)).map(scalarText);
      return anyValue(ev, p.field, (v) => {
        const t = scalarText(v);
        if (t === null) return false;
        const a = p.cased ? t : t.toLowerCase();
        return others.some((o) => o !== null && testString(p.op, a, p.cased ? o : o.toLowerCase(), null));
      });
    }
  }
}
