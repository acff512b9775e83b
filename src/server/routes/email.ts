import { WalFullError } from '../../bus/wal.js';
import { splitMbox } from '../../email/index.js';
import { parseCount, parseRange } from '../../search/index.js';
import { authorize } from '../auth.js';
import type { RequestContext } from '../context.js';
import type { IngestedMail } from '../email.js';
import { HttpError, sendJson, type Router } from '../http.js';
import { admitBody, idempotencyKey } from './ingest.js';

const DAY = 8.64e7;
/** Messages per mbox upload: each is analyzed and stored in turn. */
const MAX_MBOX_MESSAGES = 10_000;
const VERDICTS = ['clean', 'suspicious', 'malicious'] as const;

/** Stored events of analyzed mail (the shape EmailService appends), for one tenant. */
const MAIL = `tenant = {tenant:String} AND source = 'ecs-events' AND fields['event.module'] = 'vigil' AND fields['event.dataset'] = 'email'`;

type Json = Record<string, unknown>;

const list = (v: unknown): string[] =>
  Array.isArray(v) ? v.map(String) : v === undefined || v === null ? [] : [String(v)];
const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

function contentKind(ctx: RequestContext): 'message' | 'mbox' {
  const type = String(ctx.req.headers['content-type'] ?? 'message/rfc822')
    .split(';')[0]!
    .trim()
    .toLowerCase();
  if (type === 'application/mbox') return 'mbox';
  if (type === 'message/rfc822' || type === 'application/octet-stream' || type === 'text/plain')
    return 'message';
  throw new HttpError(
    415,
    `send a raw message as message/rfc822 (or application/octet-stream), or an mbox as application/mbox, not ${type}`,
  );
}

function verdictOf(m: IngestedMail) {
  return {
    event_id: m.eventId,
    verdict: m.analysis.verdict,
    score: m.analysis.score,
    ...(m.duplicate ? { duplicate: true } : {}),
  };
}

/** The parts of a stored mail event an analyst reads, from its original record. */
function messageDetail(id: string, time: number, record: Json) {
  const findings = list(record['vigil.email.findings']).flatMap((j) => {
    try {
      return [JSON.parse(j) as Json];
    } catch {
      return [];
    }
  });
  const names = list(record['email.attachments.file.name']);
  const at = (field: string, i: number) => list(record[field])[i] ?? null;
  const inner = list(record['vigil.email.archive_files.name']);
  const from = text(record['email.from.address']);
  return {
    id,
    time,
    from,
    fromName: text(record['vigil.email.from_name']),
    senderDomain: from === null || !from.includes('@') ? null : from.slice(from.lastIndexOf('@') + 1),
    to: list(record['email.to.address']),
    cc: list(record['email.cc.address']),
    replyTo: list(record['email.reply_to.address']),
    returnPath: text(record['vigil.email.return_path']),
    subject: text(record['email.subject']),
    messageId: text(record['email.message_id']),
    direction: text(record['email.direction']),
    sourceIp: text(record['source.ip']),
    source: text(record['vigil.email.source']),
    verdict: text(record['vigil.email.verdict']),
    score: Number(record['vigil.email.score'] ?? 0),
    findings,
    attachments: names.map((name, i) => ({
      name,
      type: at('email.attachments.file.mime_type', i),
      size: Number(at('email.attachments.file.size', i) ?? 0),
      sha256: at('email.attachments.file.hash.sha256', i),
      sha1: at('email.attachments.file.hash.sha1', i),
      md5: at('email.attachments.file.hash.md5', i),
    })),
    archiveFiles: inner.map((name, i) => ({ name, sha256: at('vigil.email.archive_files.hash.sha256', i) })),
    urls: list(record['url.original']),
    urlDomains: list(record['url.domain']),
  };
}

/**
 * Mail in the API: raw messages in (analyzed, stored, alerted on like any event), and the list of
 * analyzed messages with their verdicts and reasons for the Email page.
 */
export function emailRoutes(router: Router<RequestContext>): void {
  router.on('POST', '/api/v1/ingest/email', async (ctx) => {
    authorize(ctx.principal, 'ingest');
    const kind = contentKind(ctx);
    const body = await admitBody(ctx);
    if (body.length === 0) throw new HttpError(400, 'the body is empty: send one raw RFC 822 message');
    const key = idempotencyKey(ctx);
    const email = ctx.services.email;
    try {
      if (kind === 'message') {
        const m = await email.ingest(ctx.tenant, body, { via: 'http:email', source: 'http', key });
        return sendJson(ctx.res, 200, {
          accepted: 1,
          ...verdictOf(m),
          reasons: m.analysis.findings.map((f) => ({
            analyzer: f.analyzer,
            code: f.code,
            score: f.score,
            reason: f.reason,
            evidence: f.evidence,
          })),
        });
      }
      const parts = splitMbox(body, ctx.services.config.smtpMaxBytes, MAX_MBOX_MESSAGES);
      if (parts.length === 0)
        throw new HttpError(400, 'not an mbox: the body does not start with a "From " line');
      const messages: Json[] = [];
      let n = 0;
      for (const p of parts) {
        n++;
        if (!p.ok) {
          messages.push({ index: n, error: p.error });
          continue;
        }
        const m = await email.ingest(ctx.tenant, p.raw, {
          via: 'http:email',
          source: `http#${n}`,
          key: key === null ? null : `${key}#${n}`,
        });
        messages.push({ index: n, ...verdictOf(m) });
      }
      const accepted = messages.filter((m) => m.error === undefined).length;
      sendJson(ctx.res, accepted === 0 ? 400 : 200, {
        accepted,
        rejected: messages.length - accepted,
        messages,
      });
    } catch (e) {
      if (e instanceof WalFullError) throw new HttpError(503, e.message, {}, { 'retry-after': '5' });
      throw e;
    }
  });

  router.on('GET', '/api/v1/email/messages', async (ctx) => {
    authorize(ctx.principal, 'read');
    const q = ctx.url.searchParams;
    const range = parseRange(q.get('from'), q.get('to'), 7 * DAY);
    const limit = parseCount(q.get('limit'), 50, 1000, 'limit');
    const offset = parseCount(q.get('offset'), 0, 1_000_000, 'offset');
    const verdict = q.get('verdict') ?? '';
    if (verdict !== '' && !(VERDICTS as readonly string[]).includes(verdict))
      throw new HttpError(400, `"verdict" is one of ${VERDICTS.join(', ')}`);
    const inRange = `${MAIL} AND ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts <= fromUnixTimestamp64Milli({to:Int64})`;
    const params = { tenant: ctx.tenant, ...range, verdict, limit, offset };
    const [counts, rows] = await Promise.all([
      ctx.services.store.query<{ verdict: string; n: string | number }>(
        `SELECT fields['vigil.email.verdict'] AS verdict, count() AS n FROM events WHERE ${inRange} GROUP BY verdict`,
        params,
      ),
      ctx.services.store.query<{
        event_id: string;
        time: string | number;
        email_from: string;
        email_to: string[];
        email_subject: string;
        verdict: string;
        score: string;
        reasons: string;
        attachments: string;
      }>(
        `SELECT event_id, toUnixTimestamp64Milli(ts) AS time, email_from, email_to, email_subject,
           fields['vigil.email.verdict'] AS verdict, fields['vigil.email.score'] AS score,
           fields['vigil.email.reasons'] AS reasons, fields['email.attachments.file.name'] AS attachments
         FROM events WHERE ${inRange} AND ({verdict:String} = '' OR fields['vigil.email.verdict'] = {verdict:String})
         ORDER BY ts DESC, event_id LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
        params,
      ),
    ]);
    const byVerdict: Record<string, number> = { clean: 0, suspicious: 0, malicious: 0 };
    for (const c of counts) if (c.verdict in byVerdict) byVerdict[c.verdict] = Number(c.n);
    const split = (s: string) => (s === '' ? [] : s.split('\n'));
    sendJson(ctx.res, 200, {
      ...range,
      total: verdict === '' ? counts.reduce((n, c) => n + Number(c.n), 0) : (byVerdict[verdict] ?? 0),
      counts: byVerdict,
      messages: rows.map((r) => ({
        id: r.event_id,
        time: Number(r.time),
        from: r.email_from,
        to: r.email_to,
        subject: r.email_subject,
        verdict: r.verdict,
        score: Number(r.score || 0),
        reasons: split(r.reasons),
        attachments: split(r.attachments),
      })),
    });
  });

  router.on('GET', '/api/v1/email/messages/:id', async (ctx, params) => {
    authorize(ctx.principal, 'read');
    const [row] = await ctx.services.store.query<{ event_id: string; time: string | number; raw: string }>(
      `SELECT event_id, toUnixTimestamp64Milli(ts) AS time, raw FROM events WHERE ${MAIL} AND event_id = {id:String} LIMIT 1`,
      { tenant: ctx.tenant, id: params.id },
    );
    if (row === undefined) throw new HttpError(404, 'no such message');
    let record: Json;
    try {
      record = JSON.parse(row.raw) as Json;
    } catch {
      throw new HttpError(500, 'the stored message is not readable');
    }
    sendJson(ctx.res, 200, messageDetail(row.event_id, Number(row.time), record));
  });
}
