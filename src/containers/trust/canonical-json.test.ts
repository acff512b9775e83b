import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys, drops white space and escapes only quote and backslash', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x"y\\z', -5], c: { z: {}, y: [] } })).toBe(
      '{"a":[true,null,"x\\"y\\\\z",-5],"b":1,"c":{"y":[],"z":{}}}',
    );
  });

  it('writes control characters and non-ASCII as they are', () => {
    expect(canonicalJson({ s: 'line\nbreak\ttab\u0001é' })).toBe('{"s":"line\nbreak\ttab\u0001é"}');
  });

  it('orders keys by UTF-8 bytes, not UTF-16 code units', () => {
    // U+FF61 is EF BD A1 in UTF-8 and sorts before U+1F600 (F0 9F 98 80); in UTF-16 it sorts after.
    expect(canonicalJson({ '\u{1F600}': 1, '\uFF61': 2 })).toBe('{"\uFF61":2,"\u{1F600}":1}');
  });

  it.each([[1.5], [Number.NaN], [Infinity], [2 ** 60]])('has no form for the number %s', (n) => {
    expect(() => canonicalJson({ n })).toThrow(/no form for the number/);
  });

  it('refuses values JSON has no place for, and nesting bombs', () => {
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/function/);
    expect(() => canonicalJson({ u: undefined })).toThrow(/undefined/);
    let deep: unknown = 1;
    for (let i = 0; i < 200; i++) deep = [deep];
    expect(() => canonicalJson(deep)).toThrow(/deeper than 100/);
  });

  it('is JSON that parses back to the value, and a fixed point', () => {
    // Control characters are written raw, which JSON.parse refuses; they are tested above.
    const text = fc.string().filter((s) => ![...s].some((c) => c.charCodeAt(0) < 0x20));
    const value = fc.letrec((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        fc.integer(),
        text,
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('v')),
        fc.dictionary(text, tie('v')),
      ),
    })).v;
    fc.assert(
      fc.property(value, (v) => {
        const out = canonicalJson(v);
        const back: unknown = JSON.parse(out);
        expect(back).toEqual(v);
        expect(canonicalJson(back)).toBe(out);
      }),
    );
  });
});
