import {
  archiveFiles,
  attachmentFindings,
  DEFAULT_ATTACHMENT_LIMITS,
  type AttachmentData,
} from './attachments.js';
import { authenticationFindings, trustedResults } from './auth-results.js';
import { contentFindings, topicsOf } from './content.js';
import { buildEvent, type EmailEvent } from './event.js';
import { clip, finding, type Finding } from './findings.js';
import {
  displayNameFindings,
  firstExternalHop,
  routingFindings,
  senderLookalikeFindings,
  type SenderFields,
} from './headers.js';
import type { SenderHistory } from './history.js';
import { addressDomain } from './host.js';
import { findIbans, maskIban } from './iban.js';
import { addressesOf, headerStrings, MailParseError, parseMail, type ParsedMail } from './parse.js';
import type { EmailPolicy } from './policy.js';
import { scanStructure } from './structure.js';
import { htmlLinks, stripTags, textLinks, urlFacts, urlFindings, type Link } from './urls.js';
import { combine, rank, type Verdict } from './verdict.js';

/** Bounds on the work one message may cost. Going past one is reported, never silent. */
export interface AnalysisLimits {
  /** Larger messages are judged on their headers only. */
  readonly maxMessageBytes: number;
  readonly maxHeaderBytes: number;
  readonly maxParts: number;
  readonly maxDepth: number;
  readonly maxAttachments: number;
  readonly maxInspectBytes: number;
  readonly maxRetainedBytes: number;
  readonly maxHtmlChars: number;
  /** Characters of subject and body text read for language and IBANs. */
  readonly maxTextChars: number;
  readonly maxLinks: number;
}

export const DEFAULT_LIMITS: AnalysisLimits = {
  maxMessageBytes: 50 << 20,
  maxHeaderBytes: 256 << 10,
  maxParts: 500,
  maxDepth: 20,
  maxAttachments: 100,
  maxInspectBytes: 20 << 20,
  maxRetainedBytes: 64 << 20,
  maxHtmlChars: 2 << 20,
  maxTextChars: 512 << 10,
  maxLinks: 1000,
};

export interface AnalysisContext {
  readonly policy: EmailPolicy;
  readonly history?: SenderHistory;
  readonly limits?: Partial<AnalysisLimits>;
  /** Where the message came from (a file, "mailbox.mbox#3", "smtp:…"), kept on the event. */
  readonly source?: string;
  /** When Vigil received it (the SMTP listener's clock); the Date header otherwise. */
  readonly receivedAt?: Date;
}

/** A bound the message reached, and what was skipped because of it. */
export interface LimitHit {
  readonly limit: string;
  readonly value: number;
  readonly max: number;
}

export interface EmailAnalysis {
  readonly verdict: Verdict;
  readonly score: number;
  /** Strongest first. */
  readonly findings: Finding[];
  readonly event: EmailEvent;
  readonly limits: LimitHit[];
  /** Registrable domain of the From address, the key of the sender history. */
  readonly senderDomain: string | null;
}

const CRLF = Buffer.from('\r\n');

/** Headers alone, cut at a line end within the header limit: what is judged when the body cannot be. */
function headerBlock(raw: Buffer, end: number, max: number): Buffer {
  let cut = Math.min(end, max);
  if (cut < raw.length) {
    const nl = raw.lastIndexOf(0x0a, cut - 1);
    cut = nl < 0 ? 0 : nl + 1;
  }
  return Buffer.concat([raw.subarray(0, cut), CRLF]);
}

/**
 * Analyzes one raw message (RFC 5322 bytes): parses it within the limits, runs every analyzer,
 * and returns the verdict, the findings and the event to store. Never throws for bad input: what
 * cannot be read becomes a finding.
 */
export async function analyzeRaw(raw: Buffer, context: AnalysisContext): Promise<EmailAnalysis> {
  const limits: AnalysisLimits = { ...DEFAULT_LIMITS, ...context.limits };
  const hits: LimitHit[] = [];
  const findings: Finding[] = [];
  const parseLimits = { ...limits, maxParts: limits.maxParts + 1 };
  let mail: ParsedMail | null = null;
  let headersOnly = false;

  if (raw.length > limits.maxMessageBytes) {
    hits.push({ limit: 'message-bytes', value: raw.length, max: limits.maxMessageBytes });
    findings.push(
      finding(
        'limits',
        'message-size',
        30,
        `The message is ${raw.length} bytes, over the ${limits.maxMessageBytes}-byte limit: only its headers were analyzed`,
        { bytes: raw.length, max: limits.maxMessageBytes },
      ),
    );
    headersOnly = true;
  }
  const shape = scanStructure(
    headersOnly ? raw.subarray(0, Math.min(raw.length, limits.maxHeaderBytes + 4)) : raw,
    limits,
  );
  if (shape.exceeded !== null) {
    const { limit, value, max } = shape.exceeded;
    hits.push({ limit, value, max });
    const what = {
      'header-bytes': 'its header block is larger than',
      parts: 'it has more MIME parts than',
      depth: 'its MIME parts nest deeper than',
    }[limit];
    findings.push(
      finding(
        'limits',
        `mime-${limit}`,
        40,
        `The message is built to exhaust parsers: ${what} the limit of ${max}; only its headers were analyzed`,
        { limit, value, max },
      ),
    );
    headersOnly = true;
  }
  if (!headersOnly) {
    try {
      mail = await parseMail(raw, parseLimits);
    } catch (e) {
      const why = e instanceof MailParseError ? e.message : String(e);
      findings.push(
        finding(
          'limits',
          'parse-error',
          30,
          `The MIME structure could not be parsed (${clip(why, 120)}); only its headers were analyzed`,
          { error: clip(why, 300) },
        ),
      );
      headersOnly = true;
    }
  }
  if (mail === null) {
    try {
      // The block is cut to the limit already; the splitter's own count must not refuse it again.
      const block = headerBlock(raw, shape.headerEnd, limits.maxHeaderBytes);
      mail = await parseMail(block, { ...parseLimits, maxHeaderBytes: block.length * 2 + 1024 });
    } catch (e) {
      const why = e instanceof MailParseError ? e.message : String(e);
      findings.push(
        finding('limits', 'unreadable', 40, `Not even the headers could be parsed: ${clip(why, 120)}`, {
          error: clip(why, 300),
        }),
      );
      mail = {
        headers: new Map(),
        headerLines: [],
        text: '',
        html: '',
        attachments: [],
        attachmentsSkipped: 0,
        notes: [],
      };
    }
  }
  if (mail.attachmentsSkipped > 0) {
    hits.push({
      limit: 'attachments',
      value: mail.attachments.length + mail.attachmentsSkipped,
      max: limits.maxAttachments,
    });
    findings.push(
      finding(
        'limits',
        'attachments',
        30,
        `The message has ${mail.attachments.length + mail.attachmentsSkipped} attachments; only the first ${limits.maxAttachments} were inspected`,
        { attachments: mail.attachments.length + mail.attachmentsSkipped, max: limits.maxAttachments },
      ),
    );
  }
  return judge(mail, context, limits, findings, hits);
}

function firstDate(v: unknown): Date | null {
  return v instanceof Date && !Number.isNaN(v.getTime()) ? v : null;
}

async function judge(
  mail: ParsedMail,
  context: AnalysisContext,
  limits: AnalysisLimits,
  findings: Finding[],
  hits: LimitHit[],
): Promise<EmailAnalysis> {
  const { policy } = context;
  const h = mail.headers;
  const from = addressesOf(h.get('from'))[0] ?? null;
  const returnPath = addressesOf(h.get('return-path'))[0]?.address ?? null;
  const sender: SenderFields = {
    from: from === null || from.address === '' ? null : from,
    sender: addressesOf(h.get('sender'))[0]?.address ?? null,
    replyTo: addressesOf(h.get('reply-to'))
      .map((a) => a.address)
      .filter((a) => a !== ''),
    returnPath: returnPath === '' ? null : returnPath,
  };
  findings.push(
    ...senderLookalikeFindings(sender, policy),
    ...displayNameFindings(sender, policy),
    ...routingFindings(sender, policy),
  );
  findings.push(
    ...authenticationFindings(
      trustedResults(headerStrings(h.get('authentication-results')), policy.trustedAuthServIds),
      headerStrings(h.get('received-spf'))[0] ?? null,
    ),
  );

  const subject = headerStrings(h.get('subject'))[0] ?? '';
  let body = mail.text !== '' ? mail.text : stripTags(mail.html);
  if (subject.length + body.length > limits.maxTextChars) {
    hits.push({ limit: 'text-chars', value: subject.length + body.length, max: limits.maxTextChars });
    body = body.slice(0, Math.max(0, limits.maxTextChars - subject.length));
  }
  const topics = topicsOf(`${subject}\n${body}`);
  findings.push(...contentFindings(topics));

  const fromDomain = addressDomain(sender.from?.address);
  const fromRegistrable = fromDomain === null ? null : policy.registrable(fromDomain);
  const ibans = findIbans(`${subject}\n${body}`);
  findings.push(
    ...(await historyFindings(
      context.history,
      policy,
      fromRegistrable,
      ibans.valid,
      topics.some((t) => t.topic === 'bank-change'),
      findings,
    )),
  );
  if (ibans.invalid.length > 0)
    findings.push(
      finding(
        'iban',
        'invalid',
        10,
        `An account number shaped like an IBAN fails its check digits (${maskIban(ibans.invalid[0]!)})`,
        { ibans: ibans.invalid.slice(0, 5) },
      ),
    );

  for (const a of mail.attachments) findings.push(...attachmentFindings(a, DEFAULT_ATTACHMENT_LIMITS));

  const links: Link[] = [
    ...htmlLinks(mail.html, limits.maxLinks),
    ...textLinks(mail.text, limits.maxLinks),
  ].slice(0, limits.maxLinks);
  if (links.length >= limits.maxLinks)
    hits.push({ limit: 'links', value: links.length, max: limits.maxLinks });
  findings.push(...urlFindings({ links, lookalikes: policy.lookalikes, suffixes: policy.suffixes }));

  for (const note of mail.notes) findings.push(finding('limits', 'parse-note', 5, note, {}));
  const ranked = rank(findings);
  const { verdict, score } = combine(ranked);
  const urls = [...new Set(links.map((l) => l.url).filter((u) => /^https?:/i.test(u)))];
  const urlDomains = [
    ...new Set(urls.map((u) => urlFacts(u, policy.suffixes).host).filter((x): x is string => x !== null)),
  ];
  const to = addressesOf(h.get('to')).map((a) => a.address);
  const cc = addressesOf(h.get('cc')).map((a) => a.address);
  const bcc = addressesOf(h.get('bcc')).map((a) => a.address);
  const date = firstDate(h.get('date'));
  const event = buildEvent({
    source: context.source ?? null,
    time: date ?? context.receivedAt ?? new Date(),
    received: context.receivedAt ?? null,
    messageId: headerStrings(h.get('message-id'))[0] ?? null,
    // The thread: the messages this one answers, so a reply joins the mail it answers.
    references: [...headerStrings(h.get('in-reply-to')), ...headerStrings(h.get('references'))].flatMap(
      (v) => v.match(/<[^<>\s@]{1,200}@[^<>\s@]{1,200}>/g) ?? [],
    ),
    subject: subject === '' ? null : subject,
    from: sender.from,
    sender: sender.sender,
    replyTo: sender.replyTo,
    returnPath: sender.returnPath,
    to,
    cc,
    bcc,
    direction: direction(policy, fromRegistrable, [...to, ...cc, ...bcc]),
    xMailer: headerStrings(h.get('x-mailer'))[0] ?? null,
    contentType: headerStrings(h.get('content-type'))[0] ?? null,
    attachments: mail.attachments as AttachmentData[],
    archiveFiles: mail.attachments.flatMap((a) => archiveFiles(a, DEFAULT_ATTACHMENT_LIMITS)),
    urls,
    urlDomains,
    sourceIp: firstExternalHop(headerStrings(h.get('received'))),
    ibans: ibans.valid,
    verdict,
    score,
    findings: ranked,
  });
  return { verdict, score, findings: ranked, event, limits: hits, senderDomain: fromRegistrable };
}

function direction(
  policy: EmailPolicy,
  from: string | null,
  recipients: string[],
): 'inbound' | 'outbound' | 'internal' | null {
  const inside = (d: string | null) => d !== null && policy.isOrganizationDomain(d);
  const rcpt = recipients.map((r) => {
    const d = addressDomain(r);
    return d === null ? null : policy.registrable(d);
  });
  if (!inside(from)) return rcpt.some(inside) ? 'inbound' : null;
  return rcpt.length > 0 && rcpt.every(inside) ? 'internal' : 'outbound';
}

/** First-seen sender domains, and IBANs that differ from what the sender (or whom it imitates) used before. */
async function historyFindings(
  history: SenderHistory | undefined,
  policy: EmailPolicy,
  fromDomain: string | null,
  ibans: readonly string[],
  bankChange: boolean,
  sofar: readonly Finding[],
): Promise<Finding[]> {
  const out: Finding[] = [];
  if (history === undefined || fromDomain === null) {
    if (ibans.length > 0 && bankChange)
      out.push(
        finding(
          'iban',
          'unverified',
          20,
          `The message gives bank details (${maskIban(ibans[0]!)}) with a request to change them, and no history to check them against`,
          { ibans: [...ibans] },
        ),
      );
    return out;
  }
  const record = await history.sender(fromDomain);
  if (record === null && !policy.isProtected(fromDomain) && (await history.messageCount()) > 0)
    out.push(
      finding('history', 'first-seen-domain', 15, `First mail ever seen from ${fromDomain}`, {
        domain: fromDomain,
      }),
    );
  if (ibans.length === 0) return out;
  // The sender's own record, and the record of the domain it imitates: BEC sends the new IBAN
  // from a lookalike, so the known IBANs are the real supplier's.
  const imitated = sofar
    .filter((f) => f.code === 'lookalike.from-domain')
    .map((f) => String(f.evidence.target));
  const records = [record, ...(await Promise.all(imitated.map((d) => history.sender(d))))].filter(
    (r) => r !== null,
  );
  const known = new Set(records.flatMap((r) => r.ibans));
  const unknown = ibans.filter((i) => !known.has(i));
  if (known.size > 0 && unknown.length > 0) {
    const whose = records.filter((r) => r.ibans.length > 0).map((r) => r.domain);
    out.push(
      finding(
        'iban',
        'changed',
        60,
        `The message gives an IBAN (${maskIban(unknown[0]!)}) that differs from the ${known.size} on record for ${whose.join(', ')}`,
        {
          ibans: unknown,
          onRecord: [...known].slice(0, 10),
          domains: whose,
        },
      ),
    );
  } else if (known.size === 0 && bankChange)
    out.push(
      finding(
        'iban',
        'unverified',
        20,
        `The message gives bank details (${maskIban(ibans[0]!)}) with a request to change them, and no IBAN on record to check them against`,
        { ibans: [...ibans] },
      ),
    );
  return out;
}

/**
 * What a message adds to the sender history, for callers that learn as they go. IBANs are
 * learned only from clean mail: a fraudster's account must never become "on record".
 */
export async function recordInHistory(history: SenderHistory, analysis: EmailAnalysis): Promise<void> {
  if (analysis.senderDomain === null) return;
  const ibans = analysis.event['vigil.email.ibans'];
  await history.record({
    domain: analysis.senderDomain,
    // Vigil's own clock when it has one: the Date header is the sender's to write.
    time: new Date(String(analysis.event['email.delivery_timestamp'] ?? analysis.event['@timestamp'])),
    ibans: analysis.verdict === 'clean' && Array.isArray(ibans) ? (ibans as string[]) : [],
  });
}
