import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMessage, buildZip } from '../../src/email/testing.js';
import { api, removeDir, settled, startVigil, type VigilProcess } from '../support/server.js';

/**
 * Mail through a running `vigil serve`: posted raw to the API and journaled over SMTP, analyzed
 * with the configured policy and the sender history in the store, stored as events, alerted on by
 * Vigil's email rules, searchable, listed for the Email page, and joined to the endpoint when an
 * attachment runs on a host.
 */
const RULES = {
  malicious: 'f50712c9-442a-4de1-af99-10a5f0f72100',
  bec: '42956e9c-39fc-4931-a363-3b048d75c268',
  attachment: 'c7fd03b8-85d6-46cb-b656-526d8df51f31',
  archiveRun: '3f397468-5c95-4794-a627-36b013b76d94',
};
const REAL_IBAN = 'FR1420041010050500013M02606';
const NEW_IBAN = 'FR7630006000011234567890189';
const DATE = 'Fri, 20 Nov 2026 09:14:00 +0100';
const RANGE = 'from=2026-11-01T00:00:00Z&to=now';

const tmp = mkdtempSync(join(tmpdir(), 'vigil-serve-email-'));
let vigil: VigilProcess;
let smtpPort = 0;

const rfc822 = { 'content-type': 'message/rfc822' };
const post = (raw: Buffer, headers: Record<string, string> = rfc822, token?: string) =>
  api(vigil.url, '/api/v1/ingest/email', { raw, headers, ...(token === undefined ? {} : { token }) });

const genuine = buildMessage(
  {
    From: 'Jean Dupont <jean.dupont@ferronnerie-dumas.fr>',
    To: 'compta@client.fr',
    Subject: 'Facture F-2026-1102',
    Date: 'Mon, 16 Nov 2026 10:02:00 +0100',
    'Message-ID': '<f1102@ferronnerie-dumas.fr>',
  },
  `Bonjour,\n\nVeuillez trouver la facture F-2026-1102, à régler sur notre compte habituel IBAN ${REAL_IBAN}.\n\nCordialement,\nJean Dupont`,
);
const bec = (domain: string, id: string) =>
  buildMessage(
    {
      From: `Jean Dupont <jean.dupont@${domain}>`,
      To: 'compta@client.fr',
      Subject: 'Changement de coordonnées bancaires',
      Date: DATE,
      'Message-ID': `<${id}@${domain}>`,
    },
    `Bonjour,\n\nSuite à un changement de banque, merci de noter nos nouvelles coordonnées bancaires pour le règlement de la facture F-2026-1147, à effectuer au plus vite :\n\nIBAN : ${NEW_IBAN}\n\nCordialement,\nJean Dupont`,
  );
const clean = buildMessage(
  {
    From: 'Claire Martin <claire.martin@client.fr>',
    To: 'equipe@client.fr',
    Subject: 'Réunion de jeudi',
    Date: DATE,
    'Message-ID': '<meeting-1@client.fr>',
  },
  'Bonjour à tous,\n\nLa réunion de jeudi est déplacée à 14 h en salle B.\n\nClaire',
);

beforeAll(async () => {
  const people = join(tmp, 'people.yml');
  writeFileSync(
    people,
    [
      'people:',
      '  - { name: Jean Dupont, addresses: [jean.dupont@ferronnerie-dumas.fr] }',
      '  - { name: Claire Martin, addresses: [claire.martin@client.fr], vip: true }',
    ].join('\n'),
  );
  vigil = await startVigil({
    config: {
      email_protect: ['client.fr'],
      email_partners: ['ferronnerie-dumas.fr'],
      email_people: people,
      smtp_port: 0,
      smtp_max_bytes: 1_000_000,
    },
  });
  const m = /email: SMTP journaling on 127\.0\.0\.1:(\d+)/.exec(vigil.output());
  expect(m, vigil.output()).not.toBeNull();
  smtpPort = Number(m![1]);
}, 120_000);
afterAll(async () => {
  await vigil?.stop();
  if (vigil) removeDir(vigil.dataDir);
  rmSync(tmp, { recursive: true, force: true });
});

describe('vigil serve: email', () => {
  let becId = '';

  it('analyzes posted mail with the configured policy and the history it learns', async () => {
    const first = await post(genuine);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ accepted: 1, verdict: 'clean' });
    const attack = await post(bec('ferronerie-dumas.fr', 'bec-1'));
    expect(attack.status).toBe(200);
    expect(attack.body.verdict).toBe('malicious');
    becId = attack.body.event_id as string;
    const codes = (attack.body.reasons as { code: string }[]).map((r) => r.code);
    // The real supplier's IBAN was learned from its clean invoice: this one differs.
    expect(codes).toEqual(
      expect.arrayContaining([
        'lookalike.from-domain',
        'iban.changed',
        'headers.impersonated-person',
        'content.bank-change',
        'history.first-seen-domain',
      ]),
    );
    const iban = (attack.body.reasons as { code: string; evidence: { onRecord?: string[] } }[]).find(
      (r) => r.code === 'iban.changed',
    );
    expect(iban?.evidence.onRecord).toEqual([REAL_IBAN]);
    expect((await post(clean)).body.verdict).toBe('clean');
  });

  it('stores each message once, and refuses what is not mail', async () => {
    const again = await post(bec('ferronerie-dumas.fr', 'bec-1'));
    expect(again.body).toMatchObject({ accepted: 1, duplicate: true, event_id: becId });
    const json = await post(Buffer.from('{"a":1}'), { 'content-type': 'application/json' });
    expect(json.status).toBe(415);
    expect((await post(Buffer.alloc(0))).status).toBe(400);
    const notMbox = await post(Buffer.from('Subject: x\n\nhello\n'), { 'content-type': 'application/mbox' });
    expect(notMbox.status).toBe(400);
    const reader = (await api(vigil.url, '/api/v1/tokens', { body: { role: 'read-only', name: 'r' } })).body
      .token as string;
    expect((await post(clean, rfc822, reader)).status).toBe(403);
    const ingest = (await api(vigil.url, '/api/v1/tokens', { body: { role: 'ingest', name: 'mta' } })).body
      .token as string;
    // Hostile bytes are analyzed, not refused: what cannot be read becomes a finding.
    const junk = await post(Buffer.from('\u0000\u0001 not a mail at all \r\n\r\n'), rfc822, ingest);
    expect(junk.status).toBe(200);
    expect(junk.body.accepted).toBe(1);
  });

  it('stores the events with their columns, finds them by sender, and alerts on the BEC only', async () => {
    await settled(vigil.url);
    const found = await api(
      vigil.url,
      `/api/v1/search?${new URLSearchParams({ q: 'email_from:"jean.dupont@ferronerie-dumas.fr"', from: '2026-11-01T00:00:00Z', to: 'now' })}`,
    );
    expect(found.status).toBe(200);
    expect(found.body.total).toBe(1);
    expect(found.body.events[0]).toMatchObject({ event_id: becId, source: 'ecs-events' });
    const stored = await api(vigil.url, `/api/v1/events/${encodeURIComponent(becId)}`);
    expect(stored.body).toMatchObject({
      email_from: 'jean.dupont@ferronerie-dumas.fr',
      email_to: ['compta@client.fr'],
      email_subject: 'Changement de coordonnées bancaires',
    });
    const search = async (q: string) =>
      (
        await api(
          vigil.url,
          `/api/v1/search?${new URLSearchParams({ q, from: '2026-11-01T00:00:00Z', to: 'now' })}`,
        )
      ).body.total as number;
    expect(await search('email_to:"compta@client.fr"')).toBe(2); // the invoice and the BEC
    expect(await search('email_subject:"Changement de coordonnées bancaires"')).toBe(1);
    const alerts = await api(vigil.url, `/api/v1/alerts?${RANGE}&limit=100`);
    const onMail = (alerts.body.alerts as { rule_id: string; event_id: string }[]).filter((a) =>
      Object.values(RULES).includes(a.rule_id),
    );
    expect(onMail.map((a) => a.rule_id).sort()).toEqual([RULES.malicious, RULES.bec].sort());
    expect(new Set(onMail.map((a) => a.event_id))).toEqual(new Set([becId]));
  });

  it('lists analyzed messages for the Email page, filters by verdict, and opens one', async () => {
    const list = await api(vigil.url, `/api/v1/email/messages?${RANGE}`);
    expect(list.status).toBe(200);
    expect(list.body.counts).toEqual({ clean: 3, suspicious: 0, malicious: 1 });
    expect(list.body.total).toBe(4);
    const bad = await api(vigil.url, `/api/v1/email/messages?${RANGE}&verdict=malicious`);
    expect(bad.body.messages).toHaveLength(1);
    expect(bad.body.messages[0]).toMatchObject({
      id: becId,
      from: 'jean.dupont@ferronerie-dumas.fr',
      to: ['compta@client.fr'],
      verdict: 'malicious',
    });
    expect(bad.body.messages[0].score).toBeGreaterThanOrEqual(90);
    expect((await api(vigil.url, `/api/v1/email/messages?verdict=awful`)).status).toBe(400);
    const one = await api(vigil.url, `/api/v1/email/messages/${encodeURIComponent(becId)}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ senderDomain: 'ferronerie-dumas.fr', fromName: 'Jean Dupont' });
    const look = (one.body.findings as { code: string; analyzer: string; evidence: object }[]).find(
      (f) => f.code === 'lookalike.from-domain',
    );
    expect(look).toMatchObject({ analyzer: 'lookalike', evidence: { target: 'ferronnerie-dumas.fr' } });
    expect((await api(vigil.url, '/api/v1/email/messages/nope')).status).toBe(404);
    // Another tenant sees none of it.
    const other = (await api(vigil.url, '/api/v1/tokens', { body: { tenant: 'acme', role: 'analyst' } })).body
      .token as string;
    expect((await api(vigil.url, `/api/v1/email/messages?${RANGE}`, { token: other })).body.total).toBe(0);
    expect(
      (await api(vigil.url, `/api/v1/email/messages/${encodeURIComponent(becId)}`, { token: other })).status,
    ).toBe(404);
  });

  it('takes journal mail over SMTP from a real client, and stores it analyzed', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, ignoreTLS: true });
    const info = await transport.sendMail({
      envelope: { from: 'mta@client.fr', to: ['journal@vigil.client.fr'] },
      from: 'PayPal <service@paypa1-secure.com>',
      to: 'marc.dubois@client.fr',
      subject: 'Votre compte est suspendu',
      date: new Date('2026-11-20T09:30:00Z'),
      html: '<p>Confirmez votre identité : <a href="https://paypa1-secure.com/login">https://www.paypal.com/signin</a></p>',
    });
    transport.close();
    expect(info.response).toMatch(/^250 OK: analyzed as malicious/);
    await settled(vigil.url);
    const found = await api(
      vigil.url,
      `/api/v1/search?${new URLSearchParams({ q: 'email_from:"service@paypa1-secure.com"', from: '2026-11-01T00:00:00Z', to: 'now', raw: 'true' })}`,
    );
    expect(found.body.total).toBe(1);
    const e = found.body.events[0];
    const stored = await api(vigil.url, `/api/v1/events/${encodeURIComponent(e.event_id as string)}`);
    expect(stored.body).toMatchObject({
      domain: 'paypa1-secure.com',
      url: 'https://paypa1-secure.com/login',
    });
    const byDomain = await api(
      vigil.url,
      `/api/v1/search?${new URLSearchParams({ q: 'domain:paypa1-secure.com', from: '2026-11-01T00:00:00Z', to: 'now' })}`,
    );
    expect(byDomain.body.events.map((x: { event_id: string }) => x.event_id)).toEqual([e.event_id]);
    expect(e.raw).toMatchObject({
      'vigil.email.verdict': 'malicious',
      'vigil.email.source': 'smtp:127.0.0.1',
      'vigil.email.envelope.from': 'mta@client.fr',
      'vigil.email.envelope.to': ['journal@vigil.client.fr'],
    });
    expect(e.raw['vigil.email.reasons']).toContain('urls.lookalike-domain');
  });

  it('joins a phishing mail and the host where its attachment runs into one incident', async () => {
    const exe = Buffer.concat([Buffer.from('MZ'), Buffer.from('phishing payload for the join test')]);
    const sha256 = createHash('sha256').update(exe).digest('hex');
    const zip = buildZip([{ name: 'Facture_F-2026-1150.pdf.exe', data: exe }]);
    const mail = buildMessage(
      {
        From: 'Service Facturation <facturation@factures-enligne.com>',
        To: 'marc.dubois@client.fr',
        Subject: 'Votre facture F-2026-1150',
        Date: 'Fri, 20 Nov 2026 10:02:00 +0100',
        'Message-ID': '<inv-1150@factures-enligne.com>',
      },
      [
        { contentType: 'text/plain; charset=utf-8', body: 'Bonjour, votre facture est en pièce jointe.' },
        { contentType: 'application/zip', body: zip, filename: 'Facture_F-2026-1150.zip' },
      ],
    );
    const posted = await post(mail);
    expect(posted.body.verdict).toBe('malicious');
    const zipHash = createHash('sha256').update(zip).digest('hex');
    const image =
      'C:\\Users\\mdubois\\AppData\\Local\\Temp\\Temp1_Facture_F-2026-1150.zip\\Facture_F-2026-1150.pdf.exe';
    const run = {
      Channel: 'Microsoft-Windows-Sysmon/Operational',
      Hostname: 'LAPTOP-MD',
      EventTime: '2026-11-20 09:20:00',
      EventID: 1,
      ProcessGuid: '{c0ffee00-0000-0000-0000-000000000001}',
      ProcessId: 4321,
      Image: image,
      CommandLine: `"${image}"`,
      ParentImage: 'C:\\Windows\\explorer.exe',
      User: 'CLIENT\\mdubois',
      Hashes: `MD5=00112233445566778899AABBCCDDEEFF,SHA256=${sha256.toUpperCase()}`,
    };
    expect((await api(vigil.url, '/api/v1/ingest', { raw: `${JSON.stringify(run)}\n` })).status).toBe(200);
    await settled(vigil.url);
    const list = await api(vigil.url, `/api/v1/incidents?${RANGE}`);
    const incidents = list.body.incidents as { id: string; hosts: string[] }[];
    const details = await Promise.all(
      incidents.map(async (i) => (await api(vigil.url, `/api/v1/incidents/${i.id}`)).body),
    );
    const joined = details.filter((d) =>
      (d.alerts as { ruleId: string }[]).some((a) => a.ruleId === RULES.archiveRun),
    );
    expect(joined).toHaveLength(1);
    const rules = (joined[0].alerts as { ruleId: string }[]).map((a) => a.ruleId);
    expect(rules).toEqual(expect.arrayContaining([RULES.archiveRun, RULES.attachment, RULES.malicious]));
    expect(joined[0].hosts).toEqual(['LAPTOP-MD']);
    expect(JSON.stringify(joined[0].links)).toContain(`the same file hash ${sha256}`);
    // The BEC is another story.
    expect(
      details.filter((d) => (d.alerts as { ruleId: string }[]).some((a) => a.ruleId === RULES.bec)),
    ).toHaveLength(1);
    expect(rules).not.toContain(RULES.bec);
    // One attachment: its hash is in the hash column, so hash: search finds the mail.
    const byHash = await api(
      vigil.url,
      `/api/v1/search?${new URLSearchParams({ q: `hash:${zipHash}`, from: '2026-11-01T00:00:00Z', to: 'now' })}`,
    );
    expect(byHash.body.events.map((x: { event_id: string }) => x.event_id)).toEqual([posted.body.event_id]);
  });

  it('takes an mbox upload, one event per message', async () => {
    const mbox = [genuine, clean]
      .map(
        (m) =>
          `From sender@example Fri Nov 20 09:00:00 2026\n${m.toString('utf8').replace(/^From /gm, '>From ')}\n`,
      )
      .join('');
    const r = await post(Buffer.from(mbox.replace('Facture F-2026-1102', 'Facture F-2026-1103')), {
      'content-type': 'application/mbox',
    });
    expect(r.status).toBe(200);
    expect(r.body.accepted).toBe(2);
    expect(r.body.messages.map((m: { verdict: string }) => m.verdict)).toEqual(['clean', 'clean']);
    // The second is the clean note posted before: the same bytes are stored once.
    expect(r.body.messages[1].duplicate).toBe(true);
  });

  it('keeps the sender history across a restart', async () => {
    const dataDir = vigil.dataDir;
    await vigil.stop();
    vigil = await startVigil({
      dataDir,
      config: { email_protect: ['client.fr'], email_partners: ['ferronnerie-dumas.fr'] },
    });
    // Another lookalike: the IBAN on record (learned before the restart) still tells.
    const r = await post(bec('ferronnerie-dumas.com', 'bec-2'));
    expect((r.body.reasons as { code: string }[]).map((x) => x.code)).toEqual(
      expect.arrayContaining(['iban.changed', 'history.first-seen-domain']),
    );
    expect(vigil.output()).not.toMatch(/SMTP journaling/); // smtp_port is unset now
  });
});
