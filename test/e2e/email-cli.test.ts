import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMessage, buildZip } from '../../src/email/testing.js';
import { runCli } from '../support/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'vigil-email-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const bec = buildMessage(
  {
    From: '"Jean Dupont" <jean.dupont@acrne-metaux.fr>',
    'Reply-To': 'jean.dupont.acme@gmail.com',
    To: 'compta@client.fr',
    Subject: 'Nouvelles coordonnées bancaires',
    Date: 'Tue, 3 Mar 2020 09:59:00 +0100',
  },
  'Merci de noter nos nouvelles coordonnées bancaires : IBAN FR76 3000 6000 0112 3456 7890 189. Au plus vite.',
);
const clean = buildMessage(
  {
    From: 'Claire Martin <claire.martin@client.fr>',
    To: 'team@client.fr',
    Subject: 'Lunch',
    Date: 'Tue, 3 Mar 2020 11:00:00 +0100',
  },
  'See you at noon.',
);
const malware = buildMessage({ From: 'scanner@printers.test', To: 'b@client.fr', Subject: 'Scan' }, [
  { contentType: 'text/plain', body: 'Your scan.' },
  {
    contentType: 'application/zip',
    body: buildZip([{ name: 'scan.pdf.exe', data: 'MZ' }]),
    filename: 'scan.zip',
  },
]);

interface Line {
  file: string;
  verdict: string;
  score: number | null;
  reasons: {
    analyzer: string;
    code: string;
    score: number;
    reason: string;
    evidence: Record<string, unknown>;
  }[];
  error?: string;
  event?: Record<string, unknown>;
}

const parse = (stdout: string): Line[] =>
  stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Line);

beforeAll(() => {
  writeFileSync(join(tmp, 'bec.eml'), bec);
  writeFileSync(join(tmp, 'clean.eml'), clean);
  const mbox = [clean, malware, bec]
    .map((m, i) => `From sender@x.test Tue Mar  3 10:0${i}:00 2020\n${m.toString().replace(/\r\n/g, '\n')}\n`)
    .join('');
  writeFileSync(join(tmp, 'inbox.mbox'), mbox);
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(tmp, 'Maildir', sub), { recursive: true });
  writeFileSync(join(tmp, 'Maildir', 'cur', '1583226000.M1.host:2,S'), clean);
  writeFileSync(join(tmp, 'Maildir', 'new', '1583226001.M2.host'), malware);
  writeFileSync(
    join(tmp, 'people.yml'),
    'organization: [client.fr]\npartners: [acme-metaux.fr]\npeople:\n  - name: Jean Dupont\n    addresses: [jean.dupont@acme-metaux.fr]\n',
  );
  writeFileSync(
    join(tmp, 'history.json'),
    JSON.stringify({
      senders: [{ domain: 'acme-metaux.fr', messages: 25, ibans: ['FR1420041010050500013M02606'] }],
    }),
  );
});

describe('vigil email analyze', () => {
  it('prints one JSON line per message with verdict, score and reasons', async () => {
    const r = await runCli([
      'email',
      'analyze',
      join(tmp, 'bec.eml'),
      join(tmp, 'clean.eml'),
      '--people',
      join(tmp, 'people.yml'),
      '--history',
      join(tmp, 'history.json'),
      '--format',
      'jsonl',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const [b, c] = parse(r.stdout) as [Line, Line];
    expect(b.file).toBe(join(tmp, 'bec.eml'));
    expect(b.verdict).toBe('malicious');
    expect(b.score).toBeGreaterThanOrEqual(70);
    expect(b.reasons.map((x) => x.code)).toEqual(
      expect.arrayContaining([
        'lookalike.from-domain',
        'headers.impersonated-person',
        'iban.changed',
        'content.bank-change',
      ]),
    );
    for (const reason of b.reasons) {
      expect(reason.analyzer).toBe(reason.code.split('.')[0]);
      expect(typeof reason.reason).toBe('string');
      expect(typeof reason.evidence).toBe('object');
    }
    expect(b.reasons.find((x) => x.code === 'lookalike.from-domain')!.evidence).toMatchObject({
      target: 'acme-metaux.fr',
      technique: 'homoglyph',
    });
    expect(c).toEqual({ file: join(tmp, 'clean.eml'), verdict: 'clean', score: 0, reasons: [] });
  });

  it('names mbox and Maildir messages by mailbox and index', async () => {
    const r = await runCli([
      'email',
      'analyze',
      join(tmp, 'inbox.mbox'),
      join(tmp, 'Maildir'),
      '--protect=client.fr,acme-metaux.fr',
      '-f',
      'jsonl',
    ]);
    expect(r.code).toBe(1);
    const lines = parse(r.stdout);
    expect(lines.map((l) => [l.file.slice(tmp.length + 1), l.verdict])).toEqual([
      ['inbox.mbox#1', 'clean'],
      ['inbox.mbox#2', 'malicious'],
      ['inbox.mbox#3', 'malicious'],
      ['Maildir#1', 'malicious'],
      ['Maildir#2', 'clean'],
    ]);
  });

  it('adds the ECS event with --events', async () => {
    const r = await runCli(['email', 'analyze', join(tmp, 'bec.eml'), '--events', '-f', 'jsonl']);
    const [line] = parse(r.stdout) as [Line];
    expect(line.event).toMatchObject({
      'email.from.address': 'jean.dupont@acrne-metaux.fr',
      'email.to.address': ['compta@client.fr'],
      'vigil.email.verdict': line.verdict,
    });
  });

  it('prints a readable table', async () => {
    const r = await runCli([
      'email',
      'analyze',
      join(tmp, 'bec.eml'),
      join(tmp, 'clean.eml'),
      '--partner',
      'acme-metaux.fr',
      '--format',
      'table',
    ]);
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^VERDICT\s+SCORE\s+FILE$/);
    expect(r.stdout).toMatch(/MALICIOUS\s+\d+\s+\S+bec\.eml/);
    expect(r.stdout).toMatch(/acrne-metaux\.fr imitates protected partner domain acme-metaux\.fr/);
    expect(r.stdout).toMatch(/clean\s+0\s+\S+clean\.eml/);
    expect(r.stdout).toMatch(/2 message\(s\): 1 malicious, 0 suspicious, 1 clean/);
  });

  it('exits 0 when everything is clean', async () => {
    const r = await runCli(['email', 'analyze', join(tmp, 'clean.eml'), '-f', 'jsonl']);
    expect(r.code).toBe(0);
  });

  it('reports unreadable messages as errors, keeps the others, and exits 2', async () => {
    const big = join(tmp, 'big');
    mkdirSync(big);
    writeFileSync(join(big, 'large.eml'), Buffer.alloc(5000, 'a'));
    writeFileSync(join(big, 'small.eml'), clean);
    const r = await runCli(['email', 'analyze', big, '--max-size', '2k', '-f', 'jsonl']);
    expect(r.code).toBe(2);
    const lines = parse(r.stdout);
    expect(lines.map((l) => l.verdict)).toEqual(['error', 'clean']);
    expect(lines[0]!.error).toMatch(/over the 2048-byte message limit/);
    expect(r.stderr).toMatch(/large\.eml: 5000 bytes, over the 2048-byte message limit/);
  });

  it('gives hostile mail a verdict and names the limit it hit', async () => {
    let body = 'Content-Type: text/plain\r\n\r\nx\r\n';
    for (let i = 200; i > 0; i--)
      body = `Content-Type: multipart/mixed; boundary="n${i}"\r\n\r\n--n${i}\r\n${body}--n${i}--\r\n`;
    writeFileSync(join(tmp, 'deep.eml'), `From: a@b.test\r\nSubject: deep\r\n${body}`);
    const r = await runCli(['email', 'analyze', join(tmp, 'deep.eml'), '-f', 'jsonl']);
    const [line] = parse(r.stdout) as [Line & { limits?: unknown[] }];
    expect(line.verdict).toBe('suspicious');
    expect(line.limits).toEqual([{ limit: 'depth', value: 21, max: 20 }]);
    expect(line.reasons[0]!.code).toBe('limits.mime-depth');
  });

  it('exits 2 on missing inputs and bad configuration, with the reason', async () => {
    const missing = await runCli(['email', 'analyze', join(tmp, 'nope.eml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.eml: no such file or directory');
    writeFileSync(join(tmp, 'bad-people.yml'), 'people:\n  - addresses: [x@y.z]\n');
    const people = await runCli([
      'email',
      'analyze',
      join(tmp, 'clean.eml'),
      '--people',
      join(tmp, 'bad-people.yml'),
    ]);
    expect(people.code).toBe(2);
    expect(people.stderr).toMatch(/bad-people\.yml: people\[0\] needs a name/);
    const domain = await runCli(['email', 'analyze', join(tmp, 'clean.eml'), '--protect=com']);
    expect(domain.code).toBe(2);
    expect(domain.stderr).toMatch(/not a registrable domain: com/);
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    const none = await runCli(['email', 'analyze', empty]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no messages to analyze/);
  });
});
