import { describe, expect, it } from 'vitest';
import { analyzeRaw, recordInHistory, type EmailAnalysis } from './analyze.js';
import { InMemorySenderHistory } from './history.js';
import { EmailPolicy } from './policy.js';
import { buildMessage, buildZip } from './testing.js';

const policy = new EmailPolicy({
  organization: ['client.fr'],
  partners: ['acme-metaux.fr'],
  people: [
    { name: 'Claire Martin', addresses: ['claire.martin@client.fr'], vip: true },
    { name: 'Jean Dupont', addresses: ['jean.dupont@acme-metaux.fr'], vip: false },
  ],
});
const codes = (a: EmailAnalysis) => a.findings.map((f) => f.code);

const BEC_BODY = `Bonjour,

Suite à un changement de banque, merci de noter nos nouvelles coordonnées bancaires pour le
règlement de la facture 2020-114, à effectuer au plus vite :

IBAN : FR76 3000 6000 0112 3456 7890 189

Cordialement,
Jean Dupont`;

function becMessage(fromDomain: string): Buffer {
  return buildMessage(
    {
      'Return-Path': `<billing@${fromDomain}>`,
      Received:
        'from mx.attacker.test (mx.attacker.test [198.51.100.23]) by mx.client.fr with ESMTPS; Tue, 3 Mar 2020 10:00:00 +0100',
      'Authentication-Results': `mx.client.fr; spf=pass smtp.mailfrom=${fromDomain}; dkim=none; dmarc=none`,
      From: `"Jean Dupont" <jean.dupont@${fromDomain}>`,
      'Reply-To': 'jean.dupont.acme@gmail.com',
      To: 'compta@client.fr',
      Subject: 'URGENT : changement de coordonnées bancaires',
      Date: 'Tue, 3 Mar 2020 09:59:00 +0100',
      'Message-ID': `<bec-1@${fromDomain}>`,
    },
    BEC_BODY,
  );
}

describe('analyzeRaw: the BEC case', () => {
  it('calls a lookalike supplier asking for new bank details malicious, with every reason', async () => {
    const history = InMemorySenderHistory.fromJson(
      JSON.stringify({
        senders: [{ domain: 'acme-metaux.fr', messages: 40, ibans: ['FR1420041010050500013M02606'] }],
      }),
    );
    const a = await analyzeRaw(becMessage('acme-metaux-fr.com'), { policy, history, source: 'bec.eml' });
    expect(a.verdict).toBe('malicious');
    expect(a.score).toBeGreaterThanOrEqual(90);
    expect(codes(a)).toEqual(
      expect.arrayContaining([
        'lookalike.from-domain',
        'iban.changed',
        'headers.impersonated-person',
        'headers.reply-to-freemail',
        'content.bank-change',
        'content.urgency',
        'history.first-seen-domain',
      ]),
    );
    const look = a.findings.find((f) => f.code === 'lookalike.from-domain')!;
    expect(look.evidence).toMatchObject({ target: 'acme-metaux.fr', technique: 'added-word' });
    expect(a.findings.find((f) => f.code === 'iban.changed')!.evidence.onRecord).toEqual([
      'FR1420041010050500013M02606',
    ]);
  });

  it('builds the event the store and the entity graph read', async () => {
    const a = await analyzeRaw(becMessage('acme-metaux-fr.com'), { policy, source: 'bec.eml' });
    expect(a.event).toMatchObject({
      '@timestamp': '2020-03-03T08:59:00.000Z',
      'event.category': ['email'],
      'email.from.address': 'jean.dupont@acme-metaux-fr.com',
      'email.reply_to.address': ['jean.dupont.acme@gmail.com'],
      'email.to.address': ['compta@client.fr'],
      'email.subject': 'URGENT : changement de coordonnées bancaires',
      'email.message_id': '<bec-1@acme-metaux-fr.com>',
      'email.direction': 'inbound',
      'source.ip': '198.51.100.23',
      'vigil.email.return_path': 'billing@acme-metaux-fr.com',
      'vigil.email.ibans': ['FR7630006000011234567890189'],
      'vigil.email.source': 'bec.eml',
      'vigil.email.verdict': a.verdict,
    });
    expect(a.senderDomain).toBe('acme-metaux-fr.com');
  });

  it('accepts the same IBAN from the real supplier, and learns IBANs from clean mail only', async () => {
    const history = new InMemorySenderHistory();
    const genuine = buildMessage(
      {
        From: 'Jean Dupont <jean.dupont@acme-metaux.fr>',
        To: 'compta@client.fr',
        Subject: 'Facture 2020-114',
        Date: 'Tue, 3 Mar 2020 09:59:00 +0100',
      },
      'Veuillez trouver la facture. IBAN FR76 3000 6000 0112 3456 7890 189.',
    );
    const first = await analyzeRaw(genuine, { policy, history });
    expect(first.verdict).toBe('clean');
    await recordInHistory(history, first);
    expect((await history.sender('acme-metaux.fr'))?.ibans).toEqual(['FR7630006000011234567890189']);
    const again = await analyzeRaw(genuine, { policy, history });
    expect(codes(again)).not.toContain('iban.changed');
    const fraud = await analyzeRaw(becMessage('acme-metaux-fr.com'), { policy, history });
    await recordInHistory(history, fraud);
    expect((await history.sender('acme-metaux-fr.com'))?.ibans).toEqual([]);
  });
});

describe('analyzeRaw: header checks', () => {
  it('flags a VIP display name from a free mailbox', async () => {
    const a = await analyzeRaw(
      buildMessage(
        {
          From: '"Claire Martin" <claire.martin.ceo@gmail.com>',
          To: 'compta@client.fr',
          Subject: 'Are you available?',
        },
        'I need you to handle a confidential transfer today.',
      ),
      { policy },
    );
    const f = a.findings.find((x) => x.code === 'headers.impersonated-person')!;
    expect(f.score).toBe(70);
    expect(f.evidence).toMatchObject({ person: 'Claire Martin', vip: true });
    expect(a.verdict).toBe('malicious');
  });

  it('does not flag the person writing from their own address', async () => {
    const a = await analyzeRaw(
      buildMessage(
        { From: 'Claire Martin <claire.martin@client.fr>', To: 'x@client.fr', Subject: 'Lunch' },
        'See you at noon.',
      ),
      { policy },
    );
    expect(a.verdict).toBe('clean');
    expect(a.findings).toEqual([]);
    expect(a.event['email.direction']).toBe('internal');
  });

  it('reads DMARC and SPF failures from the topmost Authentication-Results only', async () => {
    const a = await analyzeRaw(
      Buffer.from(
        'Authentication-Results: mx.client.fr; spf=fail smtp.mailfrom=bank.example; dmarc=fail header.from=bank.example\r\n' +
          'Authentication-Results: mx.client.fr; spf=pass; dmarc=pass\r\nFrom: a@bank.example\r\nTo: b@client.fr\r\nSubject: s\r\n\r\nbody\r\n',
      ),
      { policy },
    );
    expect(codes(a).sort()).toEqual(['authentication.dmarc-fail', 'authentication.spf-fail']);
    expect(a.verdict).toBe('suspicious');
  });

  it('flags a display name that shows another address, and a lookalike Reply-To', async () => {
    const a = await analyzeRaw(
      buildMessage(
        {
          From: '"jean.dupont@acme-metaux.fr" <x@mailer.test>',
          'Reply-To': 'jean@acrne-metaux.fr',
          To: 'b@client.fr',
          Subject: 's',
        },
        'hi',
      ),
      { policy },
    );
    expect(codes(a)).toEqual(
      expect.arrayContaining([
        'headers.display-name-address',
        'lookalike.reply-to-domain',
        'headers.reply-to-mismatch',
      ]),
    );
  });

  it('judges a sender domain first-seen only against a history that has seen mail', async () => {
    const msg = buildMessage({ From: 'a@newcomer.test', To: 'b@client.fr', Subject: 'hello' }, 'hi');
    expect(codes(await analyzeRaw(msg, { policy, history: new InMemorySenderHistory() }))).not.toContain(
      'history.first-seen-domain',
    );
    const history = new InMemorySenderHistory();
    await history.record({ domain: 'known.test', time: new Date(), ibans: [] });
    const a = await analyzeRaw(msg, { policy, history });
    expect(codes(a)).toContain('history.first-seen-domain');
    expect(a.verdict).toBe('clean'); // context only
  });
});

describe('analyzeRaw: attachments and links', () => {
  it('hashes attachments onto the event and flags an executable in a zip', async () => {
    const zip = buildZip([
      { name: 'facture.pdf.exe', data: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(100)]) },
    ]);
    const a = await analyzeRaw(
      buildMessage({ From: 'a@sender.test', To: 'b@client.fr', Subject: 'Facture' }, [
        { contentType: 'text/plain; charset=utf-8', body: 'Ci-joint la facture.' },
        { contentType: 'application/zip', body: zip, filename: 'facture.zip' },
      ]),
      { policy },
    );
    expect(a.verdict).toBe('malicious');
    expect(codes(a)).toContain('attachments.double-extension');
    expect(a.event['email.attachments.file.name']).toEqual(['facture.zip']);
    expect(a.event['email.attachments.file.size']).toEqual([zip.length]);
    expect(a.event['email.attachments.file.hash.sha256']).toEqual([
      (await import('node:crypto')).createHash('sha256').update(zip).digest('hex'),
    ]);
    // The executable inside is hashed too: it is what an endpoint reports once it runs.
    const exe = (await import('node:crypto'))
      .createHash('sha256')
      .update(Buffer.concat([Buffer.from('MZ'), Buffer.alloc(100)]))
      .digest('hex');
    expect(a.event['vigil.email.archive_files.name']).toEqual(['facture.zip/facture.pdf.exe']);
    expect(a.event['vigil.email.archive_files.hash.sha256']).toEqual([exe]);
    expect((a.event['related.hash'] as string[]).length).toBe(4);
    expect(a.event['related.hash']).toContain(exe);
    // Every reason whole, parallel to its code and analyzer.
    const reasons = a.event['vigil.email.reasons'] as string[];
    const findings = (a.event['vigil.email.findings'] as string[]).map((j) => JSON.parse(j) as object);
    expect(a.event['vigil.email.analyzers']).toHaveLength(reasons.length);
    expect(findings[reasons.indexOf('attachments.double-extension')]).toMatchObject({
      analyzer: 'attachments',
      score: 80,
      evidence: { name: 'facture.pdf.exe' },
    });
  });

  it('keeps the thread a reply belongs to (In-Reply-To, References), bounded and cleaned', async () => {
    const a = await analyzeRaw(
      buildMessage(
        {
          From: 'a@sender.test',
          To: 'b@client.fr',
          Subject: 'RE: x',
          'In-Reply-To': '<Req-1@Sender.test>',
          References: '<req-0@sender.test> <Req-1@Sender.test> <not an id> junk',
        },
        'ok',
      ),
      { policy },
    );
    expect(a.event['vigil.email.references']).toEqual(['<Req-1@Sender.test>', '<req-0@sender.test>']);
  });

  it('hashes executables in nested zips, within bounds, and skips encrypted ones', async () => {
    const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(64, 7)]);
    const inner = buildZip([{ name: 'run.js', data: 'WScript.Echo(1)' }]);
    const zip = buildZip([
      { name: 'docs/readme.txt', data: 'hello' },
      { name: 'tool.exe', data: exe },
      { name: 'locked.exe', data: exe, encrypted: true, stored: true },
      { name: 'more.zip', data: inner },
    ]);
    const a = await analyzeRaw(
      buildMessage({ From: 'a@sender.test', To: 'b@client.fr', Subject: 'x' }, [
        { contentType: 'text/plain', body: 'x' },
        { contentType: 'application/zip', body: zip, filename: 'pack.zip' },
        { contentType: 'application/zip', body: Buffer.from('PK\x03\x04 broken'), filename: 'bad.zip' },
      ]),
      { policy },
    );
    expect(a.event['vigil.email.archive_files.name']).toEqual([
      'pack.zip/tool.exe',
      'pack.zip/more.zip/run.js',
    ]);
    expect((a.event['vigil.email.archive_files.hash.sha256'] as string[])[0]).toMatch(/^[0-9a-f]{64}$/);
  });

  it('collects links and flags a lookalike behind a brand name', async () => {
    const a = await analyzeRaw(
      buildMessage(
        {
          From: 'service@notices.test',
          To: 'b@client.fr',
          Subject: 'Your account',
          'Content-Type': 'text/html; charset=utf-8',
        },
        '<p>Please <a href="https://paypa1-secure.com/login">www.paypal.com</a> or https://bit.ly/x</p>',
      ),
      { policy },
    );
    expect(codes(a)).toEqual(
      expect.arrayContaining(['urls.lookalike-domain', 'urls.text-mismatch', 'urls.shortener']),
    );
    expect(a.event['url.original']).toEqual(['https://paypa1-secure.com/login', 'https://bit.ly/x']);
    expect(a.event['url.domain']).toEqual(['paypa1-secure.com', 'bit.ly']);
  });
});

describe('analyzeRaw: hostile mail', () => {
  it('refuses to parse a MIME bomb, says which limit it hit, and still judges the headers', async () => {
    const parts = Array.from(
      { length: 20_000 },
      (_, i) => `--b\r\nContent-Type: text/plain\r\n\r\n${i}\r\n`,
    ).join('');
    const raw = Buffer.from(
      `From: "Jean Dupont" <jean@acme-metaux.com>\r\nTo: b@client.fr\r\nSubject: bomb\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n${parts}--b--\r\n`,
    );
    const a = await analyzeRaw(raw, { policy });
    expect(a.limits).toEqual([{ limit: 'parts', value: 501, max: 500 }]);
    expect(codes(a)).toEqual(
      expect.arrayContaining(['limits.mime-parts', 'lookalike.from-domain', 'headers.impersonated-person']),
    );
    expect(a.verdict).toBe('malicious');
    expect(a.event['email.subject']).toBe('bomb');
  });

  it('stops at deep nesting', async () => {
    let body = 'Content-Type: text/plain\r\n\r\nx\r\n';
    for (let i = 3000; i > 0; i--)
      body = `Content-Type: multipart/mixed; boundary="n${i}"\r\n\r\n--n${i}\r\n${body}--n${i}--\r\n`;
    const a = await analyzeRaw(Buffer.from(`From: a@b.test\r\nSubject: deep\r\n${body}`), { policy });
    expect(a.limits).toEqual([{ limit: 'depth', value: 21, max: 20 }]);
    expect(a.verdict).toBe('suspicious');
    expect(a.event['email.subject']).toBe('deep');
  });

  it('judges huge headers by what fits in the limit', async () => {
    const raw = Buffer.from(
      `From: a@b.test\r\nSubject: huge\r\n${'X-Filler: 0123456789abcdef0123456789abcdef0123456789abcdef\r\n'.repeat(20_000)}\r\nbody\r\n`,
    );
    const a = await analyzeRaw(raw, { policy });
    expect(a.limits[0]).toMatchObject({ limit: 'header-bytes', max: 256 << 10 });
    expect(a.event['email.subject']).toBe('huge');
    expect(a.verdict).toBe('suspicious');
    const long = await analyzeRaw(
      Buffer.from(`From: a@b.test\r\nSubject: ${'x'.repeat(2_000_000)}\r\n\r\nbody\r\n`),
      { policy },
    );
    expect(long.limits[0]?.limit).toBe('header-bytes');
  });

  it('judges messages over the size limit on their headers', async () => {
    const raw = buildMessage({ From: 'a@b.test', Subject: 'big' }, [
      { contentType: 'application/octet-stream', body: Buffer.alloc(300_000), filename: 'x.bin' },
    ]);
    const a = await analyzeRaw(raw, { policy, limits: { maxMessageBytes: 100_000 } });
    expect(a.limits[0]).toMatchObject({ limit: 'message-bytes', max: 100_000 });
    expect(a.event['email.subject']).toBe('big');
    expect(a.event['email.attachments.file.name']).toBeUndefined();
  });

  it('keeps going through broken encodings', async () => {
    const raw = Buffer.from(
      [
        'From: =?x-unknown-charset?B?!!!?= <a@b.test>',
        'Subject: =?utf-8?Q?broken=ZZ?= =?utf-8?B?4pyTIGRvbmU=?=',
        'Content-Type: multipart/mixed; boundary=b',
        '',
        '--b',
        'Content-Type: text/plain; charset=x-does-not-exist',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        'caf=E9 =ZZ =',
        '--b',
        'Content-Type: application/octet-stream; name=a.exe',
        'Content-Transfer-Encoding: base64',
        'Content-Disposition: attachment; filename=a.exe',
        '',
        'TVqQ!!!not base64***AAAA\u0000\u00ff',
        '--b',
        'Content-Type: text/html; charset=utf-8',
        'Content-Transfer-Encoding: base64',
        '',
        '%%%',
      ].join('\r\n'),
      'latin1',
    );
    const a = await analyzeRaw(raw, { policy });
    expect(['suspicious', 'malicious']).toContain(a.verdict);
    expect(codes(a)).toContain('attachments.executable');
    expect(a.event['email.attachments.file.name']).toEqual(['a.exe']);
    expect(a.event['email.from.address']).toBe('a@b.test');
  });

  it('gives a verdict for empty and binary input', async () => {
    const empty = await analyzeRaw(Buffer.alloc(0), { policy });
    expect(codes(empty)).toEqual(['headers.no-from']);
    const noise = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7919) % 256));
    const n = await analyzeRaw(noise, { policy });
    expect(['clean', 'suspicious', 'malicious']).toContain(n.verdict);
  });

  it('gets through bodies built against naive scanners (unclosed tags, endless runs)', async () => {
    const html = (body: string) =>
      buildMessage({ From: 'a@b.test', Subject: 's', 'Content-Type': 'text/html' }, body);
    const bodies = [
      html('<'.repeat(1_000_000)),
      html('<a href="http://x.test/">'.repeat(40_000) + '<a '.repeat(100_000)),
      html(('<a href="http://y.test/">' + 'b.'.repeat(2000) + '</a>').repeat(500)),
      buildMessage({ From: `"${'a.'.repeat(100_000)}" <x@y.test>`, Subject: 's' }, 'a'.repeat(1_000_000)),
      buildMessage({ From: 'a@b.test', Subject: 's' }, [
        {
          contentType: 'text/html',
          body: '<input type=password '.repeat(100_000) + 'A'.repeat(1_000_000),
          filename: 'x.html',
        },
      ]),
    ];
    for (const raw of bodies) {
      const a = await analyzeRaw(raw, { policy });
      expect(['clean', 'suspicious', 'malicious']).toContain(a.verdict);
    }
    const long = await analyzeRaw(html('<'.repeat(1_000_000)), { policy });
    expect(long.limits.map((l) => l.limit)).toEqual(['text-chars']);
    const links = await analyzeRaw(bodies[1]!, { policy });
    expect(links.limits.map((l) => l.limit)).toContain('links');
  });

  it('stops keeping attachments past the limit and says so', async () => {
    const parts = Array.from({ length: 8 }, (_, i) => ({
      contentType: 'application/pdf',
      body: `%PDF ${i}`,
      filename: `f${i}.pdf`,
    }));
    const a = await analyzeRaw(buildMessage({ From: 'a@b.test', Subject: 'many' }, parts), {
      policy,
      limits: { maxAttachments: 3 },
    });
    expect(a.limits).toEqual([{ limit: 'attachments', value: 8, max: 3 }]);
    expect((a.event['email.attachments.file.name'] as string[]).length).toBe(3);
  });
});
