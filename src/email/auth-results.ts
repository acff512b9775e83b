import { clip, finding, type Finding } from './findings.js';

/**
 * `Authentication-Results` (RFC 8601): the receiving server's verdicts on SPF, DKIM and DMARC.
 * Anyone can write such a header into a message, so only the receiving side's own are believed:
 * those whose authserv-id is configured as trusted, or else the topmost one, which the last
 * server to receive the message added above anything the sender wrote.
 */
export interface AuthResult {
  readonly authserv: string;
  readonly method: string;
  readonly result: string;
  /** ptype.property → value: "header.from" → "example.com". */
  readonly properties: Readonly<Record<string, string>>;
}

/** Removes (comments), which may nest, keeping quoted strings. */
function stripComments(s: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      if (depth === 0) out += c;
      if (c === '\\') {
        if (depth === 0) out += s[i + 1] ?? '';
        i++;
      } else if (c === '"') quoted = false;
    } else if (c === '"' && depth === 0) {
      quoted = true;
      out += c;
    } else if (c === '(') depth++;
    else if (c === ')' && depth > 0) depth--;
    else if (depth === 0) out += c;
  }
  return out;
}

const MAX_HEADER = 16384;

/** The results of one header value; an unparsable part is skipped, the rest kept. */
export function parseAuthenticationResults(value: string): AuthResult[] {
  const clean = stripComments(value.slice(0, MAX_HEADER).replace(/\r?\n[ \t]+/g, ' '));
  const parts = clean.split(';').map((p) => p.trim());
  const authserv = (parts[0] ?? '').split(/\s+/)[0]!.toLowerCase();
  const out: AuthResult[] = [];
  for (const part of parts.slice(1)) {
    const tokens = part.split(/\s+/).filter((t) => t !== '');
    const head = /^([a-z0-9_-]+)\s*=\s*([a-z]+)$/i.exec(tokens[0] ?? '');
    if (head === null) continue;
    const properties: Record<string, string> = {};
    for (const t of tokens.slice(1)) {
      const eq = t.indexOf('=');
      if (eq > 0) properties[t.slice(0, eq).toLowerCase()] = t.slice(eq + 1).replace(/^"|"$/g, '');
    }
    out.push({ authserv, method: head[1]!.toLowerCase(), result: head[2]!.toLowerCase(), properties });
  }
  return out;
}

/** The results to believe: from trusted authserv-ids, or else from the topmost header only. */
export function trustedResults(
  headerValues: readonly string[],
  trustedIds: readonly string[] = [],
): AuthResult[] {
  if (headerValues.length === 0) return [];
  if (trustedIds.length === 0) return parseAuthenticationResults(headerValues[0]!);
  const trusted = new Set(trustedIds.map((t) => t.toLowerCase()));
  return headerValues.flatMap(parseAuthenticationResults).filter((r) => trusted.has(r.authserv));
}

const SCORES: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  dmarc: { fail: 50 },
  spf: { fail: 35, softfail: 15, permerror: 10 },
  dkim: { fail: 25, permerror: 10 },
};

/** One finding per failed method (the worst result of each). */
export function authenticationFindings(
  results: readonly AuthResult[],
  receivedSpf: string | null,
): Finding[] {
  const worst = new Map<string, AuthResult & { score: number }>();
  for (const r of results) {
    const score = SCORES[r.method]?.[r.result];
    if (score === undefined) continue;
    const prev = worst.get(r.method);
    if (prev === undefined || prev.score < score) worst.set(r.method, { ...r, score });
  }
  // Received-SPF (RFC 7208) when no Authentication-Results spoke of SPF.
  if (!results.some((r) => r.method === 'spf') && receivedSpf !== null) {
    const result = /^\s*([a-z]+)/i.exec(receivedSpf)?.[1]?.toLowerCase();
    const score = result === undefined ? undefined : SCORES.spf![result];
    if (score !== undefined)
      worst.set('spf', { authserv: 'Received-SPF', method: 'spf', result: result!, properties: {}, score });
  }
  return [...worst.values()].map((r) => {
    const about =
      r.properties['header.from'] ??
      r.properties['header.d'] ??
      r.properties['smtp.mailfrom'] ??
      r.properties['header.i'];
    const evidence: Record<string, string> = { method: r.method, result: r.result, authserv: r.authserv };
    if (about !== undefined) evidence.domain = clip(about, 120);
    return finding(
      'authentication',
      `${r.method}-${r.result}`,
      r.score,
      `${r.method.toUpperCase()} ${r.result}${about === undefined ? '' : ` for ${clip(about, 80)}`} (reported by ${clip(r.authserv, 60) || 'the receiving server'})`,
      evidence,
    );
  });
}
