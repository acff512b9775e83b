import { isShortener } from './brands.js';
import { clip, finding, type Finding } from './findings.js';
import { hostName, isIpLiteral } from './host.js';
import type { LookalikeIndex } from './lookalike.js';
import type { PublicSuffixList } from './public-suffix.js';

/** A link found in a message: its target, and the text shown for it when it is an HTML anchor. */
export interface Link {
  readonly url: string;
  readonly text: string | null;
}

const MAX_URL = 2048;
const TEXT_URL = /\bhttps?:\/\/[^\s<>"'`{}|\\^)\]]+/gi;

/** URLs written in plain text. */
export function textLinks(text: string, max: number): Link[] {
  const out: Link[] = [];
  for (const m of text.matchAll(TEXT_URL)) {
    if (out.length >= max) break;
    out.push({ url: trimUrl(m[0]), text: null });
  }
  return out;
}

function trimUrl(u: string): string {
  return u.slice(0, MAX_URL).replace(/[.,;:!?]+$/, '');
}

const ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,6});/gi, (whole, e: string) => {
    if (e[0] === '#') {
      const n = e[1] === 'x' || e[1] === 'X' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1));
      return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : whole;
    }
    return ENTITIES[e.toLowerCase()] ?? whole;
  });
}

const MAX_TAG = 8192;
const MAX_ANCHOR_TEXT = 4096;
const MAX_SHOWN_TEXT = 300;

/**
 * Text with tags replaced by spaces, in one pass: a tag is '<' followed by a letter, '/' or '!'
 * up to the next '>'. (A regex like /<[^>]*>/ rescans from every '<' and goes quadratic.)
 */
export function stripTags(html: string): string {
  let out = '';
  let from = 0;
  let i = html.indexOf('<');
  while (i >= 0) {
    const next = html.charCodeAt(i + 1);
    const tagStart = (next >= 65 && next <= 90) || (next >= 97 && next <= 122) || next === 47 || next === 33;
    if (!tagStart) {
      i = html.indexOf('<', i + 1);
      continue;
    }
    const close = html.indexOf('>', i);
    if (close < 0) break;
    out += html.slice(from, i) + ' ';
    from = close + 1;
    i = html.indexOf('<', from);
  }
  return out + html.slice(from);
}

/** indexOf within [from, from + window). */
function indexWithin(text: string, needle: string, from: number, window: number): number {
  const at = text.slice(from, from + window).indexOf(needle);
  return at < 0 ? -1 : from + at;
}

/**
 * Anchors of an HTML body with their visible text, read by a linear scan (no backtracking regex
 * over the whole document), at most `max` of them.
 */
export function htmlLinks(html: string, max: number): Link[] {
  const lower = html.toLowerCase();
  const out: Link[] = [];
  let pos = 0;
  while (out.length < max) {
    const open = lower.indexOf('<a', pos);
    if (open < 0) break;
    pos = open + 2;
    const next = lower[open + 2];
    if (next === undefined || !/[\s/>]/.test(next)) continue;
    const close = indexWithin(lower, '>', open, MAX_TAG);
    if (close < 0) continue;
    const tag = html.slice(open, close + 1);
    const href = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(tag);
    if (href === null) continue;
    const end = indexWithin(lower, '</a', close, MAX_ANCHOR_TEXT);
    const inner = end < 0 ? '' : html.slice(close + 1, end);
    const text = decodeEntities(stripTags(inner)).replace(/\s+/g, ' ').trim();
    const url = decodeEntities((href[1] ?? href[2] ?? href[3] ?? '').trim()).slice(0, MAX_URL);
    if (url !== '') out.push({ url, text: text === '' ? null : text });
    pos = end < 0 ? close + 1 : end + 3;
  }
  return out;
}

export interface UrlFacts {
  readonly url: string;
  /** Host as a reader sees it (Unicode), lower case; null for mailto: and the like. */
  readonly host: string | null;
  readonly registrable: string | null;
}

/** The host of a web URL, with the user-info trick ("https://bank.com@evil.net/") undone. */
export function urlFacts(url: string, suffixes: PublicSuffixList): UrlFacts {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url, host: null, registrable: null };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return { url, host: null, registrable: null };
  const raw = parsed.hostname;
  const name = hostName(raw);
  return {
    url,
    host: name?.unicode ?? raw.toLowerCase(),
    registrable: name === null ? null : (suffixes.registrableDomain(name.ascii) ?? null),
  };
}

const DOMAIN_IN_TEXT = /(?:https?:\/\/)?((?:[\p{L}\p{N}-]+\.)+[\p{L}]{2,})(?=[\s/:?#.,;!)\]>]|$)/iu;

export interface UrlFindingsInput {
  readonly links: readonly Link[];
  readonly lookalikes: LookalikeIndex;
  readonly suffixes: PublicSuffixList;
}

const MAX_EVIDENCE = 5;

/** Findings over all the links of one message, one per kind of trick, listing the links that use it. */
export function urlFindings({ links, lookalikes, suffixes }: UrlFindingsInput): Finding[] {
  const mismatch: string[] = [];
  const ipHosts: string[] = [];
  const userInfo: string[] = [];
  const shorteners: string[] = [];
  let bestLookalike: {
    score: number;
    url: string;
    reason: string;
    target: string;
    technique: string;
  } | null = null;
  const judged = new Set<string>();
  for (const link of links) {
    const facts = urlFacts(link.url, suffixes);
    if (link.text !== null && facts.registrable !== null) {
      const shown = DOMAIN_IN_TEXT.exec(link.text.slice(0, MAX_SHOWN_TEXT));
      const candidate = shown === null ? null : hostName(shown[1]!);
      // "invoice.pdf" in a link's text is a file name, not a domain: the suffix must be a real one.
      const shownName = candidate !== null && suffixes.knownTld(candidate.ascii) ? candidate : null;
      const shownDomain = shownName === null ? null : suffixes.registrableDomain(shownName.ascii);
      if (shownDomain !== null && shownDomain !== facts.registrable)
        mismatch.push(`"${clip(link.text, 60)}" → ${clip(link.url, 100)}`);
    }
    if (judged.has(link.url)) continue;
    judged.add(link.url);
    let parsed: URL | null = null;
    try {
      parsed = new URL(link.url);
    } catch {
      /* not a URL: nothing more to judge */
    }
    if (parsed === null || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) continue;
    if (parsed.username !== '' && /\./.test(decodeURIComponent(parsed.username)))
      userInfo.push(clip(link.url, 120));
    if (isIpLiteral(parsed.hostname)) ipHosts.push(clip(link.url, 120));
    else if (facts.host !== null) {
      if (isShortener(facts.host)) shorteners.push(clip(link.url, 120));
      const m = lookalikes.lookalike(facts.host);
      if (m !== null && (bestLookalike === null || m.score > bestLookalike.score))
        bestLookalike = {
          score: m.score,
          url: clip(link.url, 120),
          reason: m.detail,
          target: m.target.domain,
          technique: m.technique,
        };
    }
  }
  const out: Finding[] = [];
  if (bestLookalike !== null)
    out.push(
      finding(
        'urls',
        'lookalike-domain',
        bestLookalike.score,
        `A link goes to a lookalike of ${bestLookalike.target}: ${bestLookalike.reason}`,
        { url: bestLookalike.url, target: bestLookalike.target, technique: bestLookalike.technique },
      ),
    );
  if (mismatch.length > 0)
    out.push(
      finding('urls', 'text-mismatch', 40, `A link shows one domain but goes to another: ${mismatch[0]}`, {
        links: mismatch.slice(0, MAX_EVIDENCE),
        count: mismatch.length,
      }),
    );
  if (userInfo.length > 0)
    out.push(
      finding(
        'urls',
        'userinfo-host',
        50,
        `A link hides its real host behind a user name that looks like a domain: ${userInfo[0]}`,
        { urls: userInfo.slice(0, MAX_EVIDENCE) },
      ),
    );
  if (ipHosts.length > 0)
    out.push(
      finding('urls', 'ip-host', 35, `A link goes to a bare IP address: ${ipHosts[0]}`, {
        urls: ipHosts.slice(0, MAX_EVIDENCE),
        count: ipHosts.length,
      }),
    );
  if (shorteners.length > 0)
    out.push(
      finding(
        'urls',
        'shortener',
        15,
        `A link goes through a URL shortener, hiding where it leads: ${shorteners[0]}`,
        { urls: shorteners.slice(0, MAX_EVIDENCE), count: shorteners.length },
      ),
    );
  return out;
}
