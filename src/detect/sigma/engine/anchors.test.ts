import { describe, expect, it } from 'vitest';
import { compileItem } from '../compile/field-item.js';
import { and, or, type Pred } from '../compile/predicate.js';
import { opts } from '../testing/arbitraries.js';
import { anchorGroups, necessaryAnchors } from './anchors.js';
import { viewOf } from './event-view.js';
import { RuleSet } from './ruleset.js';

function item(field: string, modifiers: string[], values: (string | number)[]): Pred {
  return compileItem({ kind: 'field', field, modifiers, values, line: 1 }, opts);
}

describe('anchors of literals beyond ASCII', () => {
  it('take the longest ASCII run, tied where the literal is only if the run starts or ends it', () => {
    expect(necessaryAnchors(item('Description', [], ['GnuPG\u2019s OpenPGP tool']))).toEqual([
      { field: 'Description', literal: 's openpgp tool', atStart: false, atEnd: true },
    ]);
    expect(necessaryAnchors(item('A', ['startswith'], ['\u00e9abcdef']))).toEqual([
      { field: 'A', literal: 'abcdef', atStart: false, atEnd: false },
    ]);
    expect(necessaryAnchors(item('A', ['startswith'], ['abcdef\u00e9']))).toEqual([
      { field: 'A', literal: 'abcdef', atStart: true, atEnd: false },
    ]);
  });

  it('are "a non-ASCII character" when no ASCII run is long enough', () => {
    // `.exe` at the end would meet nearly every image.
    expect(necessaryAnchors(item('Image', ['endswith'], ['\u2800.exe']))).toEqual([
      { field: 'Image', literal: '', atStart: false, atEnd: false, nonAscii: true },
    ]);
    const homoglyphs = item('CommandLine', ['contains'], ['\u0430', '\u0435', 'x\u043ey']);
    expect(anchorGroups(homoglyphs)).toEqual([
      [
        { field: 'CommandLine', literal: '', atStart: false, atEnd: false, nonAscii: true },
        { field: 'CommandLine', literal: '', atStart: false, atEnd: false, nonAscii: true },
        { field: 'CommandLine', literal: '', atStart: false, atEnd: false, nonAscii: true },
      ],
    ]);
    // Keywords too: any value of the event.
    expect(necessaryAnchors(item('', [], ['\u202e']))).toEqual([
      { field: '*', literal: '', atStart: false, atEnd: false, nonAscii: true },
    ]);
  });

  it('rank with literals of five characters in an AND', () => {
    const p = and([
      item('A', ['contains'], ['\u00e9']),
      item('B', ['endswith'], ['setup.exe']),
      item('C', ['contains'], ['abc']),
    ]);
    expect(anchorGroups(p)!.map((g) => g.map((a) => a.literal || 'non-ASCII'))).toEqual([
      ['setup.exe'],
      ['non-ASCII'],
    ]);
  });
});

describe('a rule set indexed by non-ASCII anchors', () => {
  const rules = [
    { payload: 'homoglyph', pred: item('CommandLine', ['contains'], ['\u0430', '\u0455']) },
    { payload: 'gpg', pred: item('Description', [], ['GnuPG\u2019s OpenPGP tool']) },
    { payload: 'rtl', pred: or([item('', [], ['\u202e']), item('', [], ['[u+202e]'])]) },
    { payload: 'tied', pred: item('A', ['startswith'], ['\u00e9abcdef']) },
  ].map((r) => ({ ...r, buckets: [null, null, null] }));
  const set = new RuleSet(rules);

  it('evaluates them when a value holds such a character, and finds the matches', () => {
    expect(set.match(viewOf({ CommandLine: 'p\u0430ypal.exe' }))).toEqual(['homoglyph']);
    expect(set.match(viewOf({ CommandLine: 'CMD \u0405' }))).toEqual(['homoglyph']);
    expect(set.match(viewOf({ Description: 'GNUPG\u2019S OPENPGP TOOL' }))).toEqual(['gpg']);
    expect(set.match(viewOf({ X: ['a', 'evil\u202ecod.exe'] }))).toEqual(['rtl']);
    expect(set.match(viewOf({ X: '[U+202E]' }))).toEqual(['rtl']);
    expect(set.match(viewOf({ A: '\u00c9ABCDEF and more' }))).toEqual(['tied']);
  });

  it('skips them on pure ASCII values, and rejects near misses', () => {
    const before = set.evaluations;
    expect(set.match(viewOf({ CommandLine: 'paypal.exe', A: 'xy', X: 'u+202e' }))).toEqual([]);
    expect(set.evaluations).toBe(before);
    expect(set.match(viewOf({ CommandLine: 'caf\u00e9', Description: 'GnuPG s OpenPGP tool' }))).toEqual([]);
    expect(set.match(viewOf({ A: 'xx\u00e9abcdef' }))).toEqual([]);
  });
});
