import { osaDistance } from '../detect/analytics/edit-distance.js';
import { singleEdit } from './edits.js';
import { hostName } from './host.js';
import { publicSuffixes, type HostParts, type PublicSuffixList } from './public-suffix.js';
import { coarseSkeleton, nonAsciiCharacters, skeleton } from './skeleton.js';
import { LURE_WORD_LIST } from './words.js';

/** Whose domain it is: the organization's own, a partner's or supplier's, or a well-known brand. */
export type ProtectedKind = 'organization' | 'partner' | 'brand';

export interface ProtectedDomain {
  /** A registrable domain: "example.com", "impots.gouv.fr". */
  readonly domain: string;
  readonly kind: ProtectedKind;
  /** Who it belongs to, for reasons ("PayPal"). */
  readonly owner?: string;
}

export type LookalikeTechnique =
  | 'idn-homoglyph'
  | 'homoglyph'
  | 'tld-swap'
  | 'omission'
  | 'insertion'
  | 'repetition'
  | 'replacement'
  | 'keyboard-typo'
  | 'transposition'
  | 'bitflip'
  | 'vowel-swap'
  | 'hyphenation'
  | 'two-edits'
  | 'added-word'
  | 'subdomain'
  | 'dot-split'
  | 'brand-in-subdomain';

export interface LookalikeMatch {
  /** The candidate as a reader sees it (Unicode). */
  readonly host: string;
  /** The candidate's ASCII (punycode) form. */
  readonly ascii: string;
  readonly target: ProtectedDomain;
  readonly technique: LookalikeTechnique;
  /** How it imitates the target, for the reason text. */
  readonly detail: string;
  /** 0-100: how sure a reader would be fooled, and how plainly the name was made to fool. */
  readonly score: number;
}

const SCORE: Readonly<Record<LookalikeTechnique, number>> = {
  'idn-homoglyph': 80,
  homoglyph: 70,
  subdomain: 65,
  'tld-swap': 55,
  omission: 60,
  insertion: 60,
  repetition: 60,
  replacement: 60,
  'keyboard-typo': 60,
  transposition: 60,
  bitflip: 60,
  'vowel-swap': 60,
  hyphenation: 60,
  'dot-split': 60,
  'two-edits': 45,
  'added-word': 50,
  'brand-in-subdomain': 30,
};

/**
 * Edits allowed between skeletons, by the protected label's length. Short names sit one edit
 * from many unrelated real names (ibm, ibn, bm), so they are matched only by their look (skeleton)
 * and by a few typo edits under the same suffix; longer names tolerate one edit, long ones two.
 */
function editBudget(length: number): number {
  if (length <= SHORT_LENGTH) return 0;
  if (length <= 9) return 1;
  return 2;
}

/** Short protected labels still catch the typos people make: keys doubled, swapped or next door. */
const SHORT_NAME_EDITS: ReadonlySet<string> = new Set(['repetition', 'transposition', 'insertion-at-end']);
const MIN_SHORT_TYPO_LENGTH = 3;
const MIN_CROSS_SUFFIX_LENGTH = 8;
/** Labels up to this long are short: few edits separate them from other real names. */
const SHORT_LENGTH = 4;
const CROSS_SUFFIX_PENALTY = 15;
const BRAND_TLD_SWAP_PENALTY = 30;
/** A protected label shorter than this is not looked for inside other names: too many false hits. */
const MIN_EMBEDDED_LENGTH = 3;
/** Lure words as skeletons, since they are matched inside skeletons. */
const LURE_SKELETONS: ReadonlySet<string> = new Set(LURE_WORD_LIST.map(skeleton));

interface Entry {
  readonly target: ProtectedDomain;
  readonly parts: HostParts;
  /** The label as Unicode, lower case. */
  readonly label: string;
  readonly skeleton: string;
  /** Skeleton without hyphens: "pay-pal" and "paypal" are one name to a reader. */
  readonly bare: string;
  /** The label as written, without hyphens: typos are also measured on it, since the skeleton's
   * letter-pair folds can hide one ("aaarna" → "aaama" is two edits from "aaanra"). */
  readonly plain: string;
  readonly coarse: string;
  readonly budget: number;
}

/**
 * Protected domains indexed for lookups from the candidate side: by skeleton (homoglyphs, TLD
 * swaps), by deletion neighbourhood (symmetric deletion: a candidate one edit away shares a string
 * made by at most one deletion from each side), and by bare label for names embedded in longer
 * ones. A lookup costs a few hundred map probes whatever the number of short and mid-length
 * protected names; long names (two edits allowed) are few and are measured one by one among
 * those of a similar length.
 */
export class LookalikeIndex {
  private readonly entries: Entry[] = [];
  private readonly byRegistrable = new Map<string, Entry>();
  private readonly bySkeleton = new Map<string, Entry[]>();
  private readonly byCoarse = new Map<string, Entry[]>();
  private readonly byDeletion = new Map<string, Set<Entry>>();
  /** Long names (two edits allowed) by length: few enough to measure one by one. */
  private readonly longByLength = new Map<number, Entry[]>();

  constructor(
    domains: readonly ProtectedDomain[],
    private readonly suffixes: PublicSuffixList = publicSuffixes(),
  ) {
    for (const d of domains) this.add(d);
  }

  get size(): number {
    return this.entries.length;
  }

  /** The protected domains, as given (normalized). */
  domains(): ProtectedDomain[] {
    return this.entries.map((e) => e.target);
  }

  private add(d: ProtectedDomain): void {
    const host = hostName(d.domain);
    const parts = host === null ? null : this.suffixes.split(host.ascii);
    if (host === null || parts === null) throw new Error(`not a registrable domain: ${d.domain}`);
    if (this.byRegistrable.has(parts.registrable)) return;
    const label = host.unicode.split('.')[parts.subdomains.length]!;
    const skel = skeleton(label);
    const entry: Entry = {
      target: { ...d, domain: parts.registrable },
      parts,
      label,
      skeleton: skel,
      bare: skel.replace(/-/g, ''),
      plain: label.replace(/-/g, ''),
      coarse: coarseSkeleton(skel.replace(/-/g, '')),
      budget: editBudget(skel.length),
    };
    this.entries.push(entry);
    this.byRegistrable.set(parts.registrable, entry);
    for (const key of new Set([skel, entry.bare])) push(this.bySkeleton, key, entry);
    push(this.byCoarse, entry.coarse, entry);
    if (entry.budget > 1)
      for (const form of new Set([entry.bare, entry.plain])) push(this.longByLength, form.length, entry);
    else
      for (const form of new Set([entry.bare, entry.plain]))
        for (const v of deletions(form, 1))
          (this.byDeletion.get(v) ?? this.byDeletion.set(v, new Set()).get(v)!).add(entry);
  }

  /** The protected domain the host belongs to (itself or a subdomain of it), if any. */
  owner(host: string): ProtectedDomain | null {
    const name = hostName(host);
    const parts = name === null ? null : this.suffixes.split(name.ascii);
    return parts === null ? null : (this.byRegistrable.get(parts.registrable)?.target ?? null);
  }

  /**
   * The strongest imitation of a protected domain by this host, or null when the host is not a
   * lookalike or is itself (a subdomain of) a protected domain.
   */
  lookalike(host: string): LookalikeMatch | null {
    if (this.owner(host) !== null) return null;
    return this.matches(host)[0] ?? null;
  }

  /** Every protected domain the host imitates, strongest first; its own registrable domain excluded. */
  matches(host: string): LookalikeMatch[] {
    const name = hostName(host);
    if (name === null) return [];
    const parts = this.suffixes.split(name.ascii);
    if (parts === null) return [];
    const uLabels = name.unicode.split('.');
    const label = uLabels[parts.subdomains.length] ?? parts.label;
    const uSubdomains = uLabels.slice(0, parts.subdomains.length);
    const skel = skeleton(label);
    const bare = skel.replace(/-/g, '');
    const found = new Map<Entry, LookalikeMatch>();
    const keep = (entry: Entry, technique: LookalikeTechnique, detail: string, penalty = 0): void => {
      if (entry.parts.registrable === parts.registrable) return;
      const prev = found.get(entry);
      // Brands own many country domains; one more is weak evidence (amazon.ca is Amazon's too).
      const brandSwap =
        technique === 'tld-swap' && entry.target.kind === 'brand' ? BRAND_TLD_SWAP_PENALTY : 0;
      const score = SCORE[technique] - penalty - brandSwap;
      if (prev === undefined || prev.score < score)
        found.set(entry, {
          host: name.unicode,
          ascii: name.ascii,
          target: entry.target,
          technique,
          detail,
          score,
        });
    };
    const sameSuffix = (e: Entry) => e.parts.suffix === parts.suffix;

    // Same look: homoglyphs (also across suffixes), or the very same label under another suffix.
    const foreign = nonAsciiCharacters(label);
    const asciiLabel = name.ascii.split('.')[parts.subdomains.length]!;
    const homoglyph = (e: Entry, how: string): void => {
      // Short plain-ASCII names under another suffix are other names (ist.org, lst.de).
      if (foreign.length === 0 && !sameSuffix(e) && e.bare.length <= SHORT_LENGTH) return;
      if (foreign.length > 0)
        keep(
          e,
          'idn-homoglyph',
          `${label} (${asciiLabel}) ${how} ${e.label}: ${foreign.map(describeChar).join(', ')}`,
        );
      else keep(e, 'homoglyph', `${label} ${how} ${e.label}`);
    };
    const sameLook = new Set([...(this.bySkeleton.get(skel) ?? []), ...(this.bySkeleton.get(bare) ?? [])]);
    for (const e of sameLook) {
      if (label === e.label)
        keep(e, 'tld-swap', `the name ${e.label} under .${parts.suffix} instead of .${e.parts.suffix}`);
      else if (label.replace(/-/g, '') === e.label.replace(/-/g, '')) {
        if (sameSuffix(e)) keep(e, 'hyphenation', `${label} is ${e.label} with hyphens`);
      } else homoglyph(e, 'reads as');
    }
    // Misread letters (c/e, b/d, m/n): too loose for short names, where they join unrelated
    // acronyms, and for names under another suffix (coreos.com, correos.es).
    for (const e of this.byCoarse.get(coarseSkeleton(bare)) ?? [])
      if (!sameLook.has(e) && e.bare.length > SHORT_LENGTH && sameSuffix(e))
        homoglyph(e, 'is easily misread as');

    // Typos: within the edit budget of the protected label.
    const seen = new Set<Entry>();
    const plain = label.replace(/-/g, '');
    const consider = (e: Entry): void => {
      if (seen.has(e)) return;
      seen.add(e);
      this.typo(e, label, bare, plain, sameSuffix(e), keep);
    };
    for (const form of new Set([bare, plain])) {
      for (const v of deletions(form, 1)) for (const e of this.byDeletion.get(v) ?? []) consider(e);
      for (let n = form.length - 2; n <= form.length + 2; n++)
        for (const e of this.longByLength.get(n) ?? []) consider(e);
    }

    // The protected name plus lure words: paypal-secure-login, impots-gouv, secure-paypalcom.
    if (bare.length > MIN_EMBEDDED_LENGTH)
      for (let i = 0; i < bare.length; i++)
        for (let j = i + MIN_EMBEDDED_LENGTH; j <= bare.length; j++) {
          if (i === 0 && j === bare.length) continue;
          const hits = this.bySkeleton.get(bare.slice(i, j));
          if (hits === undefined) continue;
          for (const e of hits) {
            if (e.bare.length <= SHORT_LENGTH && !sameSuffix(e)) continue;
            const extra = [bare.slice(0, i), bare.slice(j)].filter((s) => s !== '');
            if (extra.every((s) => onlyLureWords(s, e)))
              keep(e, 'added-word', `${label} is ${e.label} with words added`);
          }
        }

    // Subdomain tricks: paypal.com.evil.net, and names split by a dot (pay.pal.com).
    if (parts.subdomains.length > 0) {
      const all = [...parts.subdomains, parts.label, ...parts.suffix.split('.')];
      for (let i = 0; i < parts.subdomains.length; i++)
        for (let j = i + 2; j <= all.length - 1 && j - i <= 4; j++) {
          const e = this.byRegistrable.get(all.slice(i, j).join('.'));
          if (e !== undefined)
            keep(
              e,
              'subdomain',
              `${name.unicode} starts with ${e.target.domain} but belongs to ${parts.registrable}`,
            );
        }
      const joined = skeleton([...uSubdomains, label].join('')).replace(/-/g, '');
      for (const e of this.bySkeleton.get(joined) ?? [])
        if (sameSuffix(e)) keep(e, 'dot-split', `${name.unicode} is ${e.target.domain} with a dot inserted`);
      for (const sub of uSubdomains) {
        const s = skeleton(sub);
        if (s.length < 5) continue;
        for (const e of this.bySkeleton.get(s) ?? [])
          keep(
            e,
            'brand-in-subdomain',
            `${name.unicode} names ${e.target.domain} in a subdomain of ${parts.registrable}`,
          );
      }
    }
    return [...found.values()].sort((a, b) => b.score - a.score);
  }

  private typo(
    e: Entry,
    label: string,
    bare: string,
    plain: string,
    sameSuffix: boolean,
    keep: (e: Entry, t: LookalikeTechnique, detail: string, penalty?: number) => void,
  ): void {
    if (e.budget === 0) {
      // A short name: only the classic slips of it, under its own suffix.
      if (!sameSuffix || e.bare.length < MIN_SHORT_TYPO_LENGTH) return;
      const edit = singleEdit(e.label, label);
      const kind = edit?.kind === 'insertion' && label.startsWith(e.label) ? 'insertion-at-end' : edit?.kind;
      if (edit !== null && SHORT_NAME_EDITS.has(kind!)) keep(e, edit.kind, `${label}: ${edit.detail}`);
      return;
    }
    // Under another suffix, only longer names: a typo and a TLD swap at once is rare, and short
    // names under different suffixes are usually unrelated (openssh.com, openssl.org).
    if (!sameSuffix && e.bare.length < MIN_CROSS_SUFFIX_LENGTH) return;
    const penalty = sameSuffix ? 0 : CROSS_SUFFIX_PENALTY;
    const d = Math.min(osaDistance(bare, e.bare, e.budget), osaDistance(plain, e.plain, e.budget));
    if (d === 0 || d > e.budget) return;
    if (d === 1) {
      // A hyphen moved and a letter changed are two edits, however close the bare names are.
      const edit =
        singleEdit(e.label, label) ??
        (label.includes('-') || e.label.includes('-') ? null : singleEdit(e.bare, bare));
      if (edit === null && e.budget < 2) return;
      // Arbitrary one-letter differences are how unrelated short names differ; long names keep them.
      if (edit !== null && (edit.typo || e.budget > 1))
        keep(e, edit.kind, `${label}: ${edit.detail} in ${e.label}`, penalty);
      else if (edit === null) keep(e, 'replacement', `${label} is one character from ${e.label}`, penalty);
    } else if (sameSuffix) keep(e, 'two-edits', `${label} is two characters from ${e.label}`);
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/** The strings made from `s` by deleting up to `k` characters (itself included). */
function deletions(s: string, k: number): Set<string> {
  const out = new Set<string>([s]);
  let frontier = [s];
  for (let round = 0; round < k; round++) {
    const next: string[] = [];
    for (const w of frontier)
      for (let i = 0; i < w.length; i++) {
        const v = w.slice(0, i) + w.slice(i + 1);
        if (!out.has(v)) {
          out.add(v);
          next.push(v);
        }
      }
    frontier = next;
  }
  return out;
}

/**
 * True when the text around an embedded protected name splits into lure words ("secure", "login",
 * "com"), short numbers, and the parts of the protected domain's own suffix ("gouv", "fr"), all
 * as skeletons. "debianhandbook" is not "debian" plus a lure.
 */
function onlyLureWords(text: string, e: Entry): boolean {
  const own = new Set(e.parts.suffix.split('.').map(skeleton));
  const isWord = (w: string) =>
    LURE_SKELETONS.has(w) || own.has(w) || (/^[0-9ol]{1,4}$/.test(w) && /[0-9]/.test(w));
  // ends[i]: text[0, i) splits into words.
  const ends: boolean[] = new Array<boolean>(text.length + 1).fill(false);
  ends[0] = true;
  for (let i = 1; i <= text.length; i++)
    for (let j = Math.max(0, i - 16); j < i && !ends[i]; j++)
      if (ends[j] && isWord(text.slice(j, i))) ends[i] = true;
  return ends[text.length]!;
}

function describeChar(c: string): string {
  const code = c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
  return `'${c}' U+${code}`;
}
