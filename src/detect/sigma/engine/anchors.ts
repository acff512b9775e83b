import { longestLiteral } from '../compile/glob.js';
import type { Pred } from '../compile/predicate.js';
import { isFoldable } from './aho-corasick.js';

/** Anchors on this field are looked for in every value of the event (keyword searches). */
export const ANY_FIELD = '*';

/** A literal that must occur (lower-cased) in a field's value for a predicate to hold. */
export interface Anchor {
  /** The field, or ANY_FIELD for keyword searches. */
  readonly field: string;
  readonly literal: string;
}

/** Literals shorter than this hit too often to be worth indexing. */
const MIN_LITERAL = 2;

function score(anchors: readonly Anchor[]): number {
  let min = Infinity;
  for (const a of anchors) min = Math.min(min, a.literal.length);
  // Longer shortest literal first, then fewer literals.
  return min * 1000 - anchors.length;
}

/**
 * A set of anchors at least one of which occurs in every event the predicate accepts, or null
 * when no such set is known. The engine evaluates a rule only when one of its anchors hit.
 */
export function necessaryAnchors(p: Pred): Anchor[] | null {
  switch (p.k) {
    case 'str': {
      const literal = (p.op === 'glob' ? longestLiteral(p.pattern) : p.text).toLowerCase();
      // ASCII only: the index folds ASCII case, and non-ASCII case rules have exceptions.
      return literal.length >= MIN_LITERAL && isFoldable(literal)
        ? [{ field: p.field ?? ANY_FIELD, literal }]
        : null;
    }
    case 'and': {
      let best: Anchor[] | null = null;
      for (const item of p.items) {
        const a = necessaryAnchors(item);
        if (a !== null && (best === null || score(a) > score(best))) best = a;
      }
      return best;
    }
    case 'or': {
      const all: Anchor[] = [];
      for (const item of p.items) {
        const a = necessaryAnchors(item);
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
