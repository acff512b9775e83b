/**
 * A multi-pattern matcher (Aho–Corasick) over UTF-16 code units: one pass over a text reports
 * every pattern it contains. Built once per rule set; scans run at a few ns per character.
 *
 * With `caseFold`, patterns must be lower-case ASCII and the scan finds exactly what it would
 * find in the lower-cased text, without lower-casing it: ASCII letters fold, and so do the only
 * two other characters whose lower case holds ASCII: KELVIN SIGN (to `k`) and LATIN CAPITAL I
 * WITH DOT ABOVE (to `i` and a combining dot, which no pattern holds).
 *
 * A pattern may be tied to the start and/or the end of the text (a prefix, a suffix, or the whole
 * text): the scan reads a start and an end symbol around the text, which no code unit maps to.
 */
const FOLDABLE = /^[ -~\t\n\r]*$/;

/** Whether a pattern can go into a case-folding automaton: printable ASCII only. */
export function isFoldable(pattern: string): boolean {
  return FOLDABLE.test(pattern);
}

/** A pattern, optionally tied to the start and/or the end of the text. */
export interface Pattern {
  readonly text: string;
  readonly atStart?: boolean;
  readonly atEnd?: boolean;
}

/** Symbols read before and after the text; code units map to symbols from FIRST_CHAR on. */
const START = 1;
const END = 2;
const FIRST_CHAR = 3;
/** LATIN CAPITAL LETTER I WITH DOT ABOVE: lower-cases to two characters, `i` and U+0307. */
const DOTTED_I = 0x130;

const stop = (): boolean => false;

export class AhoCorasick {
  /**
   * Dense transition table indexed by `state * alphabet + symbol`. Entries hold the next state
   * already multiplied by the alphabet size, bit-inverted (negative) when patterns end there, so
   * the scan needs neither a multiplication nor a second lookup per character.
   */
  private readonly delta: Int32Array;
  /** Code unit → compact symbol; 0 is "not in any pattern". */
  private readonly symbols: Map<number, number>;
  private readonly asciiSymbols: Int32Array;
  private readonly alphabet: number;
  /** Patterns ending at each state (including via suffix links), as indexes into `patterns`. */
  private readonly outputs: (readonly number[] | null)[];
  /** The state after the start symbol (multiplied, and inverted if patterns end there). */
  private readonly start: number;
  /** With case folding, the symbol of `i` (which U+0130 lower-cases to, before a combining dot); else -1. */
  private readonly dottedI: number;

  constructor(patterns: readonly (string | Pattern)[], caseFold = false) {
    const spelled = patterns.map((p) => (typeof p === 'string' ? { text: p } : p));
    // An empty pattern tied to nothing would be everywhere; it means nothing to look for.
    if (spelled.some((p) => p.text === '' && !p.atStart && !p.atEnd))
      throw new RangeError('an empty pattern must be tied to the start or the end of the text');
    const symbols = new Map<number, number>();
    let next = FIRST_CHAR;
    for (const { text } of spelled)
      for (let i = 0; i < text.length; i++)
        if (!symbols.has(text.charCodeAt(i))) symbols.set(text.charCodeAt(i), next++);
    const alphabet = next;
    if (caseFold) {
      for (const [code, sym] of [...symbols]) {
        const upper = String.fromCharCode(code).toUpperCase();
        if (code < 128 && upper.length === 1 && upper.charCodeAt(0) !== code)
          symbols.set(upper.charCodeAt(0), sym);
      }
      const k = symbols.get(0x6b);
      if (k !== undefined) symbols.set(0x212a, k);
    }
    // Trie with sparse children first; the dense table is filled breadth-first below.
    const children: Map<number, number>[] = [new Map()];
    const out: number[][] = [[]];
    spelled.forEach((p, index) => {
      const path: number[] = [];
      if (p.atStart) path.push(START);
      for (let i = 0; i < p.text.length; i++) path.push(symbols.get(p.text.charCodeAt(i))!);
      if (p.atEnd) path.push(END);
      let s = 0;
      for (const sym of path) {
        let next = children[s]!.get(sym);
        if (next === undefined) {
          next = children.length;
          children.push(new Map());
          out.push([]);
          children[s]!.set(sym, next);
        }
        s = next;
      }
      out[s]!.push(index);
    });
    const states = children.length;
    // States are stored multiplied by the alphabet size in 32-bit integers.
    if (states * alphabet > 0x7fffffff) throw new RangeError('too many patterns for one automaton');
    const delta = new Int32Array(states * alphabet);
    const fail = new Int32Array(states);
    const queue: number[] = [];
    for (const [sym, next] of children[0]!) {
      delta[sym] = next;
      queue.push(next);
    }
    for (let qi = 0; qi < queue.length; qi++) {
      const s = queue[qi]!;
      const f = fail[s]!;
      if (out[f]!.length > 0) out[s] = out[s]!.concat(out[f]!);
      for (let sym = 0; sym < alphabet; sym++) {
        const next = children[s]!.get(sym);
        if (next === undefined) delta[s * alphabet + sym] = delta[f * alphabet + sym]!;
        else {
          delta[s * alphabet + sym] = next;
          fail[next] = s === 0 ? 0 : delta[f * alphabet + sym]!;
          queue.push(next);
        }
      }
    }
    const outputs = out.map((o) => (o.length > 0 ? o : null));
    const encode = (state: number): number =>
      outputs[state] === null ? state * alphabet : ~(state * alphabet);
    for (let e = 0; e < delta.length; e++) delta[e] = encode(delta[e]!);
    const ascii = new Int32Array(128);
    for (const [code, sym] of symbols) if (code < 128) ascii[code] = sym;
    this.delta = delta;
    this.symbols = symbols;
    this.asciiSymbols = ascii;
    this.alphabet = alphabet;
    this.outputs = outputs;
    this.start = delta[START]!;
    this.dottedI = caseFold ? (symbols.get(0x69) ?? 0) : -1;
  }

  /** How many states the automaton has (states are numbered from 0, the root). */
  get stateCount(): number {
    return this.outputs.length;
  }

  /** The patterns ending at a state (its suffix links included), or null when none do. */
  patternsAt(state: number): readonly number[] | null {
    return this.outputs[state] ?? null;
  }

  /**
   * Calls `visit` with each state reached in `text` at which some pattern ends, once per
   * occurrence end: callers that map states to their own data skip the per-pattern lists.
   * Returns false as soon as `visit` does (true when the text was read to its end).
   */
  scanStates(text: string, visit: (state: number) => boolean): boolean {
    const { delta, alphabet, asciiSymbols, symbols } = this;
    let s = this.start;
    if (s < 0) {
      s = ~s;
      if (!visit(s / alphabet)) return false;
    }
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      let sym: number;
      if (c < 128) sym = asciiSymbols[c]!;
      else if (c === DOTTED_I && this.dottedI >= 0) {
        // Read as `i`, then as the combining dot that follows it in the lower-cased text.
        const t = delta[s + this.dottedI]!;
        if (t >= 0) s = t;
        else {
          s = ~t;
          if (!visit(s / alphabet)) return false;
        }
        sym = 0;
      } else sym = symbols.get(c) ?? 0;
      const t = delta[s + sym]!;
      if (t >= 0) s = t;
      else {
        s = ~t;
        if (!visit(s / alphabet)) return false;
      }
    }
    const t = delta[s + END]!;
    return t >= 0 || visit(~t / alphabet);
  }

  /** Whether any pattern occurs in `text`; stops at the first. */
  includesAny(text: string): boolean {
    return !this.scanStates(text, stop);
  }

  /** Appends to `hits` the index of every pattern occurring in `text`, once per occurrence end. */
  scanInto(text: string, hits: number[]): void {
    this.scanStates(text, (state) => {
      for (const p of this.outputs[state]!) hits.push(p);
      return true;
    });
  }
}
