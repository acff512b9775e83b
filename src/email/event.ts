import type { ArchiveFile, AttachmentData } from './attachments.js';
import type { Finding } from './findings.js';
import type { Verdict } from './verdict.js';

/**
 * The stored event of one message: a flat record with ECS names (email.*, url.*, source.ip,
 * related.*), plus Vigil's verdict under vigil.email.*. Lists are capped so that one message can
 * never make a huge row.
 */
export type EmailEvent = Record<string, string | number | string[] | number[]>;

export interface EventInput {
  readonly source: string | null;
  readonly time: Date;
  readonly received: Date | null;
  readonly messageId: string | null;
  /** Message-IDs from In-Reply-To and References. */
  readonly references?: readonly string[];
  readonly subject: string | null;
  readonly from: { name: string; address: string } | null;
  readonly sender: string | null;
  readonly replyTo: readonly string[];
  readonly returnPath: string | null;
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly bcc: readonly string[];
  readonly direction: 'inbound' | 'outbound' | 'internal' | null;
  readonly xMailer: string | null;
  readonly contentType: string | null;
  readonly attachments: readonly AttachmentData[];
  /** Executables inside archive attachments, hashed: what runs on a host once extracted. */
  readonly archiveFiles?: readonly ArchiveFile[];
  readonly urls: readonly string[];
  readonly urlDomains: readonly string[];
  readonly sourceIp: string | null;
  readonly ibans: readonly string[];
  readonly verdict: Verdict;
  readonly score: number;
  readonly findings: readonly Finding[];
}

const MAX_LIST = 100;
const MAX_TEXT = 2048;

const text = (s: string) => (s.length <= MAX_TEXT ? s : s.slice(0, MAX_TEXT));
const list = <T>(xs: readonly T[]) => [...new Set(xs)].slice(0, MAX_LIST);

function extension(name: string | null): string {
  const m = name === null ? null : /\.([A-Za-z0-9]{1,10})$/.exec(name.trim());
  return m === null ? '' : m[1]!.toLowerCase();
}

export function buildEvent(i: EventInput): EmailEvent {
  const e: EmailEvent = {
    '@timestamp': i.time.toISOString(),
    'event.kind': 'event',
    'event.category': ['email'],
    'event.type': ['info'],
    'event.dataset': 'email',
    'event.module': 'vigil',
    'event.risk_score': i.score,
  };
  const set = (k: string, v: string | null | undefined) => {
    if (v !== null && v !== undefined && v !== '') e[k] = text(v);
  };
  const setList = (k: string, v: readonly string[]) => {
    const l = list(v.filter((x) => x !== ''));
    if (l.length > 0) e[k] = l.map(text);
  };
  set('email.message_id', i.messageId);
  setList('vigil.email.references', (i.references ?? []).slice(0, 20));
  set('email.subject', i.subject);
  set('email.from.address', i.from?.address);
  set('email.sender.address', i.sender);
  setList('email.reply_to.address', i.replyTo);
  setList('email.to.address', i.to);
  setList('email.cc.address', i.cc);
  setList('email.bcc.address', i.bcc);
  set('email.direction', i.direction);
  set('email.x_mailer', i.xMailer);
  set('email.content_type', i.contentType);
  set('email.origination_timestamp', i.time.toISOString());
  if (i.received !== null) set('email.delivery_timestamp', i.received.toISOString());
  const atts = i.attachments.slice(0, MAX_LIST);
  if (atts.length > 0) {
    e['email.attachments.file.name'] = atts.map((a) => text(a.filename ?? ''));
    e['email.attachments.file.extension'] = atts.map((a) => extension(a.filename));
    e['email.attachments.file.mime_type'] = atts.map((a) => text(a.contentType));
    e['email.attachments.file.size'] = atts.map((a) => a.size);
    e['email.attachments.file.hash.md5'] = atts.map((a) => a.md5);
    e['email.attachments.file.hash.sha1'] = atts.map((a) => a.sha1);
    e['email.attachments.file.hash.sha256'] = atts.map((a) => a.sha256);
  }
  const inner = (i.archiveFiles ?? []).slice(0, MAX_LIST);
  if (inner.length > 0) {
    e['vigil.email.archive_files.name'] = inner.map((f) => text(f.name));
    e['vigil.email.archive_files.hash.sha256'] = inner.map((f) => f.sha256);
  }
  setList('url.original', i.urls);
  setList('url.domain', i.urlDomains);
  set('source.ip', i.sourceIp);
  setList('related.hash', [...atts.flatMap((a) => [a.sha256, a.sha1, a.md5]), ...inner.map((f) => f.sha256)]);
  if (i.sourceIp !== null) e['related.ip'] = [i.sourceIp];
  const senderDomain = i.from?.address.split('@')[1];
  setList('related.hosts', [...(senderDomain === undefined ? [] : [senderDomain]), ...i.urlDomains]);
  set('vigil.email.from_name', i.from?.name);
  set('vigil.email.return_path', i.returnPath);
  setList('vigil.email.ibans', i.ibans);
  set('vigil.email.source', i.source);
  e['vigil.email.verdict'] = i.verdict;
  e['vigil.email.score'] = i.score;
  const findings = i.findings.slice(0, MAX_LIST);
  if (findings.length > 0) {
    // Parallel lists, strongest first: the codes for rules, the analyzers, and each finding whole
    // (sentence and evidence) as JSON for analysts.
    e['vigil.email.reasons'] = findings.map((f) => f.code);
    e['vigil.email.analyzers'] = findings.map((f) => f.analyzer);
    e['vigil.email.findings'] = findings.map(findingJson);
  }
  return e;
}

/** One finding as JSON within the text bound: evidence is dropped, not cut, when it is too long. */
function findingJson(f: Finding): string {
  const whole = JSON.stringify({
    analyzer: f.analyzer,
    code: f.code,
    score: f.score,
    reason: f.reason,
    evidence: f.evidence,
  });
  if (whole.length <= MAX_TEXT) return whole;
  return JSON.stringify({
    analyzer: f.analyzer,
    code: f.code,
    score: f.score,
    reason: f.reason.slice(0, 1000),
    evidence: {},
    truncated: true,
  });
}
