import type { Pattern } from './glob.js';

/**
 * A compiled detection: a boolean tree over field tests. `field: null` means a keyword test,
 * true when any value of the event passes. Strings are compared lower-cased unless `cased`.
 */
export type Pred =
  | { readonly k: 'and' | 'or'; readonly items: readonly Pred[] }
  | { readonly k: 'not'; readonly item: Pred }
  | { readonly k: 'const'; readonly value: boolean }
  | StrPred
  | { readonly k: 're'; readonly field: string | null; readonly re: RegExp }
  | { readonly k: 'num'; readonly field: string; readonly op: NumOp; readonly value: number }
  | {
      readonly k: 'cidr';
      readonly field: string;
      readonly cidr: string;
      readonly test: (ip: string) => boolean;
    }
  /** The field is absent or null. */
  | { readonly k: 'null'; readonly field: string }
  | { readonly k: 'exists'; readonly field: string }
  | {
      readonly k: 'fieldref';
      readonly field: string;
      readonly other: string;
      readonly op: StrOp;
      readonly cased: boolean;
    }
  | {
      readonly k: 'time';
      readonly field: string;
      readonly part: TimePart;
      readonly op: NumOp;
      readonly value: number;
    };

export type StrOp = 'eq' | 'prefix' | 'suffix' | 'contains' | 'glob';
export type NumOp = 'eq' | 'lt' | 'lte' | 'gt' | 'gte';
export type TimePart = 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';

export interface StrPred {
  readonly k: 'str';
  readonly field: string | null;
  readonly op: StrOp;
  /** For eq/prefix/suffix/contains: the text (lower-cased unless cased). */
  readonly text: string;
  /** For glob: the pattern and its compiled form. */
  readonly pattern: Pattern;
  readonly re: RegExp | null;
  readonly cased: boolean;
}

export const TRUE: Pred = { k: 'const', value: true };
export const FALSE: Pred = { k: 'const', value: false };

export function and(items: Pred[]): Pred {
  const flat: Pred[] = [];
  for (const i of items) {
    if (i.k === 'const') {
      if (!i.value) return FALSE;
      continue;
    }
    if (i.k === 'and') flat.push(...i.items);
    else flat.push(i);
  }
  return flat.length === 0 ? TRUE : flat.length === 1 ? flat[0]! : { k: 'and', items: flat };
}

export function or(items: Pred[]): Pred {
  const flat: Pred[] = [];
  for (const i of items) {
    if (i.k === 'const') {
      if (i.value) return TRUE;
      continue;
    }
    if (i.k === 'or') flat.push(...i.items);
    else flat.push(i);
  }
  return flat.length === 0 ? FALSE : flat.length === 1 ? flat[0]! : { k: 'or', items: flat };
}

export function not(item: Pred): Pred {
  if (item.k === 'const') return item.value ? FALSE : TRUE;
  if (item.k === 'not') return item.item;
  return { k: 'not', item };
}

/** Fields a predicate reads (keyword tests read every field and are reported as '*'). */
export function fieldsOf(p: Pred, out: Set<string> = new Set()): Set<string> {
  switch (p.k) {
    case 'and':
    case 'or':
      for (const i of p.items) fieldsOf(i, out);
      break;
    case 'not':
      fieldsOf(p.item, out);
      break;
    case 'const':
      break;
    case 'fieldref':
      out.add(p.field);
      out.add(p.other);
      break;
    default:
      out.add(p.field ?? '*');
  }
  return out;
}
