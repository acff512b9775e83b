import { describe, expect, it } from 'vitest';
import {
  buildEvtx,
  cdata,
  charRef,
  el,
  entityRef,
  pi,
  sub,
  text,
  v,
  type SubValue,
} from '../../../test/support/evtx-builder.js';
import { mutate, prng, readHostile } from './mutate.js';
import { readEvtxBuffer, stringifyJson, type EvtxError, type EvtxRecord } from './index.js';

const NS = [text('http://schemas.microsoft.com/win/2004/08/events/event')];

/** A Windows-like template: System with substitutions, EventData with named Data. */
const template = [
  el(
    'Event',
    [{ name: 'xmlns', value: NS }],
    [
      el(
        'System',
        [],
        [
          el(
            'Provider',
            [
              { name: 'Name', value: [sub(0)] },
              { name: 'Guid', value: [sub(1, true)] },
            ],
            null,
          ),
          el('EventID', [], [sub(2)]),
          el('TimeCreated', [{ name: 'SystemTime', value: [sub(3)] }], null),
          el('Security', [{ name: 'UserID', value: [sub(4, true)] }], null),
          el('Channel', [], [text('Test')]),
        ],
      ),
      el(
        'EventData',
        [],
        [
          el('Data', [{ name: 'Name', value: [text('Int')] }], [sub(5)]),
          el('Data', [{ name: 'Name', value: [text('Hex')] }], [sub(6)]),
          el('Data', [{ name: 'Name', value: [text('Big')] }], [sub(7)]),
          el('Data', [{ name: 'Name', value: [text('Bin')] }], [sub(8)]),
          el('Data', [{ name: 'Name', value: [text('When')] }], [sub(9)]),
          el('Data', [{ name: 'Name', value: [text('Flag')] }], [sub(10)]),
          el('Data', [{ name: 'Name', value: [text('Text')] }], [sub(11)]),
          el('Data', [{ name: 'Name', value: [text('Optional')] }], [sub(12, true)]),
          el('Data', [{ name: 'Name', value: [text('Real')] }], [sub(13)]),
          el('Data', [{ name: 'Name', value: [text('Size')] }], [sub(14)]),
          el('Data', [{ name: 'Name', value: [text('List')] }], [sub(15)]),
        ],
      ),
    ],
  ),
];

const GUID = '5f3870572ac2e043bf4c06f5698ffbd9'; // 5770385F-C22A-43E0-BF4C-06F5698FFBD9 in memory order
const SID = [1, 2, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0, 0xe8, 0x03, 0, 0]; // S-1-5-21-1000: revision, count, authority, sub-authorities

function values(overrides: Partial<Record<number, SubValue>> = {}): SubValue[] {
  const base: SubValue[] = [
    v.string('Provider-A'),
    v.guid(GUID),
    v.uint16(4688),
    v.fileTime(132539328001234567n), // 2021-01-01T00:00:00.1234567Z
    v.sid(SID),
    v.int32(-5),
    v.hex32(0xc000006d),
    v.uint64(18446744073709551615n),
    v.binary([0xde, 0xad, 0xbe, 0xef]),
    v.sysTime([2024, 5, 3, 1, 10, 20, 30, 456]),
    v.bool(true),
    v.string('a & <b> "c" \'d\'   '),
    v.string('present'),
    v.real64(1.5),
    v.sizeT64(0x7eecn),
    v.stringArray(['x', 'y']),
  ];
  for (const [k, val] of Object.entries(overrides)) base[Number(k)] = val!;
  return base;
}

function read(file: Buffer, options: { checksums?: 'strict' | 'lenient' } = {}) {
  const records: EvtxRecord[] = [];
  const errors: EvtxError[] = [];
  const warnings: EvtxError[] = [];
  for (const r of readEvtxBuffer(file, {
    ...options,
    file: 'synthetic.evtx',
    onWarning: (w) => warnings.push(w),
  })) {
    if (r.ok) records.push(r.value);
    else errors.push(r.error);
  }
  return { records, errors, warnings };
}

describe('EVTX values and rendering, on files written from scratch', () => {
  const file = buildEvtx({
    template,
    records: [
      { id: 1, values: values() },
      { id: 2, values: values({ 1: v.null(), 4: v.null(), 12: v.null() }) },
    ],
  });

  it('renders every value type as the evtx crate does in JSON', () => {
    const { records, errors } = read(file);
    expect(errors).toEqual([]);
    expect(records.map((r) => r.recordId)).toEqual([1, 2]);
    const json = records[0]!.toJSON();
    expect(json).toEqual({
      Event: {
        '#attributes': { xmlns: 'http://schemas.microsoft.com/win/2004/08/events/event' },
        System: {
          Provider: { '#attributes': { Name: 'Provider-A', Guid: '5770385F-C22A-43E0-BF4C-06F5698FFBD9' } },
          EventID: 4688,
          TimeCreated: { '#attributes': { SystemTime: '2021-01-01T00:00:00.123456Z' } },
          Security: { '#attributes': { UserID: 'S-1-5-21-1000' } },
          Channel: 'Test',
        },
        EventData: {
          Int: -5,
          Hex: '0xc000006d',
          Big: 18446744073709551615n,
          Bin: 'DEADBEEF',
          When: '2024-05-01T10:20:30.456000Z',
          Flag: true,
          Text: 'a & <b> "c" \'d\'',
          Optional: 'present',
          Real: 1.5,
          Size: '0x7eec',
          List: ['x', 'y'],
        },
      },
    });
    expect(stringifyJson(json)).toContain('"Big":18446744073709551615');
  });

  it('renders XML as Windows does: braces and lower case GUIDs, 100 ns times, escapes, arrays repeated', () => {
    const xml = read(file).records[0]!.toXml();
    expect(xml).toContain("<Provider Name='Provider-A' Guid='{5770385f-c22a-43e0-bf4c-06f5698ffbd9}'/>");
    expect(xml).toContain("<TimeCreated SystemTime='2021-01-01T00:00:00.1234567Z'/>");
    expect(xml).toContain("<Data Name='Text'>a &amp; &lt;b&gt; &quot;c&quot; &apos;d&apos;   </Data>");
    expect(xml).toContain("<Data Name='List'>x</Data><Data Name='List'>y</Data>");
    expect(
      xml.startsWith("<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"),
    ).toBe(true);
  });

  it('omits attributes and elements whose optional substitution is null', () => {
    const second = read(file).records[1]!;
    const json = second.toJSON() as {
      Event: { System: Record<string, unknown>; EventData: Record<string, unknown> };
    };
    expect(json.Event.System.Provider).toEqual({ '#attributes': { Name: 'Provider-A' } });
    expect(json.Event.System.Security).toBeNull();
    expect(json.Event.EventData).not.toHaveProperty('Optional');
    expect(second.toXml()).not.toContain('Optional');
  });

  it('decodes nested BinXml, character and entity references, CDATA and processing instructions', () => {
    const t = [
      el(
        'Event',
        [],
        [
          el('UserData', [], [sub(0)]),
          el('Note', [], [text('a'), charRef(0x41), entityRef('amp'), cdata('<raw>'), pi('pi', 'data')]),
        ],
      ),
    ];
    const nested = v.binxml([
      el(
        'Op',
        [{ name: 'xmlns', value: [text('urn:x')] }],
        [el('Id', [], [text('7')]), el('Id', [], [text('8')])],
      ),
    ]);
    const { records, errors } = read(buildEvtx({ template: t, records: [{ id: 1, values: [nested] }] }));
    expect(errors).toEqual([]);
    expect(records[0]!.toJSON()).toEqual({
      Event: {
        UserData: { Op: { '#attributes': { xmlns: 'urn:x' }, Id: '7', Id_1: '8' } },
        Note: 'aA&<raw>',
      },
    });
    expect(records[0]!.toXml()).toBe(
      "<Event><UserData><Op xmlns='urn:x'><Id>7</Id><Id>8</Id></Op></UserData><Note>a&#65;&amp;<![CDATA[<raw>]]><?pi data?></Note></Event>",
    );
  });

  it('gathers unnamed Data into #text', () => {
    const t = [
      el(
        'Event',
        [],
        [el('EventData', [], [el('Data', [], [sub(0)]), el('Data', [], [sub(1)]), el('Data', [], null)])],
      ),
    ];
    const { records } = read(
      buildEvtx({ template: t, records: [{ id: 1, values: [v.string('one'), v.uint32(2)] }] }),
    );
    expect(records[0]!.toJSON()).toEqual({ Event: { EventData: { Data: { '#text': ['one', 2, ''] } } } });
  });
});

describe('damage in files written from scratch', () => {
  const three = () => [1, 2, 3].map((id) => ({ id, values: values() }));

  it('a record with a wrong size costs that record only, reported at its offset', () => {
    let at = 0;
    const file = buildEvtx({
      template,
      records: three(),
      damage: (chunk, offsets) => {
        at = offsets[1]!;
        chunk.writeUInt32LE(0, offsets[1]! + 4);
      },
    });
    const { records, errors } = read(file, { checksums: 'lenient' });
    expect(records.map((r) => r.recordId)).toEqual([1, 3]);
    expect(errors.map((e) => [e.code, e.offset, e.recordsLost])).toEqual([
      ['evtx.record-header', 4096 + at, 1],
    ]);
  });

  it('a checksum mismatch is a warning in lenient mode and a loss in strict mode', () => {
    const file = buildEvtx({
      template,
      records: three(),
      damage: (chunk, offsets) => chunk.writeUInt8(chunk[offsets[2]! + 60]! ^ 1, offsets[2]! + 60),
    });
    const lenient = read(file);
    expect(lenient.warnings.map((w) => w.code)).toEqual(['evtx.chunk-data-checksum']);
    expect(lenient.records.length).toBeGreaterThanOrEqual(2);
    const strict = read(file, { checksums: 'strict' });
    expect(strict.records).toEqual([]);
    expect(strict.errors.map((e) => [e.code, e.recordsLost])).toEqual([['evtx.chunk-data-checksum', 3]]);
  });

  it('a bad chunk signature costs the chunk; a truncated file keeps its whole records', () => {
    const bad = buildEvtx({
      template,
      records: three(),
      damage: (chunk) => chunk.write('XXXXXXXX', 0, 'latin1'),
    });
    expect(read(bad).errors.map((e) => [e.code, e.offset])).toEqual([['evtx.chunk-magic', 4096]]);
    const whole = buildEvtx({ template, records: three() });
    const cut = whole.subarray(0, 4096 + whole.readUInt32LE(4096 + 48) - 100);
    const { records, errors } = read(cut);
    expect(records.map((r) => r.recordId)).toEqual([1, 2]);
    expect(errors.at(-1)!.code).toMatch(/evtx\.(chunk-truncated|record-header)/);
  });

  it('never throws on thousands of mutated copies', () => {
    const seed = buildEvtx({ template, records: three() });
    const random = prng(1);
    for (let i = 0; i < 2000; i++) readHostile(mutate(seed, random).bytes, new Set(['System', 'EventData']));
  });
});
