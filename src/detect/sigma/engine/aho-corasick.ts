/**
 * A multi-pattern matcher (Aho–Corasick) over UTF-16 code units: one pass over a text reports
 * every pattern it contains. Built once per rule set; scans run at a few ns per character.
 *
 * With `caseFold`, patterns must be lower-case ASCII and the scan ignores ASCII case, so texts
 * need no lower-casing first. The two non-ASCII characters whose lower case is ASCII (KELVIN SIGN
 * and LATIN CAPITAL I WITH DOT ABOVE) fold too, so a hit is never missed.
 */
const FOLDABLE = /^[ -~\t\n\r]*$/;

/** Whether a pattern can go into a case-folding automaton: printable ASCII only. */
export function isFoldable(pattern: string): boolean {
  return FOLDABLE.test(pattern);
}

export class AhoCorasick {
  /** Dense transition table: state * alphabet + symbol → next state. */
  private readonly delta: Int32Array;
  /** Code unit → compact symbol; 0 is "not in any pattern". */
  private readonly symbols: Map<number, number>;
  private readonly asciiSymbols: Int32Array;
  private readonly alphabet: number;
  /** Patterns ending at each state (including via suffix links), as indexes into `patterns`. */
  private readonly outputs: (readonly number[] | null)[];

  constructor(
    readonly patterns: readonly string[],
    caseFold = false,
  ) {
    const symbols = new Map<number, number>();
    let next = 1;
    for (const p of patterns)
      for (let i = 0; i < p.length; i++)
        if (!symbols.has(p.charCodeAt(i))) symbols.set(p.charCodeAt(i), next++);
    const alphabet = next;
    if (caseFold) {
      for (const [code, sym] of [...symbols]) {
        const upper = String.fromCharCode(code).toUpperCase();
        if (code < 128 && upper.length === 1 && upper.charCodeAt(0) !== code)
          symbols.set(upper.charCodeAt(0), sym);
      }
      const k = symbols.get(0x6b);
      if (k !== undefined) symbols.set(0x212a, k);
      const i = symbols.get(0x69);
      if (i !== undefined) symbols.set(0x130, i);
    }
    // Trie with sparse children first; the dense table is filled breadth-first below.
    const children: Map<number, number>[] = [new Map()];
    const out: number[][] = [[]];
    patterns.forEach((p, index) => {
      let s = 0;
      for (let i = 0; i < p.length; i++) {
        const sym = symbols.get(p.charCodeAt(i))!;
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
    const ascii = new Int32Array(128);
    for (const [code, sym] of symbols) if (code < 128) ascii[code] = sym;
    this.delta = delta;
    this.symbols = symbols;
    this.asciiSymbols = ascii;
    this.alphabet = alphabet;
    this.outputs = out.map((o) => (o.length > 0 ? o : null));
  }

  /** Whether any pattern occurs in `text`; stops at the first. */
  includesAny(text: string): boolean {
    const { delta, alphabet, outputs, asciiSymbols, symbols } = this;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      const sym = c < 128 ? asciiSymbols[c]! : (symbols.get(c) ?? 0);
      s = delta[s * alphabet + sym]!;
      if (outputs[s] !== null) return true;
    }
    return false;
  }

  /** Appends to `hits` the index of every pattern occurring in `text`, once per occurrence end. */
  scanInto(text: string, hits: number[]): void {
    const { delta, alphabet, outputs, asciiSymbols, symbols } = this;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      const sym = c < 128 ? asciiSymbols[c]! : (symbols.get(c) ?? 0);
      s = delta[s * alphabet + sym]!;
      const o = outputs[s]!;
      if (o !== null) for (let k = 0; k < o.length; k++) hits.push(o[k]!);
    }
  }
}
