import { LetterModel } from './letter-model.js';
import type { SystemNames } from './system-names.js';

/**
 * Parts shorter than this, not counting trailing digits, say too little to judge: short Windows
 * abbreviations ('w32tm', 'tspkg', 'odbc32') are as odd as noise.
 */
export const MIN_JUDGED_LENGTH = 6;
const MAX_JUDGED_LENGTH = 64;

// Weights and threshold measured on real System32 names against generated random ones (see
// name-randomness.test.ts and docs/analytics.md). Vowel ratio and consonant runs are reported but
// not weighed: Windows abbreviations (mrxsmb, pnrpnsp, fltmc) are as consonant-heavy as noise.
const DIGITS_INSIDE_WEIGHT = 0.7;
const UNEXPLAINED_WEIGHT = 1.25;
const ENTROPY_WEIGHT = 1;
const SHORT_NAME_ALLOWANCE = 6;
export const DEFAULT_RANDOMNESS_THRESHOLD = 6.75;

export interface NameScore {
  /** Above the threshold means random-looking. */
  readonly score: number;
  /** The part of the name that was scored (the least plausible part between separators). */
  readonly part: string;
  /** Bits per letter pair under the name model: ~3 for words, 5+ for noise. */
  readonly surprisal: number;
  /** Cost per character of spelling the part from known words and name pieces (0.2–0.5 for real names). */
  readonly unexplained: number;
  /** Digit runs with letters on both sides ('a8f3kd9q' has 3). */
  readonly digitsInside: number;
  /** Character entropy relative to its maximum for this length (1 = no repeated character). */
  readonly entropy: number;
  readonly vowelRatio: number;
  readonly longestConsonantRun: number;
}

/**
 * Judges whether a file name looks machine-generated: letter pairs unlike names and words,
 * pieces no dictionary explains, digits scattered between letters.
 */
export class NameRandomness {
  private readonly model: LetterModel;
  private readonly pieces: ReadonlySet<string>;
  private readonly longestPiece: number;

  constructor(private readonly names: SystemNames) {
    this.model = new LetterModel(names.words);
    this.pieces = new Set(
      [...names.words, ...names.known].map((w) => w.replace(/[^a-z]/g, '')).filter((w) => w.length >= 2),
    );
    this.longestPiece = Math.max(2, ...[...this.pieces].map((p) => p.length));
  }

  isKnown(base: string): boolean {
    return this.names.known.has(base.toLowerCase());
  }

  /** The score of a base name without extension; undefined when no part is long enough to judge. */
  score(base: string): NameScore | undefined {
    const parts = base
      .toLowerCase()
      .slice(0, MAX_JUDGED_LENGTH)
      .split(/[^a-z0-9]+/)
      .filter((p) => p.replace(/\d+$/, '').length >= MIN_JUDGED_LENGTH);
    let worst: NameScore | undefined;
    for (const part of parts) {
      const s = this.scorePart(part);
      if (worst === undefined || s.score > worst.score) worst = s;
    }
    return worst;
  }

  private scorePart(part: string): NameScore {
    const surprisal = -this.model.meanLogProb(part);
    const unexplained = this.unexplainedCost(part);
    const digitsInside = (part.match(/(?<=[a-z])\d+(?=[a-z])/g) ?? []).length;
    const entropy = relativeEntropy(part);
    const letters = part.replace(/[^a-z]/g, '');
    const vowels = (letters.match(/[aeiou]/g) ?? []).length;
    const runs = letters.match(/[^aeiou]+/g) ?? [];
    const score =
      surprisal +
      DIGITS_INSIDE_WEIGHT * digitsInside +
      UNEXPLAINED_WEIGHT * unexplained +
      ENTROPY_WEIGHT * (entropy - 0.9) -
      SHORT_NAME_ALLOWANCE / part.length;
    return {
      score,
      part,
      surprisal,
      unexplained,
      digitsInside,
      entropy,
      vowelRatio: letters.length === 0 ? 0 : vowels / letters.length,
      longestConsonantRun: Math.max(0, ...runs.map((r) => r.length)),
    };
  }

  /**
   * Cheapest spelling of the part as dictionary pieces (1 each), stray letters (1.5 each) and digit
   * runs (0.5 each), per character: 'cfgmgr32' = cfg + mgr + 32 → 0.31; 'xqzvkjrtw' → 1.5.
   */
  private unexplainedCost(part: string): number {
    const n = part.length;
    const best = new Array<number>(n + 1).fill(Infinity);
    best[0] = 0;
    for (let i = 0; i < n; i++) {
      const here = best[i]!;
      if (here === Infinity) continue;
      if (isDigit(part[i]!)) {
        let j = i;
        while (j < n && isDigit(part[j]!)) j++;
        best[j] = Math.min(best[j]!, here + 0.5);
        continue;
      }
      best[i + 1] = Math.min(best[i + 1]!, here + 1.5);
      for (let j = i + 2; j <= Math.min(n, i + this.longestPiece); j++)
        if (this.pieces.has(part.slice(i, j))) best[j] = Math.min(best[j]!, here + 1);
    }
    return best[n]! / n;
  }
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

function relativeEntropy(s: string): number {
  if (s.length < 2) return 0;
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const v of counts.values()) h -= (v / s.length) * Math.log2(v / s.length);
  return h / Math.log2(s.length);
}
