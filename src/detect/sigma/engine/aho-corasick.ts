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

/**
 * Adds a path of symbols to the trie held in `table` (0: no child), numbering new states from
 * `count[0]`, which it advances; returns the state the path ends at. (The table loops are kept in
 * small functions of their own, which V8 optimises; inside the constructor they would run
 * interpreted.)
 */
function insert(table: Int32Array, alphabet: number, path: readonly number[], count: Int32Array): number {
  let s = 0;
  for (const sym of path) {
    const at = s * alphabet + sym;
    if (table[at] === 0) table[at] = count[0]!++;
    s = table[at]!;
  }
  return s;
}

/**
 * Turns the trie into the full transition table, breadth first: a missing transition is the
 * fail state's (shallower, so its row is complete), and a child's fail state is where the fail
 * state goes on the same symbol. Returns the states in breadth-first order.
 */
function completeTransitions(
  delta: Int32Array,
  alphabet: number,
  states: number,
  fail: Int32Array,
): Int32Array {
  const queue = new Int32Array(states);
  let tail = 1; // the root, at queue[0]
  for (let sym = 0; sym < alphabet; sym++) if (delta[sym] !== 0) queue[tail++] = delta[sym]!;
  for (let head = 1; head < tail; head++) {
    const s = queue[head]!;
    const row = s * alphabet;
    const from = fail[s]! * alphabet;
    for (let sym = 0; sym < alphabet; sym++) {
      const child = delta[row + sym]!;
      if (child === 0) delta[row + sym] = delta[from + sym]!;
      else {
        fail[child] = delta[from + sym]!;
        queue[tail++] = child;
      }
    }
  }
  return queue;
}

/** Stores each next state multiplied by the alphabet size, inverted where patterns end. */
function encodeStates(delta: Int32Array, alphabet: number, ends: Uint8Array): void {
  for (let e = 0; e < delta.length; e++) {
    const next = delta[e]!;
    delta[e] = ends[next] === 1 ? ~(next * alphabet) : next * alphabet;
  }
}

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
    // The trie is built in the dense table itself (0 is "no child": the root is no one's child),
    // sized for the most states the patterns could need.
    let most = 1;
    for (const p of spelled) most += p.text.length + Number(p.atStart ?? false) + Number(p.atEnd ?? false);
    // States are stored multiplied by the alphabet size in 32-bit integers.
    if (most * alphabet > 0x7fffffff) throw new RangeError('too many patterns for one automaton');
    const trie = new Int32Array(most * alphabet);
    const ownOutputs = new Map<number, number[]>();
    const count = Int32Array.of(1);
    const path: number[] = [];
    spelled.forEach((p, index) => {
      path.length = 0;
      if (p.atStart) path.push(START);
      for (let i = 0; i < p.text.length; i++) path.push(symbols.get(p.text.charCodeAt(i))!);
      if (p.atEnd) path.push(END);
      const s = insert(trie, alphabet, path, count);
      const own = ownOutputs.get(s);
      if (own === undefined) ownOutputs.set(s, [index]);
      else own.push(index);
    });
    const states = count[0]!;
    // A view, not a copy: the rows past the last state were never written, so never paged in.
    const delta = trie.subarray(0, states * alphabet);
    const fail = new Int32Array(states);
    const order = completeTransitions(delta, alphabet, states, fail);
    // A state's patterns: its own, then those of its fail state (shallower: done before it).
    const outputs: (readonly number[] | null)[] = new Array<null>(states).fill(null);
    for (let k = 0; k < states; k++) {
      const s = order[k]!;
      const own = ownOutputs.get(s);
      const inherited = s === 0 ? null : outputs[fail[s]!]!;
      outputs[s] = own === undefined ? inherited : inherited === null ? own : own.concat(inherited);
    }
    const ends = new Uint8Array(states);
    for (let state = 0; state < states; state++) ends[state] = outputs[state] === null ? 0 : 1;
    encodeStates(delta, alphabet, ends);
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
