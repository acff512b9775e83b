import { osaDistance, osaSubstringDistance } from './edit-distance.js';
import { spellings } from './lookalike.js';
import { nameCandidates, nameTokens, type NameCandidate } from './name-tokens.js';
import type { Vendor, VendorCatalog, VendorName } from './vendor-catalog.js';

export interface VendorMatch {
  readonly vendor: Vendor;
  readonly name: VendorName;
  /** The part of the persistence name that matched, as written. */
  readonly written: string;
  /** Edits between the (folded) written part and the vendor name; 0 for exact and pure homoglyphs. */
  readonly distance: number;
  /** Homoglyph, leet or letter-pair folding was needed. */
  readonly folded: boolean;
  /** The vendor name is run into other letters ('symantekupdate'). */
  readonly inside: boolean;
  readonly start: number;
  readonly end: number;
}

export interface VendorMatches {
  /** Vendor names spelled exactly (case, spacing and trailing digits aside). */
  readonly exact: readonly VendorMatch[];
  /** Misspellings and homoglyph imitations, best first. */
  readonly lookalikes: readonly VendorMatch[];
}

/**
 * Edits tolerated for a vendor name of this length: none below 5 letters (too many everyday words
 * are one edit from 'Avast' or 'ESET'), 1 up to 8, 2 from 9 ('Kaspersky', 'Bitdefender').
 */
export function editBound(length: number): number {
  return length < 5 ? 0 : length < 9 ? 1 : 2;
}

/** Shorter words are too often one edit from a 5-letter vendor name. */
const MIN_CANDIDATE_LENGTH = 4;
/** Only names this long are searched for inside run-together words. */
const MIN_INSIDE_LENGTH = 8;

export class VendorMatcher {
  private readonly names: readonly (VendorName & { readonly owner: Vendor })[];

  constructor(catalog: VendorCatalog) {
    this.names = catalog.vendors.flatMap((v) => v.names.map((n) => ({ ...n, owner: v })));
  }

  match(name: string): VendorMatches {
    const candidates = nameCandidates(nameTokens(name));
    const exact: VendorMatch[] = [];
    const lookalikes: VendorMatch[] = [];
    for (const c of candidates) {
      const forms = spellings(c.text);
      const digitless = c.text.replace(/\d+/g, '');
      for (const n of this.names) {
        if (!c.folded && (c.text === n.key || (digitless === n.key && digitless.length >= 3))) {
          exact.push(found(n, c, 0, false, false));
          continue;
        }
        const m = this.fuzzy(n, c, forms);
        if (m === undefined) continue;
        if (m.distance === 0 && !m.folded) exact.push(m);
        else lookalikes.push(m);
      }
    }
    // A misspelling inside an exactly spelled name is not a lookalike ('WinDefend' holds 'Defend');
    // a misspelled longer product name around an exact vendor name is ('KasperskyEndpolnt').
    const covered = (m: VendorMatch) => exact.some((e) => !e.inside && e.start <= m.start && m.end <= e.end);
    return { exact: unique(exact), lookalikes: unique(lookalikes.filter((m) => !covered(m))) };
  }

  private fuzzy(
    n: VendorName & { readonly owner: Vendor },
    c: NameCandidate,
    forms: readonly string[],
  ): VendorMatch | undefined {
    const bound = n.fuzzy ? editBound(n.key.length) : 0;
    let best: VendorMatch | undefined;
    for (const form of forms) {
      if (!n.fuzzy && (form === c.text || n.key.length < 4)) continue;
      const folded = c.folded || form !== c.text;
      if (form.length >= MIN_CANDIDATE_LENGTH) {
        const d = osaDistance(form, n.key, bound);
        if (d <= bound && (d > 0 || folded) && (best === undefined || d < best.distance))
          best = found(n, c, d, folded, false);
      }
      if (
        n.fuzzy &&
        n.key.length >= MIN_INSIDE_LENGTH &&
        c.end - c.start === 1 &&
        form.length > n.key.length + 1
      ) {
        const d = osaSubstringDistance(n.key, form, 1);
        if (d <= 1 && (best === undefined || d < best.distance)) best = found(n, c, d, folded, true);
      }
    }
    return best;
  }
}

function found(
  n: VendorName & { readonly owner: Vendor },
  c: NameCandidate,
  distance: number,
  folded: boolean,
  inside: boolean,
): VendorMatch {
  return {
    vendor: n.owner,
    name: n,
    written: c.original,
    distance,
    folded,
    inside,
    start: c.start,
    end: c.end,
  };
}

/** One match per vendor: the closest, then the longest name. */
function unique(matches: readonly VendorMatch[]): VendorMatch[] {
  const byVendor = new Map<string, VendorMatch>();
  for (const m of matches) {
    const prev = byVendor.get(m.vendor.vendor);
    if (prev === undefined || better(m, prev)) byVendor.set(m.vendor.vendor, m);
  }
  return [...byVendor.values()].sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
}

function better(a: VendorMatch, b: VendorMatch): boolean {
  if (a.distance !== b.distance) return a.distance < b.distance;
  if (a.inside !== b.inside) return !a.inside;
  return a.name.key.length > b.name.key.length;
}
