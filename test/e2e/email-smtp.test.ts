import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EmailPolicy,
  InMemorySenderHistory,
  startJournalListener,
  type EmailAnalysis,
  type JournalEnvelope,
  type JournalListener,
} from '../../src/email/index.js';
import { buildZip } from '../../src/email/testing.js';

/**
 * The journaling listener against a real SMTP client (nodemailer): plain and STARTTLS delivery
 * with a certificate made by openssl for the test, TLS required, size limits, allowed clients.
 */
const openssl = spawnSync('openssl', ['version']).status === 0;
const tmp = mkdtempSync(join(tmpdir(), 'vigil-smtp-'));
let key = '';
let cert = '';

beforeAll(() => {
  if (!openssl) return;
  const r = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(tmp, 'key.pem'),
      '-out',
      join(tmp, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  key = readFileSync(join(tmp, 'key.pem'), 'utf8');
  cert = readFileSync(join(tmp, 'cert.pem'), 'utf8');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const policy = new EmailPolicy({ organization: ['client.fr'], partners: ['acme-metaux.fr'] });

/** Speaks SMTP line by line: sends each command after the previous reply, returns every reply line. */
function smtpDialogue(port: number, commands: readonly string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const lines: string[] = [];
    let buffer = '';
    let next = 0;
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      buffer += d;
      let nl: number;
      while ((nl = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        lines.push(line);
        // The last line of a reply has a space after its code.
        if (/^\d{3} /.test(line) && next < commands.length) socket.write(`${commands[next++]}\r\n`);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(lines));
  });
}

interface Received {
  analysis: EmailAnalysis;
  envelope: JournalEnvelope;
  raw: Buffer;
}

async function listen(
  options: Partial<Parameters<typeof startJournalListener>[0]> = {},
): Promise<{ listener: JournalListener; received: Received[] }> {
  const received: Received[] = [];
  const listener = await startJournalListener({
    policy,
    onMessage: (analysis, envelope, raw) => {
      received.push({ analysis, envelope, raw });
    },
    ...options,
  });
  return { listener, received };
}

const journal = {
  from: '"Jean Dupont" <jean.dupont@acme-metaux-fr.com>',
  to: 'compta@client.fr',
  envelope: { from: 'bounce@acme-metaux-fr.com', to: ['journal@vigil.client.fr'] },
  subject: 'Nouvelles coordonnées bancaires',
  text: 'Merci de noter nos nouvelles coordonnées bancaires : IBAN FR76 3000 6000 0112 3456 7890 189. Urgent.',
};

describe('journaling listener over plain SMTP', () => {
  it('hands each analyzed message to the callback before answering 250', async () => {
    const history = new InMemorySenderHistory();
    await history.record({ domain: 'known.example', time: new Date(), ibans: [] });
    const { listener, received } = await listen({ history, learn: true });
    try {
      const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port: listener.port,
        secure: false,
        ignoreTLS: true,
      });
      const zip = buildZip([{ name: 'facture.pdf.exe', data: 'MZ' }]);
      const info = await transport.sendMail({
        ...journal,
        attachments: [{ filename: 'facture.zip', content: zip }],
      });
      expect(info.response).toMatch(/^250 OK: analyzed as malicious/);
      expect(received).toHaveLength(1);
      const [{ analysis, envelope, raw }] = received as [Received];
      expect(envelope).toMatchObject({
        mailFrom: 'bounce@acme-metaux-fr.com',
        rcptTo: ['journal@vigil.client.fr'],
        clientAddress: '127.0.0.1',
        secure: false,
      });
      expect(raw.toString()).toContain('Subject: =?UTF-8?Q?Nouvelles_coordonn=C3=A9es_bancaires?=');
      expect(analysis.event['email.subject']).toBe('Nouvelles coordonnées bancaires');
      expect(analysis.verdict).toBe('malicious');
      expect(analysis.findings.map((f) => f.code)).toEqual(
        expect.arrayContaining([
          'lookalike.from-domain',
          'content.bank-change',
          'attachments.double-extension',
          'history.first-seen-domain',
        ]),
      );
      expect(analysis.event).toMatchObject({
        'email.from.address': 'jean.dupont@acme-metaux-fr.com',
        'email.to.address': ['compta@client.fr'],
        'email.attachments.file.name': ['facture.zip'],
        'vigil.email.source': 'smtp:127.0.0.1',
      });
      expect(await history.sender('acme-metaux-fr.com')).toMatchObject({ messages: 1, ibans: [] });
      transport.close();
    } finally {
      await listener.close();
    }
  });

  it('answers 451 when the callback fails, so the mail server retries', async () => {
    const listener = await startJournalListener({
      policy,
      onMessage: () => {
        throw new Error('store is down');
      },
    });
    try {
      const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port: listener.port,
        ignoreTLS: true,
      });
      await expect(transport.sendMail(journal)).rejects.toMatchObject({ responseCode: 451 });
      transport.close();
    } finally {
      await listener.close();
    }
  });

  it('refuses a message over the size limit with 552, and keeps serving', async () => {
    const { listener, received } = await listen({ maxMessageBytes: 20_000 });
    try {
      const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port: listener.port,
        ignoreTLS: true,
      });
      await expect(transport.sendMail({ ...journal, text: 'x'.repeat(100_000) })).rejects.toMatchObject({
        responseCode: 552,
      });
      expect(received).toHaveLength(0);
      // A client declaring the size up front (MAIL FROM ... SIZE=) is refused before DATA.
      const dialogue = await smtpDialogue(listener.port, [
        'EHLO client.test',
        'MAIL FROM:<a@b.test> SIZE=50000',
        'QUIT',
      ]);
      expect(dialogue[0]).toMatch(/^220 /);
      expect(dialogue.find((l) => /^250[ -]SIZE 20000/.test(l))).toBeDefined();
      expect(dialogue.find((l) => l.startsWith('552 '))).toMatch(/exceeds fixed maximum message size/);
      await transport.sendMail(journal);
      expect(received).toHaveLength(1);
      transport.close();
    } finally {
      await listener.close();
    }
  });

  it('refuses clients that are not allowed to journal', async () => {
    const { listener, received } = await listen({ allowedClients: ['192.0.2.1'] });
    try {
      const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port: listener.port,
        ignoreTLS: true,
      });
      await expect(transport.sendMail(journal)).rejects.toMatchObject({ responseCode: 554 });
      expect(received).toHaveLength(0);
      transport.close();
    } finally {
      await listener.close();
    }
  });
});

describe.skipIf(!openssl)('journaling listener with STARTTLS', () => {
  if (!openssl) console.log('openssl not found: skipping the STARTTLS tests');

  it('upgrades to TLS with a self-signed certificate the client trusts', async () => {
    const { listener, received } = await listen({ tls: { key, cert }, requireTls: true });
    try {
      const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port: listener.port,
        secure: false,
        requireTLS: true,
        tls: { ca: [cert], servername: 'localhost' },
      });
      await transport.sendMail(journal);
      expect(received).toHaveLength(1);
      expect(received[0]!.envelope.secure).toBe(true);
      expect(received[0]!.analysis.verdict).not.toBe('clean');
      transport.close();
    } finally {
      await listener.close();
    }
  });

  it('refuses mail before STARTTLS when TLS is required (530)', async () => {
    const { listener, received } = await listen({ tls: { key, cert }, requireTls: true });
    try {
      const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port: listener.port,
        ignoreTLS: true,
      });
      await expect(transport.sendMail(journal)).rejects.toMatchObject({ responseCode: 530 });
      expect(received).toHaveLength(0);
      transport.close();
    } finally {
      await listener.close();
    }
  });

  it('fails the handshake for a client that does not trust the certificate', async () => {
    const { listener, received } = await listen({ tls: { key, cert } });
    try {
      const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port: listener.port,
        requireTLS: true,
        tls: { servername: 'localhost' },
      });
      await expect(transport.sendMail(journal)).rejects.toThrow(/self[- ]signed|certificate/i);
      expect(received).toHaveLength(0);
      transport.close();
    } finally {
      await listener.close();
    }
  });
});
