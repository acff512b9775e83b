import { describe, expect, it } from 'vitest';
import { JsonError, readJsonRecords, type JsonReadOptions } from './index.js';

async function* chunked(input: string | Buffer, size: number): AsyncGenerator<Buffer> {
  const buf = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

/** Good events and error items of one read; the same at every chunk size tried. */
async function read(input: string | Buffer, options?: JsonReadOptions) {
  let first: { ok: unknown[]; errors: JsonError[] } | undefined;
  for (const size of [1 << 16, 1, 7]) {
    const ok: unknown[] = [];
    const errors: JsonError[] = [];
    for await (const r of readJsonRecords(chunked(input, size), 'bad.json', options)) {
      if (r.ok) ok.push(r.value.event);
      else {
        expect(r.error).toBeInstanceOf(JsonError);
        errors.push(r.error as JsonError);
      }
    }
    if (first === undefined) first = { ok, errors };
    else {
      expect(ok).toEqual(first.ok);
      expect(errors.map((e) => [e.code, e.location])).toEqual(first.errors.map((e) => [e.code, e.location]));
    }
  }
  return { ok: first!.ok, codes: first!.errors.map((e) => e.code), errors: first!.errors };
}

describe('malformed input costs only itself', () => {
  it('NDJSON: every bad line is one error item, every good line is kept', async () => {
    const text = [
      '{"a":1}',
      '{"b": tru}', // bad literal
      '{"c":3}',
      '{"d":1,}', // trailing comma
      'not json at all',
      '{"e":5}',
      '{"f": "unterminated', // string cut by the line end
      '{"g":7}',
      '{"h": [1, 2', // object cut by the line end
      '{"i":9}',
      '{"j":1}} extra', // stray text after a good object
      '{"k":11}',
    ].join('\n');
    const r = await read(text);
    expect(r.ok).toEqual([{ a: 1 }, { c: 3 }, { e: 5 }, { g: 7 }, { i: 9 }, { j: 1 }, { k: 11 }]);
    expect(r.codes).toEqual(Array(6).fill('json.syntax'));
    expect(r.errors.map((e) => e.location.line)).toEqual([2, 4, 5, 7, 9, 11]);
  });

  it('points a syntax error at its file, line, column and byte offset', async () => {
    const r = await read('{"a":1}\n{"b":2}\n{"c" 3}\n');
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.location).toEqual({ file: 'bad.json', line: 3, column: 6, offset: 21 });
    expect(r.errors[0]!.message).toMatch(/record from line 3.*':'/);
    expect(r.errors[0]!.describe()).toBe(`bad.json:3:6 @0x15: ${r.errors[0]!.message}`);
    const pretty = await read('{\n  "a": 1,\n  "b": 2,\n  "c" 3\n}\n{"d":4}');
    expect(pretty.ok).toEqual([{ d: 4 }]);
    expect(pretty.errors[0]!.location).toMatchObject({ line: 4, column: 7 });
  });

  it('array: bad elements are error items, the others are kept', async () => {
    const text = '[{"a":1}, {"b":[1}, {"c":3}, 42, "s", {"d":"x\n}, {"e":5}, {"f" 6}, {"g":7}]';
    const r = await read(text);
    expect(r.ok).toEqual([{ a: 1 }, { c: 3 }, { e: 5 }, { g: 7 }]);
    expect(r.codes).toEqual([
      'json.syntax',
      'json.not-object',
      'json.not-object',
      'json.syntax',
      'json.syntax',
    ]);
  });

  it('concatenated: an unclosed object ends where the next one starts', async () => {
    const a = JSON.stringify({ a: 1, n: { x: [1, 2] } }, null, 2);
    const cut = '{\n  "b": {\n    "x": [1, 2';
    const c = JSON.stringify({ c: 3 }, null, 2);
    for (const sep of ['\n', '']) {
      const r = await read([a, cut, c, cut + ']', a].join(sep));
      expect(r.ok).toEqual([JSON.parse(a), { c: 3 }, JSON.parse(a)]);
      expect(r.codes).toEqual(['json.syntax', 'json.syntax']);
    }
    const compact = await read('{"a":1}{"b":{"x":1}{"c":3}{"d":"}{"}');
    expect(compact.ok).toEqual([{ a: 1 }, { c: 3 }, { d: '}{' }]);
    expect(compact.codes).toEqual(['json.syntax']);
  });

  it('reports stray text between records once per token', async () => {
    const r = await read('{"a":1} garbage ] {"b":2}\n\u0000\u0000\u0000\n{"c":3}');
    expect(r.ok).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }]);
    expect(r.codes).toEqual(['json.syntax', 'json.syntax', 'json.syntax']);
    expect(r.errors[0]!.message).toMatch(/unexpected text "garbage"/);
  });
});

describe('truncated input', () => {
  it('reports a record cut by the end of input, keeping the ones before', async () => {
    for (const text of [
      '[{"a":1},{"b":',
      '{"a":1}\n{"b": [1, 2',
      '{\n  "a": 1\n}\n{\n  "b": "x',
      '{"a":1}\n"ab',
    ]) {
      const r = await read(text);
      expect(r.ok).toEqual([{ a: 1 }]);
      expect(r.codes).toEqual(['json.truncated']);
    }
    const r = await read('{"a":1}\n{"b":\n');
    expect(r.errors[0]!.location).toMatchObject({ line: 2, column: 1, offset: 8 });
  });

  it('reports an array whose closing bracket never came', async () => {
    const r = await read('[{"a":1},\n{"b":2},\n');
    expect(r.ok).toEqual([{ a: 1 }, { b: 2 }]);
    expect(r.codes).toEqual(['json.truncated']);
    expect(r.errors[0]!.location).toMatchObject({ line: 3, offset: 19 });
  });

  it('reads a number at the very end of input as a whole value', async () => {
    expect((await read('{"a":1}\n-12.5e3')).codes).toEqual(['json.not-object']);
  });
});

describe('values that are not objects', () => {
  it('are error items wherever they appear', async () => {
    const r = await read('42\n"text"\n[1, {"x": 2}]\nnull\ntrue\n-1.5e3\n{"ok":1}\n[]\n');
    expect(r.ok).toEqual([{ ok: 1 }]);
    expect(r.codes).toEqual(Array(7).fill('json.not-object'));
    expect(r.errors.map((e) => e.message)).toEqual([
      'top-level value is a number, not an object',
      'top-level value is a string, not an object',
      'top-level value is an array, not an object',
      'top-level value is null, not an object',
      'top-level value is a boolean, not an object',
      'top-level value is a number, not an object',
      'top-level value is an array, not an object',
    ]);
  });

  it('inside the top-level array too', async () => {
    const r = await read('[1, "two", [3], null, {"four": 4}]');
    expect(r.ok).toEqual([{ four: 4 }]);
    expect(r.codes).toEqual(Array(4).fill('json.not-object'));
  });
});

describe('hostile input', () => {
  const nest = (n: number) => `{"a":${'['.repeat(n - 1)}${']'.repeat(n - 1)}}`;

  it('limits nesting depth, and keeps the neighbours', async () => {
    expect((await read(`${nest(512)}\n{"b":1}`)).codes).toEqual([]);
    const r = await read(`{"a":0}\n${nest(513)}\n{"b":1}`);
    expect(r.ok).toEqual([{ a: 0 }, { b: 1 }]);
    expect(r.codes).toEqual(['json.too-deep']);
    expect(r.errors[0]!.location).toMatchObject({ line: 2, column: 517 });
    expect((await read(`${nest(4)}\n{"b":1}`, { maxDepth: 3 })).codes).toEqual(['json.too-deep']);
  });

  it('survives nesting far past any stack, open or closed', async () => {
    const deep = `{"a":0}\n${nest(200_000)}\n{"b":1}`;
    const r = await read(deep);
    expect(r.ok).toEqual([{ a: 0 }, { b: 1 }]);
    expect(r.codes).toEqual(['json.too-deep']);
    expect((await read('['.repeat(100_000))).codes).toEqual(['json.too-deep']);
  });

  it('skips a record over the size limit, and keeps the neighbours', async () => {
    const big = JSON.stringify({ x: 'y'.repeat(5000) });
    for (const text of [
      `{"a":1}\n${big}\n{"b":2}`,
      `[{"a":1}, ${big}, {"b":2}]`,
      `{"a":1}${big}{"b":2}`,
      `{"a":1}\n${'9'.repeat(5000)}\n{"b":2}`,
    ]) {
      const r = await read(text, { maxRecordBytes: 1000 });
      expect(r.ok).toEqual([{ a: 1 }, { b: 2 }]);
      expect(r.codes).toEqual(['json.too-large']);
      expect(r.errors[0]!.message).toMatch(/larger than 1000 bytes/);
    }
    expect((await read(big, { maxRecordBytes: big.length })).codes).toEqual([]);
  });

  it('never throws and always ends on junk', async () => {
    const junk = Buffer.from(Array.from({ length: 20_000 }, (_, i) => (i * 7919 + (i >> 3) * 31) & 0xff));
    const r = await read(junk);
    expect(r.ok.length + r.codes.length).toBeGreaterThan(0);
    expect((await read('"\\')).codes).toEqual(['json.truncated']);
    expect((await read('\ufeff\ufeff{"a":1}')).ok).toEqual([{ a: 1 }]);
    expect((await read(Buffer.from([0xef, 0xbb]))).codes).toEqual(['json.syntax']);
  });
});
