import { foldCharacters } from './lookalike.js';

/** Names longer than this are cut: persistence names are short, hostile ones need not be read whole. */
const MAX_NAME = 256;
const MAX_TOKENS = 24;
const MAX_TOKEN = 64;

export interface NameToken {
  /** Lower-case Latin reading of the token. */
  readonly text: string;
  /** The token as written. */
  readonly original: string;
  /** True when reading it as Latin changed a character (a homoglyph or accent). */
  readonly folded: boolean;
}

type CharClass = 'upper' | 'lower' | 'digit' | 'other-letter' | 'separator';

function classOf(c: string): CharClass {
  if (c >= 'A' && c <= 'Z') return 'upper';
  if (c >= 'a' && c <= 'z') return 'lower';
  if (c >= '0' && c <= '9') return 'digit';
  if (/\p{L}/u.test(c)) return 'other-letter';
  return 'separator';
}

/**
 * Splits a persistence name into words: at separators, at lower→Upper ('SymantecUpdate'), before
 * the last capital of a capital run followed by lower case ('CSFalcon' → CS, Falcon), and at
 * digit→Upper ('2024Update'), and between Latin and other scripts. Digits stay inside words so
 * 'S0phos' stays one word.
 */
export function nameTokens(name: string): NameToken[] {
  const chars = foldCharacters(name.length > MAX_NAME ? name.slice(0, MAX_NAME) : name);
  const tokens: NameToken[] = [];
  let text = '';
  let original = '';
  let folded = false;
  const flush = () => {
    if (text !== '' && tokens.length < MAX_TOKENS)
      tokens.push({ text: text.slice(0, MAX_TOKEN).toLowerCase(), original, folded });
    text = '';
    original = '';
    folded = false;
  };
  for (let i = 0; i < chars.length; i++) {
    const { latin, original: written } = chars[i]!;
    const cls = classOf(latin);
    if (cls === 'separator') {
      flush();
      continue;
    }
    const prev = i > 0 ? classOf(chars[i - 1]!.latin) : 'separator';
    const next = i + 1 < chars.length ? classOf(chars[i + 1]!.latin) : 'separator';
    const scriptChange = prev !== 'separator' && (cls === 'other-letter') !== (prev === 'other-letter');
    const boundary =
      scriptChange ||
      (cls === 'upper' && (prev === 'lower' || prev === 'digit' || (prev === 'upper' && next === 'lower')));
    if (boundary) flush();
    text += latin;
    original += written;
    if (latin.toLowerCase() !== written.toLowerCase()) folded = true;
  }
  flush();
  return tokens;
}

export interface NameCandidate {
  /** Lower-case Latin text of 1–3 adjacent tokens joined. */
  readonly text: string;
  readonly original: string;
  readonly folded: boolean;
  /** Token index range [start, end). */
  readonly start: number;
  readonly end: number;
}

/**
 * Single tokens, runs of up to four adjacent tokens joined ('Trend Micro' → 'trendmicro'), and the
 * whole name joined.
 */
export function nameCandidates(tokens: readonly NameToken[], maxRun = 4): NameCandidate[] {
  const out: NameCandidate[] = [];
  for (let start = 0; start < tokens.length; start++)
    for (let end = start + 1; end <= tokens.length; end++) {
      if (end - start > maxRun && !(start === 0 && end === tokens.length)) continue;
      const run = tokens.slice(start, end);
      out.push({
        text: run.map((t) => t.text).join(''),
        original: run.map((t) => t.original).join(''),
        folded: run.some((t) => t.folded),
        start,
        end,
      });
    }
  return out;
}
