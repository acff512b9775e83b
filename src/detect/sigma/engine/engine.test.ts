import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { and, or, type Pred } from '../compile/predicate.js';
import { compileItem } from '../compile/field-item.js';
import { event, opts, pred, ruleArbitraries } from '../testing/arbitraries.js';
import { AhoCorasick } from './aho-corasick.js';
import { compileMatcher } from './closure.js';
import { MatchContext } from './context.js';
import { regexLiterals } from './regex-literals.js';
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

/** Fields the test rules are bucketed by, as the compiler does for logsource conditions. */
const BUCKETS = ['_source', 'Channel', 'EventID', 'B'];

function bucketed(
  rules: readonly { pred: Pred; channels: readonly string[] | null; bs: readonly string[] | null }[],
) {
  const condition = (field: string, values: readonly string[]): Pred =>
    or(values.map((v) => compileItem({ kind: 'field', field, modifiers: [], values: [v], line: 1 }, opts)));
  return rules.map((r, i) => ({
    payload: i,
    pred: and([
      r.pred,
      ...(r.channels ? [condition('Channel', r.channels)] : []),
      ...(r.bs ? [condition('B', r.bs)] : []),
    ]),
    // Odd entries are indexed by their detection alone, as the hunt's detector does.
    ...(i % 2 === 1 ? { indexed: r.pred } : {}),
    buckets: [null, r.channels, null, r.bs],
  }));
}

describe('the indexed engine agrees with the reference matcher, beyond ASCII', () => {
  // Letters whose lower case is longer (U+0130) or ASCII (KELVIN SIGN), other cased letters,
  // and regular expressions with literals, classes, groups, alternatives and quantifiers.
  const wide = ruleArbitraries(
    ['a', 'b', 'ab', 'x', 'i', 'I', 'k', 'K', '\u0130', '\u212a', '\u00e9', '\u00c9', '\u03a3', '*'],
    ['^a.b?', 'ab+x', 'x(?:ab|ba)?k', 'i[ab]*k|bb', '\\u0130k', 'a{2}b', 'ki?x'],
  );
  it('on random rules with bucket preconditions and random events', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            pred: wide.pred,
            channels: fc.option(fc.constantFrom(['a'], ['b', 'ab']), { nil: null }),
            bs: fc.option(fc.constantFrom(['x'], ['i', 'k']), { nil: null }),
          }),
          { minLength: 1, maxLength: 10 },
        ),
        fc.array(wide.event, { minLength: 1, maxLength: 8 }),
        (rules, events) => {
          const entries = bucketed(rules);
          const set = new RuleSet(entries, { bucketFields: BUCKETS });
          // Twice: the second pass finds its buckets' plans cached.
          for (let pass = 0; pass < 2; pass++)
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

describe('the indexed engine agrees with the reference matcher on mostly non-ASCII literals', () => {
  // Literals with no ASCII run long enough to index are indexed by "holds a non-ASCII character";
  // those with one, by that run. Few letters, so that rules and events often meet.
  const mixed = ruleArbitraries(['\u00e9', 'ab', '\u03a3', '\u0130', '\u212a', '*'], ['\u00e9+', 'ab\u00e9']);
  it('on random rules and random events', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ pred: mixed.pred, channels: fc.constant(null), bs: fc.constant(null) }), {
          minLength: 1,
          maxLength: 10,
        }),
        fc.array(mixed.event, { minLength: 1, maxLength: 8 }),
        (rules, events) => {
          const entries = bucketed(rules);
          const set = new RuleSet(entries, { bucketFields: BUCKETS });
          for (const e of events) {
            const expected = entries.filter((x) => evaluate(x.pred, viewOf(e))).map((x) => x.payload);
            expect(set.match(viewOf(e))).toEqual(expected);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('the indexed engine agrees with the reference matcher on long literals', () => {
  // Texts of up to four of these run past the length at which the index cuts literals.
  const long = ruleArbitraries(
    ['microsoft-windows-', 'security', 'a', '*'],
    ['microsoft-windows-[a-z]+', 'security\\\\system32|aaaa'],
  );
  it('on random rules and random events', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ pred: long.pred, channels: fc.constant(null), bs: fc.constant(null) }), {
          minLength: 1,
          maxLength: 10,
        }),
        fc.array(long.event, { minLength: 1, maxLength: 8 }),
        (rules, events) => {
          const entries = bucketed(rules);
          const set = new RuleSet(entries, { bucketFields: BUCKETS });
          for (const e of events) {
            const expected = entries.filter((x) => evaluate(x.pred, viewOf(e))).map((x) => x.payload);
            expect(set.match(viewOf(e))).toEqual(expected);
          }
        },
      ),
      { numRuns: 1500 },
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

describe('Aho-Corasick patterns tied to the start or end of the text', () => {
  it('finds a pattern only where it is tied', () => {
    const ac = new AhoCorasick(
      [
        { text: 'cmd.exe', atEnd: true },
        { text: 'c:', atStart: true },
        { text: 'x', atStart: true, atEnd: true },
      ],
      true,
    );
    const hits = (t: string): number[] => {
      const out: number[] = [];
      ac.scanInto(t, out);
      return out;
    };
    expect(hits('C:\\Windows\\CMD.EXE')).toEqual([1, 0]);
    expect(hits('C:\\Windows\\cmd.exe /c')).toEqual([1]);
    expect(hits('d:\\c:\\x')).toEqual([]);
    expect(hits('X')).toEqual([2]);
    expect(hits('xx')).toEqual([]);
    expect(() => new AhoCorasick([''])).toThrow(RangeError);
  });

  it('counts every tied and untied occurrence', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            text: fc.string({ maxLength: 3, unit: fc.constantFrom('a', 'b', 'é') }),
            atStart: fc.boolean(),
            atEnd: fc.boolean(),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        fc.string({ maxLength: 12, unit: fc.constantFrom('a', 'b', 'é', 'z') }),
        (all, haystack) => {
          const patterns = all.filter((p) => p.text !== '' || p.atStart || p.atEnd);
          const ac = new AhoCorasick(patterns);
          const found = new Map<number, number>();
          const hits: number[] = [];
          ac.scanInto(haystack, hits);
          for (const i of hits) found.set(i, (found.get(i) ?? 0) + 1);
          patterns.forEach((p, i) => {
            let count = 0;
            for (let at = 0; at + p.text.length <= haystack.length; at++) {
              if (!haystack.startsWith(p.text, at)) continue;
              if (p.atStart && at !== 0) continue;
              if (p.atEnd && at + p.text.length !== haystack.length) continue;
              count++;
            }
            expect(found.get(i) ?? 0).toBe(count);
          });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('folds case exactly as lower-casing the text would', () => {
    const unit = fc.constantFrom('i', 'k', 'x', 'I', 'K', 'X', '\u0130', '\u212a', '\u0307', '\u00e9');
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            text: fc.string({ minLength: 1, maxLength: 3, unit: fc.constantFrom('i', 'k', 'x') }),
            atStart: fc.boolean(),
            atEnd: fc.boolean(),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        fc.string({ maxLength: 8, unit }),
        (patterns, text) => {
          const lower = text.toLowerCase();
          const expected = patterns.some((p) =>
            p.atStart && p.atEnd
              ? lower === p.text
              : p.atStart
                ? lower.startsWith(p.text)
                : p.atEnd
                  ? lower.endsWith(p.text)
                  : lower.includes(p.text),
          );
          expect(new AhoCorasick(patterns, true).includesAny(text)).toBe(expected);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('literals of regular expressions', () => {
  it('reads the runs every match needs', () => {
    expect(regexLiterals(/cmd.{0,5}(?:\/c|\/r).+powershell.+/, 2)).toEqual(['powershell']);
    expect(regexLiterals(/ipconfig\s+\/all/i, 2)).toEqual(['ipconfig']);
    expect(regexLiterals(/abc?d|xyz/, 2)).toEqual(['ab', 'xyz']);
    expect(regexLiterals(/ab+cd/, 2)).toEqual(['ab']);
    expect(regexLiterals(/a{0,2}bc\x41de/, 2)).toEqual(['bc']);
    expect(regexLiterals(/\$PSHome\[/, 2)).toEqual(['$pshome[']);
    // Classes of one character and boundaries end a run; the reading goes on after them.
    expect(regexLiterals(/\.exe["']?\s+[^"]{0,64}werfaultsecure\.exe/, 2)).toEqual(['werfaultsecure.exe']);
    expect(regexLiterals(/\bnet\s*\d+\Wuser\b/i, 2)).toEqual(['user']);
    // \t, \n and \r are the characters themselves.
    expect(regexLiterals(/\n\n\n|a\tb/, 2)).toEqual(['\n\n\n', 'a\tb']);
    // An alternative without a long enough run, or a pattern it cannot read, gives nothing.
    expect(regexLiterals(/powershell|\d+/, 2)).toBeNull();
    expect(regexLiterals(/[a-z]{3}\.exe/u, 2)).toBeNull();
    expect(regexLiterals(/\u0041bc/, 2)).toBeNull();
  });

  it('finds one of its literals in every text the expression matches', () => {
    const atoms = [
      'a',
      'b',
      'B',
      'x',
      '.',
      '\\.',
      '\\d',
      '[ab]',
      '[^a]',
      '(?:ab|x)',
      '(a)',
      '^',
      '$',
      '\\1',
      '\\x61',
    ];
    const quantifiers = ['', '', '', '?', '*', '+', '{2}', '{0,2}', '{1,}', '+?', '{'];
    const branch = fc
      .array(fc.tuple(fc.constantFrom(...atoms), fc.constantFrom(...quantifiers)), {
        minLength: 1,
        maxLength: 6,
      })
      .map((parts) => parts.map(([a, q]) => a + q).join(''));
    const source = fc.array(branch, { minLength: 1, maxLength: 3 }).map((bs) => bs.join('|'));
    fc.assert(
      fc.property(
        source,
        fc.boolean(),
        fc.array(fc.string({ maxLength: 12, unit: fc.constantFrom('a', 'b', 'A', 'x', '.', '1', 'B') }), {
          minLength: 1,
          maxLength: 10,
        }),
        (src, insensitive, texts) => {
          let re: RegExp;
          try {
            re = new RegExp(src, insensitive ? 'i' : '');
          } catch {
            return;
          }
          const literals = regexLiterals(re, 1);
          if (literals === null) return;
          const index = new AhoCorasick(literals, true);
          for (const t of texts) if (re.test(t)) expect(index.includesAny(t)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('alternatives merged into one scan', () => {
  it('agree with testing them one by one, whatever the letters', () => {
    const unit = fc.constantFrom('a', 'i', 'k', 'I', 'K', '\u0130', '\u212a', '\u0307', '\u00e9', '\u00c9');
    const modifiers = fc.constantFrom(['contains'], ['startswith'], ['endswith'], []);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(modifiers, fc.string({ minLength: 1, maxLength: 3, unit })), {
          minLength: 4,
          maxLength: 8,
        }),
        fc.array(fc.oneof(fc.string({ maxLength: 6, unit }), fc.array(fc.string({ maxLength: 4, unit }))), {
          maxLength: 6,
        }),
        (items, values) => {
          const p = or(
            items.map(([m, v]) =>
              compileItem({ kind: 'field', field: 'A', modifiers: m, values: [v], line: 1 }, opts),
            ),
          );
          const matcher = compileMatcher(p);
          const ctx = new MatchContext();
          for (const v of values) {
            const view = viewOf({ A: v });
            ctx.reset(view);
            expect(matcher(ctx)).toBe(evaluate(p, view));
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
