import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';

/**
 * Messages from files: single .eml files, mbox files (one message after each "From " line) and
 * Maildir folders (cur/ and new/). Each yields raw messages one at a time, with a name that finds
 * the message again ("inbox.mbox#12"), or an error item for a message that cannot be read; a bad
 * message never ends its mailbox.
 */
export type MailItem =
  | { readonly ok: true; readonly name: string; readonly path: string; readonly raw: Buffer }
  | { readonly ok: false; readonly name: string; readonly path: string; readonly error: string };

export type MailSourceKind = 'eml' | 'mbox' | 'maildir';

export interface MailSource {
  readonly kind: MailSourceKind;
  readonly path: string;
}

const MBOX_EXTENSIONS = ['.mbox', '.mbx'];
const EML_EXTENSIONS = ['.eml', '.msg822'];

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

async function isMaildir(dir: string): Promise<boolean> {
  return (await isDirectory(join(dir, 'cur'))) || (await isDirectory(join(dir, 'new')));
}

/** An mbox starts with a "From " line; anything else read as one message. */
async function sniffFile(path: string): Promise<MailSourceKind> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(5);
    const { bytesRead } = await fh.read(head, 0, 5, 0);
    return bytesRead === 5 && head.toString('latin1') === 'From ' ? 'mbox' : 'eml';
  } finally {
    await fh.close();
  }
}

/**
 * The mail sources under the given paths: files as given (mbox or single message by their first
 * bytes), Maildirs, and folders walked for *.eml, *.mbox and Maildirs, in a stable order.
 */
export async function findMailSources(
  inputs: readonly string[],
): Promise<{ sources: MailSource[]; missing: string[] }> {
  const sources: MailSource[] = [];
  const missing: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (await isMaildir(dir)) {
      sources.push({ kind: 'maildir', path: dir });
      return;
    }
    if (depth > 32) return;
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const e of entries) {
      const p = join(dir, e.name);
      const lower = e.name.toLowerCase();
      if (e.isDirectory()) await walk(p, depth + 1);
      else if (e.isFile() && MBOX_EXTENSIONS.some((x) => lower.endsWith(x)))
        sources.push({ kind: 'mbox', path: p });
      else if (e.isFile() && EML_EXTENSIONS.some((x) => lower.endsWith(x)))
        sources.push({ kind: await sniffFile(p), path: p });
    }
  };
  for (const input of inputs) {
    let info;
    try {
      info = await stat(input);
    } catch {
      missing.push(input);
      continue;
    }
    if (info.isDirectory()) await walk(input, 0);
    else sources.push({ kind: await sniffFile(input), path: input });
  }
  return { sources, missing };
}

/** The messages of one source. `maxBytes` bounds each message; a larger one is an error item. */
export async function* readMailSource(source: MailSource, maxBytes: number): AsyncGenerator<MailItem> {
  if (source.kind === 'eml') yield await readOne(source.path, source.path, maxBytes);
  else if (source.kind === 'maildir') yield* readMaildir(source.path, maxBytes);
  else yield* readMbox(source.path, maxBytes);
}

async function readOne(path: string, name: string, maxBytes: number): Promise<MailItem> {
  try {
    const size = (await stat(path)).size;
    if (size > maxBytes)
      return { ok: false, name, path, error: `${size} bytes, over the ${maxBytes}-byte message limit` };
    const fh = await open(path, 'r');
    try {
      return { ok: true, name, path, raw: await fh.readFile() };
    } finally {
      await fh.close();
    }
  } catch (e) {
    return { ok: false, name, path, error: (e as Error).message };
  }
}

async function* readMaildir(dir: string, maxBytes: number): AsyncGenerator<MailItem> {
  const files: string[] = [];
  for (const sub of ['new', 'cur']) {
    let names: string[] = [];
    try {
      names = await readdir(join(dir, sub));
    } catch {
      continue;
    }
    // Maildir names start with the delivery time, so name order is delivery order.
    for (const n of names.sort()) if (!n.startsWith('.')) files.push(join(dir, sub, n));
  }
  let index = 0;
  for (const f of files) {
    index++;
    try {
      if (!(await stat(f)).isFile()) continue;
    } catch {
      continue;
    }
    yield await readOne(f, `${dir}#${index}`, maxBytes);
  }
}

const FROM_LINE = Buffer.from('From ');

/**
 * mbox: a message starts at each line beginning "From " (after a blank line, or at the start);
 * lines quoted as ">From " (mboxrd) lose one '>'. Read as a stream; a message is held in memory
 * only up to maxBytes, past which the rest of it is skipped and reported.
 */
async function* readMbox(path: string, maxBytes: number): AsyncGenerator<MailItem> {
  const name = (i: number) => `${path}#${i}`;
  let index = 0;
  let parts: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  let started = false;
  let previousBlank = true;
  let carry: Buffer = Buffer.alloc(0);
  const finish = (): MailItem | null => {
    if (!started) return null;
    const item: MailItem = tooLarge
      ? { ok: false, name: name(index), path, error: `over the ${maxBytes}-byte message limit; skipped` }
      : { ok: true, name: name(index), path, raw: unquoteFrom(Buffer.concat(parts, size)) };
    parts = [];
    size = 0;
    tooLarge = false;
    return item;
  };
  const addLine = (line: Buffer): void => {
    if (tooLarge) return;
    if (size + line.length > maxBytes) {
      tooLarge = true;
      parts = [];
      size = 0;
      return;
    }
    parts.push(line);
    size += line.length;
  };
  let stream;
  try {
    stream = createReadStream(path, { highWaterMark: 1 << 20 });
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const data = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
      let start = 0;
      for (;;) {
        const nl = data.indexOf(0x0a, start);
        if (nl < 0) break;
        const line = data.subarray(start, nl + 1);
        start = nl + 1;
        if (previousBlank && line.subarray(0, 5).equals(FROM_LINE)) {
          const done = finish();
          if (done !== null) yield done;
          index++;
          started = true;
        } else if (started) addLine(Buffer.from(line));
        previousBlank = line.length === 1 || (line.length === 2 && line[0] === 0x0d);
      }
      carry = Buffer.from(data.subarray(start));
      // A line longer than a message may be is the message's problem, not the reader's memory.
      if (carry.length > maxBytes) {
        if (started) tooLarge = true;
        carry = Buffer.alloc(0);
        previousBlank = false;
      }
    }
  } catch (e) {
    yield { ok: false, name: started ? name(index) : path, path, error: (e as Error).message };
    return;
  }
  if (carry.length > 0 && started) addLine(carry);
  if (!started && index === 0) {
    yield {
      ok: false,
      name: path,
      path,
      error: `not an mbox: no "From " line at the start of ${basename(path)}`,
    };
    return;
  }
  const last = finish();
  if (last !== null) yield last;
}

/** Undoes mboxrd quoting: ">From " → "From ", ">>From " → ">From ". */
function unquoteFrom(raw: Buffer): Buffer {
  if (raw.indexOf('>From ') < 0) return trimSeparator(raw);
  const text = raw.toString('latin1').replace(/^>(>*From )/gm, '$1');
  return trimSeparator(Buffer.from(text, 'latin1'));
}

/** The blank line before the next "From " belongs to the mbox, not to the message. */
function trimSeparator(raw: Buffer): Buffer {
  const n = raw.length;
  if (n >= 4 && raw[n - 4] === 0x0d && raw[n - 3] === 0x0a && raw[n - 2] === 0x0d && raw[n - 1] === 0x0a)
    return raw.subarray(0, n - 2);
  if (n >= 2 && raw[n - 2] === 0x0a && raw[n - 1] === 0x0a) return raw.subarray(0, n - 1);
  return raw;
}

/**
 * The messages of an mbox held in memory (an upload), split as readMbox splits a file. Each item
 * is a message or, for one over `maxBytes`, an error; `maxMessages` bounds the count.
 */
export function splitMbox(data: Buffer, maxBytes: number, maxMessages = 10_000): MboxPart[] {
  const out: MboxPart[] = [];
  if (!data.subarray(0, 5).equals(FROM_LINE)) return out;
  let start = -1;
  let previousBlank = true;
  let at = 0;
  const close = (end: number) => {
    if (start < 0) return;
    const size = end - start;
    out.push(
      size > maxBytes
        ? { ok: false, error: `over the ${maxBytes}-byte message limit; skipped` }
        : { ok: true, raw: unquoteFrom(Buffer.from(data.subarray(start, end))) },
    );
  };
  while (at < data.length && out.length < maxMessages) {
    const nl = data.indexOf(0x0a, at);
    const end = nl < 0 ? data.length : nl + 1;
    const line = data.subarray(at, end);
    if (previousBlank && line.subarray(0, 5).equals(FROM_LINE)) {
      close(at);
      start = end;
    }
    previousBlank = line.length === 1 || (line.length === 2 && line[0] === 0x0d);
    at = end;
  }
  if (out.length < maxMessages) close(data.length);
  return out;
}

export type MboxPart =
  { readonly ok: true; readonly raw: Buffer } | { readonly ok: false; readonly error: string };
