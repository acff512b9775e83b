import { ANY_CHAR, ANY_RUN, type GlobPart } from '../model.js';

/** A character class inside a pattern, e.g. the dash variants produced by `windash`. */
export interface CharClass {
  readonly oneOf: string;
}

export type Part = GlobPart | CharClass;
export type Pattern = readonly Part[];

export function isClass(p: Part): p is CharClass {
  return typeof p === 'object';
}

/**
 * Parses a Sigma string: `*` and `?` are wildcards; a backslash escapes `*`, `?` and itself, and
 * is literal before anything else (so Windows paths need no escaping).
 */
export function parseSigmaString(text: string): Part[] {
  const parts: Part[] = [];
  let lit = '';
  const flush = (): void => {
    if (lit) parts.push(lit);
    lit = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') {
      const next = text[i + 1];
      if (next === '*' || next === '?' || next === '\\') {
        lit += next;
        i++;
      } else lit += c;
    } else if (c === '*') {
      flush();
      if (parts.at(-1) !== ANY_RUN) parts.push(ANY_RUN);
    } else if (c === '?') {
      flush();
      parts.push(ANY_CHAR);
    } else lit += c;
  }
  flush();
  return parts;
}

export function literalPattern(text: string): Part[] {
  return text === '' ? [] : [text];
}

export function hasWildcards(p: Pattern): boolean {
  return p.some((x) => typeof x !== 'string');
}

/** The plain text of a pattern without wildcards, or null. */
export function plainText(p: Pattern): string | null {
  return hasWildcards(p) ? null : p.join('');
}

export function wrap(p: Pattern, before: boolean, after: boolean): Part[] {
  const out = [...p];
  if (before && out[0] !== ANY_RUN) out.unshift(ANY_RUN);
  if (after && out.at(-1) !== ANY_RUN) out.push(ANY_RUN);
  return out;
}

const REGEX_SPECIAL = /[.*+?^${}()|[\]\\/]/g;
const CLASS_SPECIAL = /[\]\\^-]/g;

export function escapeRegExp(s: string): string {
  return s.replace(REGEX_SPECIAL, '\\$&');
}

function escapeClass(s: string): string {
  return s.replace(CLASS_SPECIAL, '\\$&');
}

/** An anchored regular expression equivalent to the pattern. */
export function patternToRegExp(p: Pattern, caseInsensitive: boolean): RegExp {
  let src = '';
  for (const part of p) {
    if (part === ANY_RUN) src += '[\\s\\S]*';
    else if (part === ANY_CHAR) src += '[\\s\\S]';
    else if (isClass(part)) src += `[${escapeClass(part.oneOf)}]`;
    else src += escapeRegExp(part);
  }
  return new RegExp(`^${src}$`, caseInsensitive ? 'iu' : 'u');
}

/** The longest run of literal text: any match must contain it (used to index rules). */
export function longestLiteral(p: Pattern): string {
  let best = '';
  for (const part of p) if (typeof part === 'string' && part.length > best.length) best = part;
  return best;
}

export function lowerPattern(p: Pattern): Part[] {
  return p.map((x) =>
    typeof x === 'string' ? x.toLowerCase() : isClass(x) ? { oneOf: x.oneOf.toLowerCase() } : x,
  );
}
