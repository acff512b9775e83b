import type { Pred, StrPred } from '../compile/predicate.js';
import { AhoCorasick, isFoldable } from './aho-corasick.js';
import { eachText, MatchContext } from './context.js';
import {
  compareNumbers,
  scalarNumber,
  scalarText,
  scalarTime,
  timePart,
  type FieldValue,
  type Scalar,
} from './event-view.js';
import { testString } from './reference.js';

/** A predicate compiled to closures: no tree walking or switching per event. */
export type Matcher = (ctx: MatchContext) => boolean;

function scalars(v: FieldValue | undefined): readonly Scalar[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? (v as readonly Scalar[]) : [v as Scalar];
}

/** Whether `test` holds for one of a value's scalars; no allocation for single values. */
function someScalar(v: FieldValue | undefined, test: (x: Scalar) => boolean): boolean {
  if (v === undefined) return false;
  if (!Array.isArray(v)) return test(v as Scalar);
  for (let i = 0; i < v.length; i++) if (test((v as readonly Scalar[])[i]!)) return true;
  return false;
}

function some<T>(items: readonly T[], test: (x: T) => boolean): boolean {
  for (let i = 0; i < items.length; i++) if (test(items[i]!)) return true;
  return false;
}

/** Below this many alternatives on one field, testing them one by one is as fast. */
const GROUP_MIN = 4;

/**
 * Compiles the alternatives of an OR. Case-insensitive tests of one field, such as
 * `Image|endswith: [fifty names]`, are merged: equalities into one Set lookup; prefixes, suffixes
 * and substrings into one automaton scan (over the raw text when every literal is ASCII, which
 * the automaton folds exactly as lower-casing would; else over the lower-cased text).
 */
function groupAlternatives(items: readonly Pred[]): Matcher[] {
  const groups = new Map<string, StrPred[]>();
  const rest: Pred[] = [];
  for (const item of items) {
    if (item.k === 'str' && item.field !== null && !item.cased && item.op !== 'glob' && item.text !== '') {
      const key = `${item.op === 'eq' ? 'eq' : 'part'}\u0000${item.field}`;
      const list = groups.get(key);
      if (list) list.push(item);
      else groups.set(key, [item]);
    } else rest.push(item);
  }
  const out: Matcher[] = [];
  for (const list of groups.values()) {
    const field = list[0]!.field!;
    if (list.length < GROUP_MIN) {
      rest.push(...list);
    } else if (list[0]!.op === 'eq') {
      const set = new Set(list.map((x) => x.text));
      out.push((c) => c.someLower(field, (t) => t !== null && set.has(t)));
    } else {
      const patterns = list.map((x) => ({
        text: x.text,
        atStart: x.op === 'prefix',
        atEnd: x.op === 'suffix',
      }));
      if (list.every((x) => isFoldable(x.text))) {
        const automaton = new AhoCorasick(patterns, true);
        const test = (t: string): boolean => automaton.includesAny(t);
        out.push((c) => eachText(c.view.get(field), test));
      } else {
        const automaton = new AhoCorasick(patterns);
        const test = (t: string | null): boolean => t !== null && automaton.includesAny(t);
        out.push((c) => c.someLower(field, test));
      }
    }
  }
  return [...out, ...rest.map(compileMatcher)];
}

export function compileMatcher(p: Pred): Matcher {
  switch (p.k) {
    case 'and': {
      const items = p.items.map(compileMatcher);
      if (items.length === 2) {
        const [a, b] = items as [Matcher, Matcher];
        return (c) => a(c) && b(c);
      }
      return (c) => {
        for (let i = 0; i < items.length; i++) if (!items[i]!(c)) return false;
        return true;
      };
    }
    case 'or': {
      const items = groupAlternatives(p.items);
      return (c) => {
        for (let i = 0; i < items.length; i++) if (items[i]!(c)) return true;
        return false;
      };
    }
    case 'not': {
      const inner = compileMatcher(p.item);
      return (c) => !inner(c);
    }
    case 'const': {
      const v = p.value;
      return () => v;
    }
    case 'str': {
      const { field, op, text, re, cased } = p;
      const emptyMatchesNull = op === 'eq' && text === '';
      const one = (t: string | null): boolean =>
        t === null ? emptyMatchesNull : testString(op, t, text, re);
      if (cased) {
        const oneCased = (v: Scalar): boolean => one(scalarText(v));
        if (field === null) return (c) => some([...c.view.values()], (v) => scalars(v).some(oneCased));
        return (c) => someScalar(c.view.get(field), oneCased);
      }
      if (field === null) return (c) => some(c.lowerEverything(), one);
      return (c) => c.someLower(field, one);
    }
    case 're': {
      const { field, re } = p;
      const one = (v: Scalar): boolean => {
        const t = scalarText(v);
        return t !== null && re.test(t);
      };
      if (field === null) return (c) => some([...c.view.values()], (v) => scalars(v).some(one));
      return (c) => someScalar(c.view.get(field), one);
    }
    case 'num': {
      const { field, op, value } = p;
      const test = (v: Scalar): boolean => {
        const n = scalarNumber(v);
        return n !== null && compareNumbers(n, op, value);
      };
      return (c) => someScalar(c.view.get(field), test);
    }
    case 'time': {
      const { field, op, value, part } = p;
      const test = (v: Scalar): boolean => {
        const d = scalarTime(v);
        return d !== null && compareNumbers(timePart(d, part), op, value);
      };
      return (c) => someScalar(c.view.get(field), test);
    }
    case 'cidr': {
      const { field, test } = p;
      const one = (v: Scalar): boolean => typeof v === 'string' && test(v);
      return (c) => someScalar(c.view.get(field), one);
    }
    case 'null': {
      const { field } = p;
      return (c) => {
        const v = c.view.get(field);
        return v === undefined || v === null;
      };
    }
    case 'exists': {
      const { field } = p;
      return (c) => c.view.get(field) !== undefined;
    }
    case 'fieldref': {
      // Some rules compare two fields on every event of their logsource: no lists built per test.
      const { field, other, op, cased } = p;
      if (cased)
        return (c) => {
          const theirs = c.view.get(other);
          return someScalar(
            c.view.get(field),
            (a) =>
              a !== null &&
              someScalar(theirs, (b) => b !== null && testString(op, scalarText(a)!, scalarText(b)!, null)),
          );
        };
      return (c) =>
        c.someLower(
          field,
          (a) => a !== null && c.someLower(other, (b) => b !== null && testString(op, a, b, null)),
        );
    }
  }
}
