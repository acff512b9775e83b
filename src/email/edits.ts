/**
 * Names the single edit that turns a protected label into a candidate, so that a finding can say
 * how the lookalike was made ("'a' and 'y' swapped", "'l' replaced by the keyboard neighbour 'k'").
 */
export type EditKind =
  | 'omission'
  | 'insertion'
  | 'repetition'
  | 'replacement'
  | 'keyboard-typo'
  | 'transposition'
  | 'bitflip'
  | 'vowel-swap'
  | 'hyphenation';

export interface Edit {
  readonly kind: EditKind;
  readonly detail: string;
  /**
   * True for the slips typosquatters register: a key next door, doubled, dropped, swapped or
   * added at the end, a flipped bit, a vowel for a vowel. An arbitrary letter for another is an
   * edit too, but one that unrelated real names often differ by (astaro, astart).
   */
  readonly typo: boolean;
}

// Rows of three layouts, each with its horizontal offset in key widths.
const LAYOUTS: readonly (readonly [string, number][])[] = [
  [
    ['1234567890-', 0],
    ['qwertyuiop', 0.5],
    ['asdfghjkl', 0.75],
    ['zxcvbnm', 1.25],
  ],
  [
    ['1234567890', 0],
    ['qwertzuiop', 0.5],
    ['asdfghjkl', 0.75],
    ['yxcvbnm', 1.25],
  ],
  [
    ['1234567890', 0],
    ['azertyuiop', 0.5],
    ['qsdfghjklm', 0.75],
    ['wxcvbn', 1.25],
  ],
];

const NEIGHBOURS: ReadonlyMap<string, ReadonlySet<string>> = (() => {
  const out = new Map<string, Set<string>>();
  for (const layout of LAYOUTS) {
    const keys: { c: string; row: number; x: number }[] = [];
    layout.forEach(([row, offset], r) => [...row].forEach((c, i) => keys.push({ c, row: r, x: i + offset })));
    for (const a of keys)
      for (const b of keys) {
        const dr = Math.abs(a.row - b.row);
        const dx = Math.abs(a.x - b.x);
        if (a.c !== b.c && ((dr === 0 && dx === 1) || (dr === 1 && dx <= 0.75))) {
          let set = out.get(a.c);
          if (set === undefined) out.set(a.c, (set = new Set()));
          set.add(b.c);
        }
      }
  }
  return out;
})();

export function keyboardNeighbours(a: string, b: string): boolean {
  return NEIGHBOURS.get(a)?.has(b) ?? false;
}

const VOWELS = new Set(['a', 'e', 'i', 'o', 'u', 'y']);

function oneBitApart(a: string, b: string): boolean {
  const x = a.charCodeAt(0) ^ b.charCodeAt(0);
  return a.length === 1 && b.length === 1 && x !== 0 && (x & (x - 1)) === 0;
}

const q = (c: string) => `'${c}'`;

/**
 * The edit that makes `candidate` from `target`, when it is one edit (or one hyphen) away;
 * null otherwise. Both are lower-case labels.
 */
export function singleEdit(target: string, candidate: string): Edit | null {
  const t = [...target];
  const c = [...candidate];
  if (c.length === t.length) {
    const diff: number[] = [];
    for (let i = 0; i < t.length && diff.length < 3; i++) if (t[i] !== c[i]) diff.push(i);
    if (diff.length === 1) {
      const i = diff[0]!;
      const [from, to] = [t[i]!, c[i]!];
      if (VOWELS.has(from) && VOWELS.has(to))
        return { kind: 'vowel-swap', detail: `vowel ${q(from)} swapped for ${q(to)}`, typo: true };
      if (keyboardNeighbours(from, to))
        return {
          kind: 'keyboard-typo',
          detail: `${q(from)} replaced by its keyboard neighbour ${q(to)}`,
          typo: true,
        };
      if (oneBitApart(from, to))
        return { kind: 'bitflip', detail: `${q(from)} became ${q(to)} (one bit flipped)`, typo: true };
      return { kind: 'replacement', detail: `${q(from)} replaced by ${q(to)}`, typo: false };
    }
    if (
      diff.length === 2 &&
      diff[1] === diff[0]! + 1 &&
      t[diff[0]!] === c[diff[1]!] &&
      t[diff[1]!] === c[diff[0]!]
    )
      return {
        kind: 'transposition',
        detail: `${q(t[diff[0]!]!)} and ${q(t[diff[1]!]!)} swapped`,
        typo: true,
      };
    return null;
  }
  if (c.length === t.length + 1) {
    let i = 0;
    while (i < t.length && t[i] === c[i]) i++;
    if (c.slice(i + 1).join('') !== t.slice(i).join('')) return null;
    const added = c[i]!;
    if (added === '-')
      return {
        kind: 'hyphenation',
        detail: `a hyphen inserted after ${q(t.slice(0, i).join(''))}`,
        typo: true,
      };
    if (added === c[i - 1] || added === c[i + 1])
      return { kind: 'repetition', detail: `${q(added)} doubled`, typo: true };
    const slip =
      i === t.length ||
      /[0-9]/.test(added) ||
      keyboardNeighbours(added, c[i - 1] ?? '') ||
      keyboardNeighbours(added, c[i + 1] ?? '');
    const where = i === t.length ? 'at the end' : `at position ${i + 1}`;
    return { kind: 'insertion', detail: `${q(added)} added ${where}`, typo: slip };
  }
  if (c.length === t.length - 1) {
    let i = 0;
    while (i < c.length && t[i] === c[i]) i++;
    if (t.slice(i + 1).join('') !== c.slice(i).join('')) return null;
    return { kind: 'omission', detail: `${q(t[i]!)} left out`, typo: true };
  }
  return null;
}
