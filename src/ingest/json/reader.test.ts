import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonReader, readJsonFile, readJsonRecords, type JsonReadOptions } from './index.js';
import type { RecordStream } from '../types.js';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Feeds `input` in chunks of `size` bytes, whatever they cut through. */
async function* chunked(input: string | Buffer, size: number): AsyncGenerator<Buffer> {
  const buf = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

/** Every item as plain data, so runs can be compared whole. */
async function items(stream: RecordStream) {
  const out: unknown[] = [];
  for await (const r of stream) {
    if (r.ok) out.push({ event: r.value.event, ...r.value.origin });
    else out.push({ code: r.error.code, message: r.error.message, ...r.error.location });
  }
  return out;
}

async function events(input: string | Buffer, size = 1 << 16, options?: JsonReadOptions) {
  const ok: unknown[] = [];
  const codes: string[] = [];
  for await (const r of readJsonRecords(chunked(input, size), 'in.json', options)) {
    if (r.ok) ok.push(r.value.event);
    else codes.push(r.error.code);
  }
  return { ok, codes };
}

const objects = [{ a: 1 }, { b: { c: [1, 2, { d: null }] }, e: 'x' }, { f: true, g: -1.5e3 }];

describe('readJsonRecords formats', () => {
  it('reads a top-level array, compact or pretty, with each record placed', async () => {
    const text = '[\n  {"a":1},\n  {"b":2}\n]\n';
    expect(await items(readJsonRecords(chunked(text, 7), 'x.json'))).toEqual([
      { event: { a: 1 }, source: 'x.json', format: 'json', offset: 4, line: 2 },
      { event: { b: 2 }, source: 'x.json', format: 'json', offset: 15, line: 3 },
    ]);
    expect(await events(JSON.stringify(objects))).toEqual({ ok: objects, codes: [] });
    expect(await events(JSON.stringify(objects, null, 2))).toEqual({ ok: objects, codes: [] });
  });

  it('reads NDJSON with blank lines and CRLF', async () => {
    const text = '{"a":1}\r\n\r\n{"b":2}\r\n\n  {"c":3}';
    const got = await items(readJsonRecords(chunked(text, 3), 'x.jsonl'));
    expect(got.map((r) => (r as { line: number }).line)).toEqual([1, 3, 5]);
    expect(got.map((r) => (r as { offset: number }).offset)).toEqual([0, 11, 23]);
    expect(await events(objects.map((o) => JSON.stringify(o)).join('\n') + '\n')).toEqual({
      ok: objects,
      codes: [],
    });
  });

  it('reads concatenated objects, pretty or compact, with any separator or none', async () => {
    const pretty = objects.map((o) => JSON.stringify(o, null, 2));
    for (const sep of ['', '\n', ' ', '\r\n', '\n\n\t']) {
      expect(await events(pretty.join(sep))).toEqual({ ok: objects, codes: [] });
      expect(await events(objects.map((o) => JSON.stringify(o)).join(sep))).toEqual({
        ok: objects,
        codes: [],
      });
    }
  });

  it("skips the `Record <id>` lines of evtx_dump's JSON output", async () => {
    const text = objects.map((o, i) => `Record ${i + 1}\n${JSON.stringify(o, null, 2)}\n`).join('');
    expect(await events(text, 5)).toEqual({ ok: objects, codes: [] });
    const compact = objects.map((o, i) => `Record ${i + 1}\r\n${JSON.stringify(o)}\r\n`).join('');
    expect(await events(compact)).toEqual({ ok: objects, codes: [] });
  });

  it('skips a byte order mark, even split across chunks, and counts it in offsets', async () => {
    for (const text of ['[{"a":1}]', '{"a":1}\n', '{\n  "a": 1\n}']) {
      for (const size of [1, 2, 64]) {
        const got = await items(readJsonRecords(chunked(Buffer.concat([BOM, Buffer.from(text)]), size), 'b'));
        expect(got).toHaveLength(1);
        expect(got[0]).toMatchObject({ event: { a: 1 }, line: 1 });
      }
    }
    const [first] = await items(
      readJsonRecords(chunked(Buffer.concat([BOM, Buffer.from('{"a":1}')]), 1), 'b'),
    );
    expect(first).toMatchObject({ offset: 3 });
    const [bad] = await items(readJsonRecords(chunked(Buffer.concat([BOM, Buffer.from('{"a" 1}')]), 1), 'b'));
    expect(bad).toMatchObject({ code: 'json.syntax', offset: 8, line: 1, column: 6 });
  });

  it('gives the same items, offsets and errors with 1-byte chunks as with one chunk', async () => {
    const text =
      '{"a":1}\n{"b": tru}\n42\n{"c":"é中😀\\"}"}\r\n{"d":[1,\n{"e":{"f":"\\\\"}}\n{"g":"x\n{"h":1}\n{"i":';
    const whole = await items(readJsonRecords(chunked(text, 1 << 16), 'w'));
    expect(whole.length).toBeGreaterThan(6);
    for (const size of [1, 2, 3, 5])
      expect(await items(readJsonRecords(chunked(text, size), 'w'))).toEqual(whole);
    const pretty = `[\n${objects.map((o) => JSON.stringify(o, null, 4)).join(',\n')}\n]`;
    expect(await items(readJsonRecords(chunked(pretty, 1), 'p'))).toEqual(
      await items(readJsonRecords(chunked(pretty, 1 << 16), 'p')),
    );
  });

  it('decodes multi-byte characters and escapes split at every byte', async () => {
    const text = '{"s":"é中😀\\"\\\\\\u00e9\\ud83d\\ude00\\n","k\\u00e9y":"\\/"}\n';
    const expected = JSON.parse(text);
    const buf = Buffer.from(text);
    for (let cut = 1; cut < buf.length; cut++) {
      async function* two() {
        yield buf.subarray(0, cut);
        yield buf.subarray(cut);
      }
      const got = await items(readJsonRecords(two(), 's'));
      expect(got).toEqual([expect.objectContaining({ event: expected })]);
    }
    expect((await events(buf, 1)).ok).toEqual([expected]);
  });

  it('accepts string chunks', async () => {
    async function* strings() {
      yield '[{"a":"é';
      yield '中"},';
      yield '{"b":2}]';
    }
    expect(await items(readJsonRecords(strings(), 's'))).toEqual([
      expect.objectContaining({ event: { a: 'é中' }, offset: 1 }),
      expect.objectContaining({ event: { b: 2 }, offset: 15 }),
    ]);
  });

  it('yields nothing for empty, blank or empty-array input', async () => {
    for (const text of ['', ' \n\t\r\n ', '[]', '[ \n ]', '\ufeff', '\ufeff  \n']) {
      expect(await items(readJsonRecords(chunked(text, 1), 'e'))).toEqual([]);
    }
  });

  it('keeps __proto__ an own key and pollutes no prototype', async () => {
    const text = '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":2}}}';
    const { ok } = await events(text);
    const event = ok[0] as Record<string, unknown>;
    expect(Object.getPrototypeOf(event)).toBe(Object.prototype);
    expect(Object.hasOwn(event, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((event as { polluted?: unknown }).polluted).toBeUndefined();
  });
});

describe('readJsonFile and jsonReader', () => {
  it('reads files in every format', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-json-'));
    const files = {
      'a.json': JSON.stringify(objects, null, 2),
      'b.jsonl': objects.map((o) => JSON.stringify(o)).join('\n'),
      'c.txt': objects.map((o) => JSON.stringify(o, null, 2)).join(''),
    };
    for (const [name, text] of Object.entries(files)) {
      const path = join(dir, name);
      await writeFile(path, text);
      const got = await items(readJsonFile(path));
      expect(got.map((r) => (r as { event: unknown }).event)).toEqual(objects);
      expect(await items(jsonReader.read(path))).toEqual(got);
    }
  });

  it('turns a missing file or a directory into one json.io error item', async () => {
    for (const path of ['/nonexistent/vigil/x.json', tmpdir(), 'bad\0name.json']) {
      const got = await items(readJsonFile(path));
      expect(got).toEqual([expect.objectContaining({ code: 'json.io', file: path })]);
    }
  });

  it('keeps what was read before an input failure, then reports it once', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.from('{"a":1}\n{"b":');
      throw new Error('disk on fire');
    }
    const got = await items(readJsonRecords(failing(), 'f'));
    expect(got).toEqual([
      expect.objectContaining({ event: { a: 1 } }),
      expect.objectContaining({
        code: 'json.io',
        message: expect.stringContaining('disk on fire'),
        offset: 13,
      }),
    ]);
  });

  it('closes the input when the consumer stops early', async () => {
    let closed = false;
    async function* input(): AsyncGenerator<Buffer> {
      try {
        for (;;) yield Buffer.from('{"a":1}\n');
      } finally {
        closed = true;
      }
    }
    for await (const r of readJsonRecords(input(), 'i')) if (r.ok) break;
    expect(closed).toBe(true);
  });

  it('accepts JSON names and JSON-looking heads, nothing else', () => {
    const head = (s: string) => Buffer.from(s);
    expect(jsonReader.accepts('x.json', head(''))).toBe(true);
    expect(jsonReader.accepts('X.NDJSON', head('garbage'))).toBe(true);
    expect(jsonReader.accepts('x.jsonl', head(''))).toBe(true);
    expect(jsonReader.accepts('events.log', head('  \n{"a":1}'))).toBe(true);
    expect(jsonReader.accepts('events.log', Buffer.concat([BOM, head('[{')]))).toBe(true);
    expect(jsonReader.accepts('dump.txt', head('Record 1\n{\n  "Event"'))).toBe(true);
    expect(jsonReader.accepts('x.evtx', head('ElfFile\0'))).toBe(false);
    expect(jsonReader.accepts('x.csv', head('a,b\n1,2'))).toBe(false);
    expect(jsonReader.accepts('x.log', head(''))).toBe(false);
  });
});
