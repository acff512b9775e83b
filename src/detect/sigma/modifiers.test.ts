import { describe, expect, it } from 'vitest';
import { compileYaml, matches, ruleWith } from './testing/helpers.js';

const rule = (detection: string) => compileYaml(ruleWith(detection));

describe('plain values', () => {
  it('matches case-insensitively by default, cased on request', () => {
    const p = rule(`sel:\n  Image: 'C:\\Windows\\System32\\CMD.exe'\ncondition: sel`);
    expect(matches(p, { Image: 'c:\\windows\\system32\\cmd.EXE' })).toBe(true);
    expect(matches(p, { Image: 'c:\\windows\\system32\\cmd.exe2' })).toBe(false);
    const cased = rule(`sel:\n  Image|cased: 'CMD.exe'\ncondition: sel`);
    expect(matches(cased, { Image: 'CMD.exe' })).toBe(true);
    expect(matches(cased, { Image: 'cmd.exe' })).toBe(false);
  });

  it('treats * and ? as wildcards, and escaped ones as text', () => {
    const p = rule(`sel:\n  F: 'a*b?c'\ncondition: sel`);
    expect(matches(p, { F: 'aXXXbYc' })).toBe(true);
    expect(matches(p, { F: 'abYc' })).toBe(true);
    expect(matches(p, { F: 'abc' })).toBe(false);
    const escaped = rule(`sel:\n  F: 'a\\*b\\?'\ncondition: sel`);
    expect(matches(escaped, { F: 'a*b?' })).toBe(true);
    expect(matches(escaped, { F: 'aXb?' })).toBe(false);
  });

  it('keeps a backslash literal unless it escapes a wildcard or a backslash', () => {
    const path = rule(`sel:\n  F|endswith: '\\reg.exe'\ncondition: sel`);
    expect(matches(path, { F: 'C:\\Windows\\reg.exe' })).toBe(true);
    const double = rule(`sel:\n  F: 'a\\\\*'\ncondition: sel`);
    // `\\*` is a backslash followed by a wildcard
    expect(matches(double, { F: 'a\\anything' })).toBe(true);
    expect(matches(double, { F: 'a*' })).toBe(false);
    const triple = rule(`sel:\n  F: 'a\\\\\\*'\ncondition: sel`);
    expect(matches(triple, { F: 'a\\*' })).toBe(true);
    expect(matches(triple, { F: 'a\\x' })).toBe(false);
  });

  it('compares numbers and strings by their text', () => {
    const p = rule(`sel:\n  EventID: 4688\ncondition: sel`);
    expect(matches(p, { EventID: 4688 })).toBe(true);
    expect(matches(p, { EventID: '4688' })).toBe(true);
    expect(matches(p, { EventID: 46880 })).toBe(false);
    const s = rule(`sel:\n  EventID: '4688'\ncondition: sel`);
    expect(matches(s, { EventID: 4688 })).toBe(true);
    const hex = rule(`sel:\n  Status: 0xC000006D\ncondition: sel`);
    expect(matches(hex, { Status: '0xc000006d' })).toBe(true);
  });

  it('tells null, absent and empty apart', () => {
    const isNull = rule(`sel:\n  F: null\ncondition: sel`);
    expect(matches(isNull, {})).toBe(true);
    expect(matches(isNull, { F: null })).toBe(true);
    expect(matches(isNull, { F: '' })).toBe(false);
    expect(matches(isNull, { F: 'x' })).toBe(false);
    const empty = rule(`sel:\n  F: ''\ncondition: sel`);
    expect(matches(empty, { F: '' })).toBe(true);
    // the evtx crate renders empty elements as null
    expect(matches(empty, { F: null })).toBe(true);
    expect(matches(empty, {})).toBe(false);
    expect(matches(empty, { F: 'x' })).toBe(false);
  });

  it('ORs list values, ANDs map entries, and ORs maps in a list', () => {
    const p = rule(`sel:\n  A: [x, y]\n  B: z\ncondition: sel`);
    expect(matches(p, { A: 'y', B: 'z' })).toBe(true);
    expect(matches(p, { A: 'y', B: 'q' })).toBe(false);
    const list = rule(`sel:\n  - A: x\n  - B: y\ncondition: sel`);
    expect(matches(list, { B: 'y' })).toBe(true);
    expect(matches(list, { C: 'y' })).toBe(false);
  });

  it('matches any element of a multi-valued field', () => {
    const p = rule(`sel:\n  Data: second\ncondition: sel`);
    expect(matches(p, { Data: ['first', 'second'] })).toBe(true);
  });
});

describe('string modifiers', () => {
  it('contains, startswith, endswith', () => {
    expect(matches(rule(`s:\n  F|contains: mid\ncondition: s`), { F: 'xxMIDxx' })).toBe(true);
    expect(matches(rule(`s:\n  F|startswith: ab\ncondition: s`), { F: 'ABc' })).toBe(true);
    expect(matches(rule(`s:\n  F|startswith: ab\ncondition: s`), { F: 'cab' })).toBe(false);
    expect(matches(rule(`s:\n  F|endswith: '.EXE'\ncondition: s`), { F: 'a.exe' })).toBe(true);
  });

  it('all with contains needs every value', () => {
    const p = rule(`s:\n  F|contains|all: [' -a ', ' -b ']\ncondition: s`);
    expect(matches(p, { F: 'x -a  -b y' })).toBe(true);
    expect(matches(p, { F: 'x -a y' })).toBe(false);
  });

  it('windash accepts every dash and slash form of a flag', () => {
    const p = rule(`s:\n  F|windash|contains: ' -enc '\ncondition: s`);
    for (const dash of ['-', '/', '\u2013', '\u2014', '\u2015'])
      expect(matches(p, { F: `powershell ${dash}enc abc` })).toBe(true);
    expect(matches(p, { F: 'powershell enc abc' })).toBe(false);
    // a dash inside a word is not a flag
    const inner = rule(`s:\n  F|windash: 'a-b'\ncondition: s`);
    expect(matches(inner, { F: 'a/b' })).toBe(false);
    expect(matches(inner, { F: 'a-b' })).toBe(true);
  });

  it('re with flags i, m, s; case-sensitive by default', () => {
    expect(matches(rule(`s:\n  F|re: '^ab+c$'\ncondition: s`), { F: 'abbbc' })).toBe(true);
    expect(matches(rule(`s:\n  F|re: '^ab+c$'\ncondition: s`), { F: 'ABBC' })).toBe(false);
    expect(matches(rule(`s:\n  F|re|i: '^ab+c$'\ncondition: s`), { F: 'ABBC' })).toBe(true);
    expect(matches(rule(`s:\n  F|re|m: '^b$'\ncondition: s`), { F: 'a\nb\nc' })).toBe(true);
    expect(matches(rule(`s:\n  F|re: '^b$'\ncondition: s`), { F: 'a\nb\nc' })).toBe(false);
    expect(matches(rule(`s:\n  F|re|s: 'a.c'\ncondition: s`), { F: 'a\nc' })).toBe(true);
    expect(matches(rule(`s:\n  F|re: 'a.c'\ncondition: s`), { F: 'a\nc' })).toBe(false);
    expect(matches(rule(`s:\n  F|re: '(?i)^abc'\ncondition: s`), { F: 'ABC' })).toBe(true);
  });

  it('base64 and base64offset find encoded text at any offset', () => {
    const b64 = rule(`s:\n  F|base64: 'http://'\ncondition: s`);
    expect(matches(b64, { F: Buffer.from('http://').toString('base64') })).toBe(true);
    const off = rule(`s:\n  F|base64offset|contains: 'http://evil'\ncondition: s`);
    for (const prefix of ['', 'a', 'ab', 'abc', 'xyzw']) {
      const encoded = Buffer.from(`${prefix}http://evil.example/x`).toString('base64');
      expect(matches(off, { F: `cmd ${encoded} end` })).toBe(true);
    }
    expect(matches(off, { F: Buffer.from('http://good').toString('base64') })).toBe(false);
  });

  it('utf16 variants feed base64', () => {
    const wide = rule(`s:\n  F|wide|base64offset|contains: 'ping'\ncondition: s`);
    const encoded = Buffer.from('cmd /c ping 1.1.1.1', 'utf16le').toString('base64');
    expect(matches(wide, { F: `-enc ${encoded}` })).toBe(true);
    const be = rule(`s:\n  F|utf16be|base64: 'ab'\ncondition: s`);
    expect(matches(be, { F: Buffer.from([0, 0x61, 0, 0x62]).toString('base64') })).toBe(true);
    const bom = rule(`s:\n  F|utf16|base64: 'a'\ncondition: s`);
    expect(matches(bom, { F: Buffer.from([0xff, 0xfe, 0x61, 0]).toString('base64') })).toBe(true);
  });

  it('rejects encodings of wildcard values and utf16 without base64', () => {
    expect(() => rule(`s:\n  F|base64: 'a*'\ncondition: s`)).toThrow(/wildcards/);
    expect(() => rule(`s:\n  F|utf16le: 'a'\ncondition: s`)).toThrow(/base64/);
  });
});

describe('other modifiers', () => {
  it('cidr for IPv4 and IPv6', () => {
    const v4 = rule(`s:\n  Ip|cidr: 10.0.0.0/8\ncondition: s`);
    expect(matches(v4, { Ip: '10.200.3.4' })).toBe(true);
    expect(matches(v4, { Ip: '11.0.0.1' })).toBe(false);
    expect(matches(v4, { Ip: 'not an ip' })).toBe(false);
    const v6 = rule(`s:\n  Ip|cidr: 'fe80::/10'\ncondition: s`);
    expect(matches(v6, { Ip: 'fe80::1ff:fe23:4567:890a' })).toBe(true);
    expect(matches(v6, { Ip: '2001:db8::1' })).toBe(false);
    expect(() => rule(`s:\n  Ip|cidr: 10.0.0.0/33\ncondition: s`)).toThrow(/CIDR/);
  });

  it('exists true and false', () => {
    const yes = rule(`s:\n  F|exists: true\ncondition: s`);
    expect(matches(yes, { F: null })).toBe(true);
    expect(matches(yes, {})).toBe(false);
    const no = rule(`s:\n  F|exists: false\ncondition: s`);
    expect(matches(no, {})).toBe(true);
  });

  it('numeric comparisons', () => {
    const p = rule(`s:\n  N|gt: 10\n  N|lte: 20\ncondition: s`);
    expect(matches(p, { N: 15 })).toBe(true);
    expect(matches(p, { N: '20' })).toBe(true);
    expect(matches(p, { N: 10 })).toBe(false);
    expect(matches(p, { N: 'abc' })).toBe(false);
    expect(matches(rule(`s:\n  N|lt: 5\ncondition: s`), { N: 4.5 })).toBe(true);
    expect(matches(rule(`s:\n  N|gte: 5\ncondition: s`), { N: 5 })).toBe(true);
    expect(() => rule(`s:\n  N|gt: abc\ncondition: s`)).toThrow(/number/);
  });

  it('neq', () => {
    const p = rule(`s:\n  F|neq: [a, b]\ncondition: s`);
    expect(matches(p, { F: 'c' })).toBe(true);
    expect(matches(p, { F: 'A' })).toBe(false);
    expect(matches(p, {})).toBe(false);
  });

  it('fieldref compares two fields, also with contains', () => {
    const eq = rule(`s:\n  A|fieldref: B\ncondition: s`);
    expect(matches(eq, { A: 'X', B: 'x' })).toBe(true);
    expect(matches(eq, { A: 'X', B: 'y' })).toBe(false);
    const c = rule(`s:\n  A|fieldref|contains: B\ncondition: s`);
    expect(matches(c, { A: 'abc', B: 'b' })).toBe(true);
  });

  it('expand uses placeholder values, and wildcards unknown ones', () => {
    const yaml = ruleWith(`s:\n  User|expand: '%Admins%'\ncondition: s`);
    const p = compileYaml(yaml);
    expect(matches(p, { User: 'anyone' })).toBe(true);
    expect(() => compileYaml(`${yaml}`)).not.toThrow();
  });

  it('time modifiers extract parts of a date', () => {
    const p = rule(`s:\n  T|hour|gte: 22\ncondition: s`);
    expect(matches(p, { T: '2024-01-02T23:10:00Z' })).toBe(true);
    expect(matches(p, { T: '2024-01-02T08:10:00Z' })).toBe(false);
    expect(matches(rule(`s:\n  T|month: 2\ncondition: s`), { T: '2024-02-29 10:00:00.000' })).toBe(true);
    expect(matches(rule(`s:\n  T|week: 1\ncondition: s`), { T: '2024-01-03T00:00:00Z' })).toBe(true);
    expect(matches(rule(`s:\n  T|year: 2024\ncondition: s`), { T: Date.UTC(2024, 5, 1) })).toBe(true);
  });

  it('rejects unknown modifiers with the line', () => {
    expect(() => rule(`s:\n  F|bogus: x\ncondition: s`)).toThrow(/unknown modifier `bogus`/);
  });
});

describe('keywords', () => {
  it('search every value, as substrings', () => {
    const p = rule(`keywords:\n  - 'event::clear'\n  - 'drop'\ncondition: keywords`);
    expect(matches(p, { A: 'x', B: 'mimikatz EVENT::CLEAR' })).toBe(true);
    expect(matches(p, { A: 'nothing' })).toBe(false);
  });

  it('|all needs every keyword', () => {
    const p = rule(`keywords:\n  '|all':\n    - 'Oab'\n    - ' -ExternalUrl '\ncondition: keywords`);
    expect(matches(p, { A: 'Set-OabVirtualDirectory', B: 'x -ExternalUrl y' })).toBe(true);
    expect(matches(p, { A: 'Set-OabVirtualDirectory' })).toBe(false);
  });
});
