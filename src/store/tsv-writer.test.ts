import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tsvQuoted, tsvText } from './testing.js';
import { TsvBytes } from './tsv-writer.js';

function written(write: (w: TsvBytes) => void): Buffer {
  const w = new TsvBytes();
  write(w);
  return Buffer.from(w.bytes());
}

describe('TsvWriter', () => {
  const text = fc.oneof(
    fc.string(),
    fc.string({ unit: 'grapheme' }),
    fc.string({ unit: 'binary' }),
    fc.string({ minLength: 24, maxLength: 200 }),
    fc.string({ unit: 'binary', minLength: 24, maxLength: 200 }),
  );

  it('writes any text as UTF-8 with its escapes, short or long, as a value and quoted', () => {
    fc.assert(
      fc.property(text, (s) => {
        expect(written((w) => w.text(s))).toEqual(Buffer.from(tsvText(s)));
        expect(written((w) => w.quoted(s))).toEqual(Buffer.from(tsvQuoted(s)));
      }),
    );
  });

  it('writes lone surrogates as U+FFFD, as Buffer.from does, on both paths', () => {
    for (const s of [
      'a\ud800',
      '\udc00b',
      '\ud83d\ude00',
      `${'x'.repeat(30)}\ud800`,
      `\udc00${'y'.repeat(30)}`,
    ])
      expect(written((w) => w.text(s))).toEqual(Buffer.from(s));
  });

  it('writes numbers and ASCII as they are', () => {
    expect(
      written((w) => [0, 7, 10, 65535, Number.MAX_SAFE_INTEGER].forEach((n) => (w.uint(n), w.byte(0x20)))),
    ).toEqual(Buffer.from(`0 7 10 65535 ${Number.MAX_SAFE_INTEGER} `));
    expect(written((w) => w.ascii('2026-12-02 01:00:00.000'))).toEqual(
      Buffer.from('2026-12-02 01:00:00.000'),
    );
  });
});
