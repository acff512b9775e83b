import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readJsonRecords } from './index.js';

/** Cuts `buf` into pieces of the given sizes, used in turn. */
async function* pieces(buf: Buffer, sizes: number[]): AsyncGenerator<Buffer> {
  for (let i = 0, k = 0; i < buf.length; k++) {
    const size = sizes[k % sizes.length]!;
    yield buf.subarray(i, i + size);
    i += size;
  }
}

/** Cuts `text` into strings of whole code points, so no chunk ends inside a surrogate pair. */
async function* strings(text: string, sizes: number[]): AsyncGenerator<string> {
  const points = Array.from(text);
  for (let i = 0, k = 0; i < points.length; k++) {
    const size = sizes[k % sizes.length]!;
    yield points.slice(i, i + size).join('');
    i += size;
  }
}

async function collect(input: AsyncIterable<Buffer | string>) {
  const ok: unknown[] = [];
  const codes: string[] = [];
  for await (const r of readJsonRecords(input, 'p')) {
    if (r.ok) ok.push(r.value.event);
    else codes.push(r.error.code);
  }
  return { ok, codes };
}

const object = fc.dictionary(
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.jsonValue({ stringUnit: 'binary', maxDepth: 3 }),
  { maxKeys: 6 },
);
const sizes = fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 });
const lineBreak = fc.constantFrom('\n', '\r\n', '\n\n', '\r\n \r\n');
const gap = fc.constantFrom('', ' ', '\n', '\r\n', '\t\n\n');

/** The same objects written in every layout the reader accepts. */
function layouts(objects: object[], br: string, sep: string, bom: boolean): string[] {
  const prefix = bom ? '\ufeff' : '';
  return [
    JSON.stringify(objects),
    JSON.stringify(objects, null, 2),
    `[${objects.map((o) => JSON.stringify(o)).join(`,${br}`)}]`,
    objects.map((o) => JSON.stringify(o)).join(br) + br,
    objects.map((o) => JSON.stringify(o)).join(sep),
    objects.map((o) => JSON.stringify(o, null, 2)).join(sep),
    objects.map((o, i) => `Record ${i + 1}\n${JSON.stringify(o, null, 2)}\n`).join(''),
  ].map((text) => prefix + text);
}

describe('JSON reader properties', () => {
  it('every layout round-trips to the same objects under any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(object, { maxLength: 8 }),
        sizes,
        lineBreak,
        gap,
        fc.boolean(),
        async (objects, cuts, br, sep, bom) => {
          const expected = JSON.parse(JSON.stringify(objects)) as unknown[];
          for (const text of layouts(objects, br, sep, bom)) {
            expect(await collect(pieces(Buffer.from(text), cuts))).toEqual({ ok: expected, codes: [] });
            expect(await collect(strings(text, cuts))).toEqual({ ok: expected, codes: [] });
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('NDJSON keeps every good line around garbage lines', async () => {
    const garbage = fc.string({
      unit: fc.constantFrom('{', '}', '[', ']', '"', '\\', ':', ',', 'a', '1', ' ', 'é'),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(object, fc.option(garbage)), { maxLength: 10 }),
        sizes,
        async (rows, cuts) => {
          const lines = ['{"first":true}'];
          for (const [o, junk] of rows) {
            lines.push(JSON.stringify(o));
            if (junk !== null) lines.push(junk);
          }
          const expected = [{ first: true }, ...rows.map(([o]) => JSON.parse(JSON.stringify(o)) as unknown)];
          const { ok } = await collect(pieces(Buffer.from(lines.join('\n')), cuts));
          // Junk may itself hold a valid object; the good lines must all be there, in order.
          let k = 0;
          for (const event of ok) if (k < expected.length && isEqual(event, expected[k])) k++;
          expect(k).toBe(expected.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws, always ends, and accounts for every record it yields', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), sizes, async (bytes, cuts) => {
        const buf = Buffer.from(bytes);
        const whole = await collect(pieces(buf, [buf.length || 1]));
        expect(await collect(pieces(buf, cuts))).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });
});

function isEqual(a: unknown, b: unknown): boolean {
  try {
    expect(a).toEqual(b);
    return true;
  } catch {
    return false;
  }
}
