/**
 * Folding of characters that read like Latin letters, so 'Sуmantec' (Cyrillic у), 'McAf33' and
 * 'Syrnantec' compare equal to the names they imitate.
 */

// Cyrillic and Greek letters drawn like Latin ones, plus a few Latin letters with strokes that
// Unicode does not decompose.
const CONFUSABLES: ReadonlyMap<string, string> = new Map(
  [
    'АA ВB ЕE КK МM НH ОO РP СC ТT ХX УY ІI ЈJ ЅS ԚQ ԜW',
    'аa еe оo рp сc уy хx іi јj ѕs ԁd ԛq ԝw һh ӏl ьb',
    'ΑA ΒB ΕE ΖZ ΗH ΙI ΚK ΜM ΝN ΟO ΡP ΤT ΥY ΧX οo αa νv ιi κk ρp υu τt',
    'ıi łl ŁL øo ØO đd ĐD ħh',
  ]
    .join(' ')
    .split(' ')
    .map((pair) => [pair[0]!, pair[1]!] as const),
);

/** Symbols that stand for letters when written between letters ('Kasper$ky'). */
const SYMBOL_LETTERS: Readonly<Record<string, string>> = { $: 's', '@': 'a', '|': 'l', '!': 'i' };

const LEET_DIGITS: Readonly<Record<string, string>> = {
  '0': 'o',
  '1': 'l',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '8': 'b',
  '9': 'g',
};

const MULTI_LETTER: readonly (readonly [RegExp, string])[] = [
  [/rn/g, 'm'],
  [/vv/g, 'w'],
  [/cl/g, 'd'],
];

export interface FoldedChar {
  /** The character as written. */
  readonly original: string;
  /** The Latin character it reads as (may equal original). */
  readonly latin: string;
}

/**
 * The name as Latin characters, one entry per written character: NFKC first (full-width,
 * ligatures), then accents stripped and confusable letters mapped.
 */
export function foldCharacters(name: string): FoldedChar[] {
  const chars = [...name.normalize('NFKC')];
  const out: FoldedChar[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    let latin = CONFUSABLES.get(c) ?? c.normalize('NFKD').replace(/\p{M}+/gu, '');
    if (latin.length !== 1) latin = c;
    const symbol = SYMBOL_LETTERS[c];
    if (symbol !== undefined && isLetter(chars[i - 1]) && isLetter(chars[i + 1])) latin = symbol;
    out.push({ original: c, latin });
  }
  return out;
}

function isLetter(c: string | undefined): boolean {
  return c !== undefined && /\p{L}/u.test(c);
}

/**
 * Spellings of a lower-case token to compare with a vendor name: as written, digits read as
 * letters (with 1 as l, then as i), digits dropped, and letter pairs read as one letter.
 */
export function spellings(token: string): string[] {
  const out = new Set<string>([token]);
  if (/\d/.test(token)) {
    out.add(token.replace(/\d/g, (d) => LEET_DIGITS[d] ?? d));
    out.add(token.replace(/\d/g, (d) => (d === '1' ? 'i' : (LEET_DIGITS[d] ?? d))));
    const stripped = token.replace(/\d+/g, '');
    if (stripped !== '') out.add(stripped);
  }
  for (const s of [...out]) {
    let folded = s;
    for (const [pattern, letter] of MULTI_LETTER) folded = folded.replace(pattern, letter);
    out.add(folded);
  }
  return [...out];
}
