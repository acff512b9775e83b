import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { osaDistance, osaSubstringDistance } from './edit-distance.js';

/** Plain full-matrix optimal string alignment, to check the bounded version against. */
function reference(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  return d[a.length]![b.length]!;
}

describe('osaDistance', () => {
  it('counts substitutions, insertions, deletions and adjacent transpositions as one edit', () => {
    expect(osaDistance('symantec', 'symantek')).toBe(1);
    expect(osaDistance('symantec', 'symantc')).toBe(1);
    expect(osaDistance('symantec', 'symanttec')).toBe(1);
    expect(osaDistance('symantec', 'symnatec')).toBe(1);
    expect(osaDistance('kaspersky', 'kasprsky1')).toBe(2);
    expect(osaDistance('', 'abc')).toBe(3);
    expect(osaDistance('ca', 'abc')).toBe(3);
  });

  it('agrees with the full matrix, and stops at bound + 1', () => {
    const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd'), maxLength: 9 });
    fc.assert(
      fc.property(word, word, fc.integer({ min: 0, max: 4 }), (a, b, bound) => {
        const exact = reference(a, b);
        expect(osaDistance(a, b)).toBe(exact);
        expect(osaDistance(a, b, bound)).toBe(Math.min(exact, bound + 1));
      }),
      { numRuns: 3_000, seed: 1 },
    );
  });
});

describe('osaSubstringDistance', () => {
  it('finds a name run into other letters', () => {
    expect(osaSubstringDistance('kaspersky', 'updatekasperskiagent')).toBe(1);
    expect(osaSubstringDistance('kaspersky', 'xxkasperskyxx')).toBe(0);
    expect(osaSubstringDistance('kaspersky', 'notepad', 1)).toBe(2);
  });

  it('is never more than the distance to the whole text, nor to any window of it', () => {
    const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 8 });
    fc.assert(
      fc.property(word, word, fc.nat(8), fc.nat(8), (p, t, i, j) => {
        const window = t.slice(Math.min(i, j), Math.max(i, j));
        const d = osaSubstringDistance(p, t);
        expect(d).toBeLessThanOrEqual(reference(p, t));
        expect(d).toBeLessThanOrEqual(reference(p, window));
      }),
      { numRuns: 2_000, seed: 2 },
    );
  });
});
