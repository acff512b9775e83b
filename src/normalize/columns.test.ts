import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ColumnMapper } from './columns.js';
import type { FieldValue, Scalar } from './flat-event.js';

const mapper = ColumnMapper.load();

/** The conversions as first written (regexes and intermediate lists): the oracle for the fast ones. */
const oracle = {
  text(v: Scalar | undefined): string | null {
    if (v === undefined || v === null) return null;
    const t = typeof v === 'string' ? v : String(v);
    return t === '' || t === '-' ? null : t;
  },
  first(v: FieldValue | undefined): Scalar | undefined {
    if (Array.isArray(v)) return (v as readonly Scalar[]).find((x) => x !== null && x !== '');
    return v as Scalar | undefined;
  },
  int(v: Scalar | undefined): number | null {
    if (typeof v === 'number') return Number.isInteger(v) && v >= 0 && v <= 0xffffffff ? v : null;
    const t = oracle.text(v)?.trim();
    if (t === undefined) return null;
    const n = /^0x[0-9a-f]+$/i.test(t) ? Number.parseInt(t, 16) : /^\d+$/.test(t) ? Number(t) : NaN;
    return Number.isSafeInteger(n) && n <= 0xffffffff ? n : null;
  },
  list(v: FieldValue): string[] {
    return (Array.isArray(v) ? (v as readonly Scalar[]) : [v as Scalar])
      .flatMap((x) => (oracle.text(x) ?? '').split(/[,;]\s*/))
      .map((x) => x.trim().toLowerCase())
      .filter((x) => x !== '');
  },
  hashes(v: FieldValue): Record<string, string> {
    const names: Record<string, string> = {
      md5: 'hash_md5',
      sha1: 'hash_sha1',
      sha256: 'hash_sha256',
      imphash: 'hash_imphash',
    };
    const out: Record<string, string> = {};
    for (const item of (Array.isArray(v) ? (v as readonly Scalar[]) : [v as Scalar]).map(oracle.text))
      for (const part of (item ?? '').split(','))
        for (const [algo, column] of Object.entries(names)) {
          const eq = part.indexOf('=');
          if (eq > 0 && part.slice(0, eq).trim().toLowerCase() === algo)
            out[column] ??= part
              .slice(eq + 1)
              .trim()
              .toLowerCase();
        }
    return out;
  },
};

const oddText = fc.oneof(
  fc.constantFrom(
    '',
    '-',
    ' ',
    '0',
    '0x',
    '0X1F',
    '0x1g',
    ' 42 ',
    '4294967295',
    '4294967296',
    '1e3',
    '١٢',
    '\u00a012',
  ),
  fc.stringMatching(/^[0-9a-fA-FxX ]{0,12}$/),
  fc.string({ maxLength: 12 }),
);
const scalar: fc.Arbitrary<Scalar> = fc.oneof(
  oddText,
  fc.integer({ min: -5, max: 2 ** 33 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const value: fc.Arbitrary<FieldValue> = fc.oneof(scalar, fc.array(scalar, { maxLength: 4 }));
const hashText = fc
  .array(
    fc.tuple(
      fc.constantFrom('MD5', 'sha1', ' SHA256 ', 'IMPHASH', 'Sha256', 'crc', '', 'md5 '),
      fc.constantFrom('=', '==', ' = ', ''),
      fc.stringMatching(/^[0-9a-fA-F=, ]{0,8}$/),
    ),
    { maxLength: 6 },
  )
  .map((parts) => parts.map(([a, eq, v]) => `${a}${eq}${v}`).join(','));

describe('ColumnMapper conversions', () => {
  it('reads ints, hex ids, lists and Sysmon hashes as the regex-based conversions did', () => {
    fc.assert(
      fc.property(value, value, fc.oneof(hashText, value), value, (pid, to, hashes, port) => {
        const fields = new Map<string, FieldValue>([
          ['ProcessId', pid],
          ['To', to],
          ['Hashes', hashes],
          ['SourcePort', port],
        ]);
        const got = mapper.map(fields);
        const pidWant = pid === null ? null : oracle.int(oracle.first(pid));
        expect(got.process_pid ?? null).toBe(pidWant);
        const portWant = port === null ? null : oracle.int(oracle.first(port));
        expect(got.source_port ?? null).toBe(portWant);
        const list = to === null ? [] : oracle.list(to);
        expect(got.email_to ?? []).toEqual(list);
        const h = hashes === null ? {} : oracle.hashes(hashes);
        for (const c of ['hash_md5', 'hash_sha1', 'hash_sha256', 'hash_imphash'])
          expect([c, got[c]]).toEqual([c, h[c]]);
      }),
      { numRuns: 3000 },
    );
  });

  it('picks each column from its first present field, the same whether the event is small or huge', () => {
    const names = [
      'Computer',
      'Hostname',
      'host.name',
      'User',
      'TargetUserName',
      'SubjectUserName',
      'NewProcessId',
      'ProcessId',
      'Image',
      'NewProcessName',
      'CommandLine',
      'Hashes',
      'md5',
      'MD5',
      'sha256',
      'QueryName',
      'DestinationHostname',
      'To',
      'email.to.address',
      'EventID',
      'event.code',
      'Details',
    ];
    const padding = Array.from({ length: 300 }, (_, i): [string, FieldValue] => [`Junk${i}`, i]);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...names), value), { maxLength: 14 }), (pairs) => {
        const small = new Map<string, FieldValue>(pairs);
        const huge = new Map<string, FieldValue>([...padding, ...pairs]);
        expect(mapper.map(huge)).toEqual(mapper.map(small));
        expect(Object.keys(mapper.map(huge))).toEqual(Object.keys(mapper.map(small)));
      }),
      { numRuns: 2000 },
    );
    // the first listed field wins over a later one, whichever the event holds first
    const got = mapper.map(
      new Map<string, FieldValue>([
        ['Hostname', 'b'],
        ['Computer', ''],
        ['host.name', 'a'],
      ]),
    );
    expect(got.host).toBe('a');
  });

  it('fills hash columns from Hashes before the single-valued hash fields', () => {
    const got = mapper.map(
      new Map<string, FieldValue>([
        ['Hashes', 'SHA1=AA,MD5=BB,SHA256=CC,IMPHASH=DD,MD5=EE'],
        ['md5', 'ff'],
        ['sha256', ['x', 'y']],
      ]),
    );
    expect(got).toMatchObject({ hash_sha1: 'aa', hash_md5: 'bb', hash_sha256: 'cc', hash_imphash: 'dd' });
  });

  it('stays linear on hostile Hashes and lists', () => {
    const commas = ','.repeat(200_000);
    const got = mapper.map(
      new Map<string, FieldValue>([
        ['Hashes', `${commas}MD5=AB${commas}`],
        ['To', `${';'.repeat(200_000)}A@B.C`],
      ]),
    );
    expect(got.hash_md5).toBe('ab');
    expect(got.email_to).toEqual(['a@b.c']);
  });
});
