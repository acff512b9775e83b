import { describe, expect, it } from 'vitest';
import { parseJsonBody } from './bodies.js';

const body = (s: string) => Buffer.from(s, 'utf8');

describe('parseJsonBody', () => {
  it('takes plain NDJSON as sent: each line is kept as the original record', async () => {
    const r = await parseJsonBody(body('\uFEFF{"a": 1,  "b":"x"}\r\n\n{"c":[1,2]}\n'));
    expect(r.records).toEqual([{ a: 1, b: 'x' }, { c: [1, 2] }]);
    expect(r.lines).toEqual(['{"a": 1,  "b":"x"}', '{"c":[1,2]}']);
    expect(r.rejected).toEqual([]);
  });

  it('hands over the body bytes when they are exactly the lines, and not otherwise', async () => {
    const plain = Buffer.from('{"a":"é"}\n{"b":2}\n');
    expect((await parseJsonBody(plain)).linesBytes?.toString()).toBe('{"a":"é"}\n{"b":2}');
    expect((await parseJsonBody(Buffer.from('{"a":1}'))).linesBytes?.toString()).toBe('{"a":1}');
    for (const body of [
      '{"a":1}\r\n{"b":2}\r\n',
      '{"a":1}\n\n{"b":2}\n',
      ' {"a":1}\n',
      '{"a":1}\n{"b":2} \n',
    ]) {
      const parsed = await parseJsonBody(Buffer.from(body));
      expect(parsed.lines).toEqual(['{"a":1}', '{"b":2}'].slice(0, parsed.records.length));
      expect(parsed.linesBytes).toBeUndefined();
    }
    // Not UTF-8: the record is the decoded text, so the bytes are not taken as they are.
    const broken = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]);
    const parsed = await parseJsonBody(broken);
    expect(parsed.lines).toEqual(['{"a":"\ufffd\ufffd"}']);
    expect(parsed.linesBytes).toBeUndefined();
  });

  it('rejects a bad line with its number and keeps its neighbours', async () => {
    const r = await parseJsonBody(body('{"a":1}\n{"broken": \n{"b":2}\n[1]\n'));
    expect(r.records).toEqual([{ a: 1 }, { b: 2 }]);
    expect(r.lines).toBeUndefined();
    expect(r.rejected.map((x) => x.line)).toEqual([2, 4]);
    expect(r.rejected[0]!.reason).toMatch(/line 2/);
  });

  it('reads a JSON array and concatenated objects', async () => {
    expect((await parseJsonBody(body('[{"a":1},{"b":2}]'))).records).toEqual([{ a: 1 }, { b: 2 }]);
    expect((await parseJsonBody(body('{"a":1}{"b":2}'))).records).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it('refuses nesting beyond the limit on either path, and takes it up to the limit', async () => {
    const nested = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
    const deep = await parseJsonBody(body(`${nested(200)}\n{"ok":1}\n`), 128);
    expect(deep.records).toEqual([{ ok: 1 }]);
    expect(deep.rejected).toHaveLength(1);
    const fine = await parseJsonBody(body(`${nested(100)}\n`), 128);
    expect(fine.records).toHaveLength(1);
    expect(fine.lines).toHaveLength(1);
  });
});
