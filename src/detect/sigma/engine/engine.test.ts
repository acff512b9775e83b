import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { and, or } from '../compile/predicate.js';
import { compileItem } from '../compile/field-item.js';
import { event, opts, pred } from '../testing/arbitraries.js';
import { AhoCorasick } from './aho-corasick.js';
import { viewOf } from './event-view.js';
import { evaluate } from './reference.js';
import { RuleSet } from './ruleset.js';

describe('the indexed engine agrees with the reference matcher', () => {
  it('on random rules and random events', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ pred, channels: fc.option(fc.constantFrom(['a'], ['b', 'ab']), { nil: null }) }),
          { minLength: 1, maxLength: 8 },
        ),
        fc.array(event, { minLength: 1, maxLength: 8 }),
        (rules, events) => {
          // The engine only uses channels to skip work, so the rule's test must include them.
          const entries = rules.map((r, i) => ({
            payload: i,
            pred: r.channels
              ? and([
                  r.pred,
                  or(
                    r.channels.map((c) =>
                      compileItem(
                        { kind: 'field', field: 'Channel', modifiers: [], values: [c], line: 1 },
                        opts,
                      ),
                    ),
                  ),
                ])
              : r.pred,
            buckets: [null, r.channels, null],
          }));
          const set = new RuleSet(entries);
          for (const e of events) {
            const expected = entries.filter((x) => evaluate(x.pred, viewOf(e))).map((x) => x.payload);
            expect(set.match(viewOf(e))).toEqual(expected);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('a long stream', () => {
  it('keeps answering once per rule after 2^31 events (stamps wrap)', () => {
    const pred = compileItem(
      { kind: 'field', field: 'A', modifiers: ['contains'], values: ['x'], line: 1 },
      opts,
    );
    const set = new RuleSet([{ payload: 'r', pred, buckets: [null, null, null] }]);
    (set as unknown as { stamp: number }).stamp = 0x7fffffff - 1;
    for (let i = 0; i < 3; i++) expect(set.match(viewOf({ A: 'xx' }))).toEqual(['r']);
  });
});

describe('Aho-Corasick', () => {
  it('folds ASCII case (and the two non-ASCII letters that lower-case to ASCII) when asked', () => {
    const ac = new AhoCorasick(['cmd.exe', 'kelvin', 'xi'], true);
    const hits: number[] = [];
    ac.scanInto('C:\\WINDOWS\\CMD.EXE \u212aELVIN X\u0130', hits);
    expect(hits).toEqual([0, 1, 2]);
    expect(ac.includesAny('C:\\WINDOWS\\CMD.EX')).toBe(false);
    expect(ac.includesAny('C:\\WINDOWS\\CMD.EXE')).toBe(true);
  });

  it('finds every occurrence of every pattern, overlapping ones included', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 4, unit: fc.constantFrom('a', 'b', 'c', 'é') }), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.string({ maxLength: 30, unit: fc.constantFrom('a', 'b', 'c', 'é', 'z') }),
        (patterns, haystack) => {
          const ac = new AhoCorasick(patterns);
          const found = new Map<number, number>();
          const hits: number[] = [];
          ac.scanInto(haystack, hits);
          for (const i of hits) found.set(i, (found.get(i) ?? 0) + 1);
          expect(ac.includesAny(haystack)).toBe(hits.length > 0);
          patterns.forEach((p, i) => {
            let count = 0;
            for (let at = haystack.indexOf(p); at >= 0; at = haystack.indexOf(p, at + 1)) count++;
            expect(found.get(i) ?? 0).toBe(count);
          });
        },
      ),
      { numRuns: 500 },
    );
  });
});
