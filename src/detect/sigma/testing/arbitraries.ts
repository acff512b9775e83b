import fc from 'fast-check';
import { compileItem, type CompileOptions } from '../compile/field-item.js';
import { and, not, or, type Pred } from '../compile/predicate.js';
import type { FieldValue } from '../engine/event-view.js';
import type { FieldItem, PlainValue } from '../model.js';

/** Random rules and events over a small alphabet, so that they often meet (for property tests). */
export const opts: CompileOptions = {
  mapField: (f) => f,
  placeholders: new Map(),
  unknownPlaceholders: 'wildcard',
};
const FIELDS = ['A', 'B', 'Channel', 'EventID'];
const ALPHABET = ['a', 'b', 'ab', 'ba', 'x', '-', '*', '?', 'A', 'B'];
const MODIFIER_SETS: string[][] = [
  [],
  ['contains'],
  ['startswith'],
  ['endswith'],
  ['contains', 'all'],
  ['cased'],
  ['contains', 'cased'],
  ['windash'],
  ['re'],
  ['exists'],
  ['gt'],
  ['neq'],
  ['contains', 'neq'],
  ['fieldref'],
  ['fieldref', 'contains'],
  ['fieldref', 'cased'],
  ['fieldref', 'endswith', 'cased'],
];

/** Arbitrary rules and events whose texts are made of `alphabet`, with `regexes` for `re`. */
export function ruleArbitraries(
  alphabet: readonly string[],
  regexes: readonly string[],
): { pred: fc.Arbitrary<Pred>; event: fc.Arbitrary<Record<string, FieldValue>> } {
  const text = fc.array(fc.constantFrom(...alphabet), { maxLength: 4 }).map((p) => p.join(''));
  const value: fc.Arbitrary<PlainValue> = fc.oneof(text, fc.integer({ min: 0, max: 3 }), fc.constant(null));

  const item: fc.Arbitrary<FieldItem> = fc
    .record({
      field: fc.constantFrom(...FIELDS, ''),
      modifiers: fc.constantFrom(...MODIFIER_SETS),
      values: fc.array(value, { minLength: 1, maxLength: 6 }),
      regex: fc.constantFrom(...regexes),
    })
    .map(({ field, modifiers, values, regex }) => {
      if (modifiers.includes('exists'))
        return { kind: 'field', field: field || 'A', modifiers, values: [true], line: 1 };
      if (modifiers.includes('gt'))
        return { kind: 'field', field: field || 'A', modifiers, values: [1], line: 1 };
      if (modifiers.includes('re')) return { kind: 'field', field, modifiers, values: [regex], line: 1 };
      if (modifiers.includes('fieldref'))
        return {
          kind: 'field',
          field: field || 'A',
          modifiers,
          values: [field === 'B' ? 'A' : 'B'],
          line: 1,
        };
      const vs = values.filter((v) => v !== null || modifiers.length === 0);
      return { kind: 'field', field, modifiers, values: vs.length > 0 ? vs : ['a'], line: 1 };
    });

  const leaf = item.map((i) => {
    try {
      return compileItem(i, opts);
    } catch {
      return and([]);
    }
  });

  const pred: fc.Arbitrary<Pred> = fc.letrec<{ p: Pred }>((tie) => ({
    p: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.array(tie('p'), { minLength: 1, maxLength: 3 }).map(and),
      fc.array(tie('p'), { minLength: 1, maxLength: 3 }).map(or),
      tie('p').map(not),
    ),
  })).p;

  const fieldValue: fc.Arbitrary<FieldValue> = fc.oneof(
    text,
    fc.integer({ min: 0, max: 3 }),
    fc.constant(null),
    fc.array(text, { maxLength: 2 }),
  );
  return { pred, event: fc.dictionary(fc.constantFrom(...FIELDS), fieldValue) };
}

export const { pred, event } = ruleArbitraries(ALPHABET, ['^a.b?']);
