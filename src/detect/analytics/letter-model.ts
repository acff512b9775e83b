/** Symbols of the letter-pair model: a–z, one symbol for any digit, and word start and end. */
const DIGIT = '#';
const START = '^';
const END = '$';
const SYMBOLS = 'abcdefghijklmnopqrstuvwxyz' + DIGIT + END;

/** A word as model symbols: a run of digits is one symbol ('win32' → w i n #). */
function symbolsOf(word: string): string[] {
  return [START, ...word.replace(/\d+/g, DIGIT), END];
}

/**
 * A letter-pair (bigram) model of how names are spelled, trained on a word list. Unseen pairs fall
 * back to single-letter frequencies, so no pair is impossible, only improbable.
 */
export class LetterModel {
  private readonly logProbs = new Map<string, number>();
  private readonly fallback: number;

  constructor(words: Iterable<string>, smoothing = 2) {
    const pairs = new Map<string, number>();
    const from = new Map<string, number>();
    const single = new Map<string, number>();
    for (const raw of words) {
      const word = raw.toLowerCase().replace(/[^a-z0-9]/g, '');
      if (word === '') continue;
      const symbols = symbolsOf(word);
      for (let i = 1; i < symbols.length; i++) {
        const a = symbols[i - 1]!;
        const b = symbols[i]!;
        pairs.set(a + b, (pairs.get(a + b) ?? 0) + 1);
        from.set(a, (from.get(a) ?? 0) + 1);
        single.set(b, (single.get(b) ?? 0) + 1);
      }
    }
    let singles = 0;
    for (const s of SYMBOLS) singles += (single.get(s) ?? 0) + 1;
    const unigram = (s: string) => ((single.get(s) ?? 0) + 1) / singles;
    for (const a of START + SYMBOLS.slice(0, -1))
      for (const b of SYMBOLS) {
        const p = ((pairs.get(a + b) ?? 0) + smoothing * unigram(b)) / ((from.get(a) ?? 0) + smoothing);
        this.logProbs.set(a + b, Math.log2(p));
      }
    this.fallback = Math.log2(1 / singles);
  }

  /**
   * Mean log2 probability of the name's letter transitions, start and end included. About −3 for
   * English words, below −5 for random letters. Letters outside a–z are dropped.
   */
  meanLogProb(name: string): number {
    const symbols = symbolsOf(name.toLowerCase().replace(/[^a-z0-9]/g, ''));
    let sum = 0;
    for (let i = 1; i < symbols.length; i++)
      sum += this.logProbs.get(symbols[i - 1]! + symbols[i]!) ?? this.fallback;
    return sum / (symbols.length - 1);
  }
}
