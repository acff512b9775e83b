/**
 * The "skeleton" of a domain label: what it looks like when read, as plain Latin letters. Two
 * labels with the same skeleton are homoglyphs of each other ("pаypal" with a Cyrillic а, "paypa1",
 * "rnicrosoft"). Written for the scripts lookalike domains use: Cyrillic, Greek, Armenian, Latin
 * letters with hooks, strokes and small capitals, and the digits 0 and 1. Accents are stripped by
 * Unicode decomposition; full-width and mathematical letters fold under NFKC.
 */

// Each entry: a Latin letter, then the characters drawn like it.
const GROUPS: readonly (readonly [string, string])[] = [
  ['a', 'аαɑạᴀⱥäąǎə'],
  ['b', 'ьвƅɓƀβᏏḃ'],
  ['c', 'сϲᴄƈċçćčς'],
  ['d', 'ԁɗđďḋᏧɖ'],
  ['e', 'еёєεᴇẹėęěɇ'],
  ['f', 'ƒſ'],
  ['g', 'ɡɠցģǥġğ'],
  ['h', 'һհнħɦḥ'],
  ['j', 'јϳȷɉ'],
  ['k', 'кκᴋƙķ'],
  ['l', 'ӏіїɩɪıιɭłŀľļĺ1|iíìîïǐɨɫ'],
  ['m', 'мᴍɱṃ'],
  ['n', 'пոηɴɲɳňņṇ'],
  ['o', 'оοօᴏσøɵọȯ0'],
  ['p', 'рρᴘƥþƿ'],
  ['q', 'ԛզʠ'],
  ['r', 'гʀɽŗřɼɍ'],
  ['s', 'ѕʂşṣșśꜱ'],
  ['t', 'тτᴛƭŧţțƫ'],
  ['u', 'υսᴜʉưụ'],
  ['v', 'νᴠʋѵ'],
  ['w', 'ԝωᴡⱳẉŵ'],
  ['x', 'хχ'],
  ['y', 'уγʏƴỵýÿɏỿȳẏŷ'],
  ['z', 'ᴢȥʐżźžⱬƶ'],
];

const LATIN: ReadonlyMap<string, string> = new Map(
  GROUPS.flatMap(([latin, chars]) => [...chars].map((c) => [c, latin] as const)),
);

/** Letter pairs that read as one letter at a glance. */
const PAIRS: readonly (readonly [RegExp, string])[] = [
  [/rn/g, 'm'],
  [/vv/g, 'w'],
];

function latinOf(c: string): string {
  const mapped = LATIN.get(c);
  if (mapped !== undefined) return mapped;
  const bare = c.normalize('NFKD').replace(/\p{M}+/gu, '');
  if (bare.length === 1) return LATIN.get(bare) ?? bare;
  return c;
}

/** The skeleton of one label (or a whole name); case and accents never matter. */
export function skeleton(label: string): string {
  let out = '';
  for (const c of label.normalize('NFKC').toLowerCase()) out += latinOf(c);
  for (const [pattern, letter] of PAIRS) out = out.replace(pattern, letter);
  return out;
}

/**
 * Pairs of plain letters that a quick reader confuses (c/e, b/d, g/q, m/n/r, u/v), and letter
 * groups drawn like one letter (cl for d, nn and rr for m), folded on top of the skeleton. Two
 * names with the same coarse skeleton differ only by such swaps: "rnicrosoft", "mier0soft",
 * "bocusign". Coarser than the skeleton, so it is matched only with more care (see lookalike.ts).
 */
const COARSE_PAIRS: readonly (readonly [RegExp, string])[] = [
  [/cl/g, 'd'],
  [/nn|rr/g, 'm'],
];
const COARSE_LETTERS: Readonly<Record<string, string>> = {
  e: 'c',
  b: 'd',
  q: 'g',
  n: 'm',
  r: 'm',
  v: 'u',
  j: 'l',
};

export function coarseSkeleton(skel: string): string {
  let out = skel;
  for (const [pattern, letter] of COARSE_PAIRS) out = out.replace(pattern, letter);
  return out.replace(/[ebqnrvj]/g, (c) => COARSE_LETTERS[c] ?? c);
}

/** Characters of the label outside ASCII: the ones an IDN homoglyph uses. */
export function nonAsciiCharacters(label: string): string[] {
  // eslint-disable-next-line no-control-regex
  return [...new Set([...label].filter((c) => !/[\x00-\x7f]/.test(c)))];
}

const SCRIPTS: readonly (readonly [string, RegExp])[] = [
  'Latin',
  'Cyrillic',
  'Greek',
  'Armenian',
  'Han',
  'Hiragana',
  'Katakana',
  'Hangul',
  'Arabic',
  'Hebrew',
].map((name) => [name, new RegExp(`\\p{Script=${name}}`, 'u')] as const);

/** The writing systems a label mixes; digits and hyphens belong to none. */
export function scriptsOf(label: string): string[] {
  const found = new Set<string>();
  for (const c of label) {
    const hit = SCRIPTS.find(([, pattern]) => pattern.test(c));
    if (hit !== undefined) found.add(hit[0]);
  }
  return [...found];
}
