import { isIP } from 'node:net';
import { isFreemail } from './brands.js';
import { clip, finding, type Finding } from './findings.js';
import { addressDomain } from './host.js';
import type { EmailPolicy } from './policy.js';

/** The addresses a message gives for its sender, each with the display name it was written with. */
export interface SenderFields {
  readonly from: { name: string; address: string } | null;
  readonly sender: string | null;
  readonly replyTo: readonly string[];
  readonly returnPath: string | null;
}

const ROLE_LABEL = {
  from: 'From',
  sender: 'Sender',
  'reply-to': 'Reply-To',
  'return-path': 'Return-Path',
} as const;

/** Lookalike domains in any sender address: the BEC case registered domains like the real company's. */
export function senderLookalikeFindings(s: SenderFields, policy: EmailPolicy): Finding[] {
  const roles: [keyof typeof ROLE_LABEL, string | null][] = [
    ['from', s.from?.address ?? null],
    ['sender', s.sender],
    ...s.replyTo.map((r) => ['reply-to', r] as [keyof typeof ROLE_LABEL, string]),
    ['return-path', s.returnPath],
  ];
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const [role, address] of roles) {
    const domain = addressDomain(address);
    if (domain === null || seen.has(`${role}|${domain}`)) continue;
    seen.add(`${role}|${domain}`);
    const m = policy.lookalikes.lookalike(domain);
    if (m === null) continue;
    const owner = m.target.owner === undefined ? '' : ` (${m.target.owner})`;
    // The From domain is what the reader sees; a lookalike elsewhere is a little less direct.
    const score = role === 'from' ? m.score : m.score - 10;
    out.push(
      finding(
        'lookalike',
        `${role}-domain`,
        score,
        `${ROLE_LABEL[role]} domain ${m.host} imitates ${m.target.kind === 'brand' ? 'the brand domain' : `protected ${m.target.kind} domain`} ${m.target.domain}${owner}: ${m.detail}`,
        {
          role,
          address: clip(address!, 200),
          domain: m.host,
          ascii: m.ascii,
          target: m.target.domain,
          targetKind: m.target.kind,
          technique: m.technique,
        },
      ),
    );
  }
  return out;
}

/** Display names that borrow a known person's name, or carry an address other than the real one. */
export function displayNameFindings(s: SenderFields, policy: EmailPolicy): Finding[] {
  if (s.from === null) return [];
  const { name, address } = s.from;
  const out: Finding[] = [];
  const fromDomain = addressDomain(address);
  const fromRegistrable = fromDomain === null ? null : policy.registrable(fromDomain);
  // Clipped: display names are short, and the pattern rescans long runs of name characters.
  const embedded = /[\p{L}\p{N}._%+-]+@((?:[\p{L}\p{N}-]+\.)+[\p{L}]{2,})/u.exec(name.slice(0, 300));
  if (embedded !== null) {
    const shownDomain = policy.registrable(embedded[1]!.toLowerCase());
    if (shownDomain !== null && shownDomain !== fromRegistrable)
      out.push(
        finding(
          'headers',
          'display-name-address',
          45,
          `The display name shows the address ${clip(embedded[0], 80)}, but the mail comes from ${clip(address, 80)}`,
          { displayName: clip(name, 120), from: clip(address, 200) },
        ),
      );
  }
  const person = name === '' ? null : policy.people.match(name);
  if (person !== null && !person.addresses.includes(address)) {
    const outside = fromRegistrable === null || !policy.isOrganizationDomain(fromRegistrable);
    if (outside) {
      const free = fromRegistrable !== null && isFreemail(fromRegistrable);
      const score = (person.vip ? 60 : 50) + (free ? 10 : 0);
      out.push(
        finding(
          'headers',
          'impersonated-person',
          score,
          `The display name "${clip(name, 60)}" is ${person.vip ? 'the VIP ' : ''}${person.name}, but the address ${clip(address, 80)} is ${free ? 'a free mailbox' : 'outside the organization'}`,
          {
            displayName: clip(name, 120),
            person: person.name,
            vip: person.vip,
            from: clip(address, 200),
            knownAddresses: person.addresses.slice(0, 10),
          },
        ),
      );
    }
  }
  return out;
}

/** Replies or bounces that go somewhere other than the sender. */
export function routingFindings(s: SenderFields, policy: EmailPolicy): Finding[] {
  if (s.from === null) return [finding('headers', 'no-from', 20, 'The message has no From address', {})];
  const out: Finding[] = [];
  const fromDomain = addressDomain(s.from.address);
  const from = fromDomain === null ? null : policy.registrable(fromDomain);
  const fromFree = from !== null && isFreemail(from);
  for (const reply of s.replyTo) {
    const d = addressDomain(reply);
    const r = d === null ? null : policy.registrable(d);
    if (r === null || r === from) continue;
    const free = isFreemail(r) && !fromFree;
    out.push(
      finding(
        'headers',
        free ? 'reply-to-freemail' : 'reply-to-mismatch',
        free ? 45 : 20,
        free
          ? `Replies go to a free mailbox (${clip(reply, 80)}), not to the sender's domain ${from ?? '(none)'}`
          : `Replies go to ${clip(reply, 80)}, another domain than the sender's ${from ?? '(none)'}`,
        {
          from: clip(s.from.address, 200),
          replyTo: clip(reply, 200),
        },
      ),
    );
    break;
  }
  const rp = addressDomain(s.returnPath);
  const rpDomain = rp === null ? null : policy.registrable(rp);
  if (rpDomain !== null && rpDomain !== from) {
    const free = isFreemail(rpDomain) && !fromFree;
    // Bulk senders bounce to their own domains all the time: weak alone, telling with the rest.
    out.push(
      finding(
        'headers',
        free ? 'return-path-freemail' : 'return-path-mismatch',
        free ? 30 : 10,
        free
          ? `Bounces go to a free mailbox (${clip(s.returnPath!, 80)}) while the sender claims ${from ?? '(none)'}`
          : `The envelope sender (Return-Path) ${clip(s.returnPath!, 80)} is another domain than From's ${from ?? '(none)'}`,
        {
          from: clip(s.from.address, 200),
          returnPath: clip(s.returnPath!, 200),
        },
      ),
    );
  }
  return out;
}

const PRIVATE_V4 = [
  /^10\./,
  /^127\./,
  /^169\.254\./,
  /^192\.168\./,
  /^172\.(1[6-9]|2\d|3[01])\./,
  /^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./,
  /^0\./,
];

export function isPublicIp(ip: string): boolean {
  const kind = isIP(ip);
  if (kind === 4) return !PRIVATE_V4.some((re) => re.test(ip));
  if (kind === 6) {
    const l = ip.toLowerCase();
    if (l.startsWith('::ffff:')) return isPublicIp(l.slice(7));
    return !(l === '::1' || l === '::' || /^f[cd]/.test(l) || /^fe[89ab]/.test(l));
  }
  return false;
}

/**
 * The address that handed the message to the first server on the way in: from the newest
 * Received header down, the first "from" clause with a public IP address.
 */
export function firstExternalHop(received: readonly string[]): string | null {
  for (const header of received.slice(0, 50)) {
    const clause = /^\s*from\s+([^;]*?)(?:\s+by\s|;|$)/is.exec(header.slice(0, 4096));
    if (clause === null) continue;
    for (const m of clause[1]!.matchAll(
      /\[(?:IPv6:)?([0-9a-fA-F:.]+)\]|\(([0-9]{1,3}(?:\.[0-9]{1,3}){3})\)/g,
    )) {
      const ip = m[1] ?? m[2]!;
      if (isPublicIp(ip)) return ip.toLowerCase();
    }
  }
  return null;
}
