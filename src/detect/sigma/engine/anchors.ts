import { longestLiteral } from '../compile/glob.js';
import type { Pred } from '../compile/predicate.js';
import { isFoldable } from './aho-corasick.js';
import { regexLiterals } from './regex-literals.js';

/** Anchors on this field are looked for in every value of the event (keyword searches). */
export const ANY_FIELD = '*';

/**
 * A literal that must occur in a field's lower-cased value for a predicate to hold: somewhere in
 * it, at its start, at its end, or (both) as the whole value. Or, with `nonAscii` (and an empty
 * literal), a character outside ASCII somewhere in the value.
 */
export interface Anchor {
  /** The field, or ANY_FIELD for keyword searches. */
  readonly field: string;
  readonly literal: string;
  readonly atStart: boolean;
  readonly atEnd: boolean;
  readonly nonAscii?: boolean;
}

/**
 * What a non-ASCII anchor weighs against literals (their length, plus one for each tie to the
 * start or end of the value): most values are pure ASCII, so it tells them apart better than the
 * shortest literals, such as `.exe` at the end of an image.
 */
const NON_ASCII_WEIGHT = 5;

/** Literals shorter than this hit too often to be worth indexing (whole values may be short). */
const MIN_LITERAL = 2;
/** Most anchor groups an entry is indexed by: each must hit before the entry is evaluated. */
export const MAX_GROUPS = 2;

/**
 * Longer literals are cut to this many characters: as selective, and the automata stay small
 * (hash lists, `md5=...`, would otherwise take hundreds of thousands of states).
 */
const MAX_LITERAL = 16;

const NONE: ReadonlySet<string> = new Set();

/**
 * The anchor with its literal cut to MAX_LITERAL characters (a part of a literal that must occur
 * must occur too). Prefixes keep their start; the rest keep their end, which tells values apart
 * better (`microsoft-windows-...`, `c:\\windows\\...`, `md5=...`).
 */
function capped(a: Anchor): Anchor {
  if (a.literal.length <= MAX_LITERAL) return a;
  if (a.atStart && !a.atEnd) return { ...a, literal: a.literal.slice(0, MAX_LITERAL) };
  return { ...a, literal: a.literal.slice(-MAX_LITERAL), atStart: false };
}

/**
 * The anchor of a literal holding characters outside printable ASCII: its longest run of
 * printable ASCII (a part of the literal, so it occurs where the literal does, tied to the start
 * or end of the value if the run starts or ends the literal) when it is selective enough, or else
 * any non-ASCII character (lower-casing never turns ASCII into anything else, so a value whose
 * lower case holds one holds one itself).
 */
function nonAsciiAnchor(field: string, literal: string, atStart: boolean, atEnd: boolean): Anchor {
  let best = { from: 0, to: 0 };
  const runs = /[ -~\t\n\r]+/g;
  for (let m = runs.exec(literal); m !== null; m = runs.exec(literal))
    if (m[0].length > best.to - best.from) best = { from: m.index, to: m.index + m[0].length };
  const run = {
    field,
    literal: literal.slice(best.from, best.to),
    atStart: atStart && best.from === 0,
    atEnd: atEnd && best.to === literal.length,
  };
  return run.literal.length >= MIN_LITERAL && weight(run) > NON_ASCII_WEIGHT
    ? capped(run)
    : { field, literal: '', atStart: false, atEnd: false, nonAscii: true };
}

/** How selective an anchor is: a tie to the start or end of the value counts as one more character. */
function weight(a: Anchor): number {
  return a.nonAscii ? NON_ASCII_WEIGHT : a.literal.length + Number(a.atStart) + Number(a.atEnd);
}

function score(anchors: readonly Anchor[]): number {
  let min = Infinity;
  for (const a of anchors) min = Math.min(min, weight(a));
  // Longer shortest literal first, then fewer literals.
  return min * 1000 - anchors.length;
}

/**
 * A set of anchors at least one of which occurs in every event the predicate accepts, or null
 * when no such set is known. Tests of `ignored` fields give no anchors (fields the engine's
 * buckets already settle).
 */
export function necessaryAnchors(p: Pred, ignored: ReadonlySet<string> = NONE): Anchor[] | null {
  switch (p.k) {
    case 'str': {
      if (p.field !== null && ignored.has(p.field)) return null;
      const literal = (p.op === 'glob' ? longestLiteral(p.pattern) : p.text).toLowerCase();
      // Where the literal sits in each of the field's values (keywords: anywhere in any value).
      const atStart = p.field !== null && (p.op === 'eq' || p.op === 'prefix');
      const atEnd = p.field !== null && (p.op === 'eq' || p.op === 'suffix');
      const field = p.field ?? ANY_FIELD;
      // ASCII only: the index folds ASCII case, and non-ASCII case rules have exceptions.
      if (isFoldable(literal)) {
        const long = literal.length >= (atStart && atEnd ? 1 : MIN_LITERAL);
        return long ? [capped({ field, literal, atStart, atEnd })] : null;
      }
      return [nonAsciiAnchor(field, literal, atStart, atEnd)];
    }
    case 're': {
      if (p.field !== null && ignored.has(p.field)) return null;
      const literals = regexLiterals(p.re, MIN_LITERAL);
      const field = p.field ?? ANY_FIELD;
      return literals === null
        ? null
        : literals.map((literal) => capped({ field, literal, atStart: false, atEnd: false }));
    }
    case 'and': {
      let best: Anchor[] | null = null;
      for (const item of p.items) {
        const a = necessaryAnchors(item, ignored);
        if (a !== null && (best === null || score(a) > score(best))) best = a;
      }
      return best;
    }
    case 'or': {
      const all: Anchor[] = [];
      for (const item of p.items) {
        const a = necessaryAnchors(item, ignored);
        if (a === null) return null;
        all.push(...a);
      }
      return all;
    }
    case 'const':
      return p.value ? null : [];
    default:
      return null;
  }
}

/**
 * Up to MAX_GROUPS anchor sets that must each hit for the predicate to hold: the best ones of a
 * conjunction's items (every item of an AND is necessary), else the predicate's own set; null
 * when none is known.
 */
export function anchorGroups(p: Pred, ignored: ReadonlySet<string> = NONE): Anchor[][] | null {
  if (p.k !== 'and') {
    const one = necessaryAnchors(p, ignored);
    return one === null ? null : [one];
  }
  const groups: Anchor[][] = [];
  for (const item of p.items) {
    const a = necessaryAnchors(item, ignored);
    if (a !== null) groups.push(a);
  }
  if (groups.length === 0) return null;
  return groups.sort((a, b) => score(b) - score(a)).slice(0, MAX_GROUPS);
}
