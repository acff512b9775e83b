import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMailSources, readMailSource, splitMbox, type MailItem, type MailSource } from './mailbox.js';

let dir: string;

async function all(source: MailSource, max = 1 << 20): Promise<MailItem[]> {
  const out: MailItem[] = [];
  for await (const item of readMailSource(source, max)) out.push(item);
  return out;
}

const msg = (n: number, body = `body ${n}`) => `From: a${n}@b.test\nSubject: m${n}\n\n${body}\n`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-mailbox-'));
  writeFileSync(
    join(dir, 'inbox.mbox'),
    `From a1@b.test Mon Jan  1 00:00:00 2024\n${msg(1, 'line\n>From the quoted start\n>>From deeper')}\nFrom a2@b.test Mon Jan  1 00:00:01 2024\n${msg(2)}\nFrom a3@b.test Mon Jan  1 00:00:02 2024\n${msg(3, 'x'.repeat(5000))}\nFrom a4@b.test Mon Jan  1 00:00:03 2024\r\n${msg(4).replace(/\n/g, '\r\n')}`,
  );
  writeFileSync(join(dir, 'one.eml'), msg(9));
  writeFileSync(join(dir, 'not-mbox.mbox'), 'Hello, this is not a mailbox\n');
  const md = join(dir, 'Maildir');
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(md, sub), { recursive: true });
  writeFileSync(join(md, 'new', '1700000002.M2.host'), msg(22));
  writeFileSync(join(md, 'cur', '1700000001.M1.host:2,S'), msg(11));
  writeFileSync(join(md, 'cur', '.hidden'), 'x');
  writeFileSync(join(md, 'tmp', 'partial'), msg(0));
  mkdirSync(join(dir, 'nested', 'deeper'), { recursive: true });
  writeFileSync(join(dir, 'nested', 'deeper', 'two.eml'), msg(8));
  writeFileSync(join(dir, 'nested', 'notes.txt'), 'not mail');
  symlinkSync(join(dir, 'nested'), join(dir, 'nested', 'loop'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('findMailSources', () => {
  it('finds .eml, mbox and Maildir sources in a stable order', async () => {
    const { sources, missing } = await findMailSources([dir, join(dir, 'missing.eml')]);
    expect(missing).toEqual([join(dir, 'missing.eml')]);
    expect(sources.map((s) => [s.kind, s.path.slice(dir.length + 1)])).toEqual([
      ['maildir', 'Maildir'],
      ['mbox', 'inbox.mbox'],
      ['eml', 'nested/deeper/two.eml'],
      ['mbox', 'not-mbox.mbox'],
      ['eml', 'one.eml'],
    ]);
  });

  it('recognizes an mbox given by name whatever its extension', async () => {
    writeFileSync(join(dir, 'mail.txt'), `From x@y.test Mon Jan  1 00:00:00 2024\n${msg(5)}`);
    expect((await findMailSources([join(dir, 'mail.txt')])).sources[0]!.kind).toBe('mbox');
  });
});

describe('readMailSource', () => {
  it('splits an mbox, unquotes >From lines and names messages by index', async () => {
    const items = await all({ kind: 'mbox', path: join(dir, 'inbox.mbox') });
    expect(items.map((i) => i.name.slice(dir.length + 1))).toEqual([
      'inbox.mbox#1',
      'inbox.mbox#2',
      'inbox.mbox#3',
      'inbox.mbox#4',
    ]);
    const first = items[0]!;
    expect(first.ok && first.raw.toString()).toBe(msg(1, 'line\nFrom the quoted start\n>From deeper'));
    const last = items[3]!;
    expect(last.ok && last.raw.toString()).toBe(msg(4).replace(/\n/g, '\r\n'));
  });

  it('skips a message over the size limit and keeps its neighbours', async () => {
    const items = await all({ kind: 'mbox', path: join(dir, 'inbox.mbox') }, 1000);
    expect(items.map((i) => i.ok)).toEqual([true, true, false, true]);
    expect(items[2]).toMatchObject({
      ok: false,
      error: expect.stringMatching(/over the 1000-byte message limit/),
    });
  });

  it('reports a file that is not an mbox', async () => {
    const items = await all({ kind: 'mbox', path: join(dir, 'not-mbox.mbox') });
    expect(items).toEqual([
      {
        ok: false,
        name: join(dir, 'not-mbox.mbox'),
        path: join(dir, 'not-mbox.mbox'),
        error: expect.stringMatching(/not an mbox/),
      },
    ]);
  });

  it('reads a Maildir in delivery order, new and cur, not tmp', async () => {
    const items = await all({ kind: 'maildir', path: join(dir, 'Maildir') });
    expect(items.map((i) => i.ok && i.raw.toString())).toEqual([msg(22), msg(11)]);
    expect(items.map((i) => i.name)).toEqual([`${join(dir, 'Maildir')}#1`, `${join(dir, 'Maildir')}#2`]);
    expect(items[1]!.path).toBe(join(dir, 'Maildir', 'cur', '1700000001.M1.host:2,S'));
  });

  it('refuses an .eml over the limit without reading it, and reports unreadable files', async () => {
    expect(await all({ kind: 'eml', path: join(dir, 'one.eml') }, 10)).toEqual([
      {
        ok: false,
        name: join(dir, 'one.eml'),
        path: join(dir, 'one.eml'),
        error: expect.stringMatching(/over the 10-byte/),
      },
    ]);
    expect((await all({ kind: 'eml', path: join(dir, 'gone.eml') }))[0]).toMatchObject({
      ok: false,
      error: expect.stringMatching(/ENOENT/),
    });
  });
});

describe('splitMbox (an mbox in memory)', () => {
  it('splits as the file reader does: From lines after blank lines, >From unquoted', () => {
    const text = `From a@b Sat Jan  1 00:00:00 2026\n${msg(1, 'line\n>From here')}\nFrom c@d Sat Jan  1 00:00:01 2026\n${msg(2, 'text\nFrom mid-paragraph')}`;
    const parts = splitMbox(Buffer.from(text), 1 << 20);
    expect(parts.map((p) => (p.ok ? p.raw.toString() : p.error))).toEqual([
      msg(1, 'line\nFrom here'),
      msg(2, 'text\nFrom mid-paragraph'),
    ]);
  });

  it('refuses what is not an mbox, and bounds message size and count', () => {
    expect(splitMbox(Buffer.from(msg(1)), 1 << 20)).toEqual([]);
    const big = `From x\n${msg(1, 'x'.repeat(500))}\nFrom y\n${msg(2)}`;
    const parts = splitMbox(Buffer.from(big), 200);
    expect(parts.map((p) => p.ok)).toEqual([false, true]);
    const many = Array.from({ length: 5 }, (_, i) => `From x\n${msg(i)}\n`).join('');
    expect(splitMbox(Buffer.from(many), 1 << 20, 3)).toHaveLength(3);
  });
});
