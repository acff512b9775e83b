import { describe, expect, it } from 'vitest';
import { parseRules } from '../detect/sigma/parse/rule.js';
import type { TenantSuppression } from '../detect/suppressions.js';
import { Mappings } from '../normalize/index.js';
import {
  ControlMessageError,
  decodeRuleChanges,
  decodeSuppressions,
  detectorWith,
  encodeRuleChanges,
  encodeSuppressions,
  sameRuleChanges,
} from './control.js';

const bytes = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

const rule = (id: string, title: string, tool: string) =>
  [
    `title: ${title}`,
    `id: ${id}`,
    'level: high',
    'logsource: { category: process_creation, product: windows }',
    'detection:',
    '  selection:',
    `    Image|endswith: '\\\\${tool}'`,
    '  condition: selection',
  ].join('\n');

const A = '0d6f6a57-3c57-4f0e-9d0b-6f6f0a1b2c01';
const B = '0d6f6a57-3c57-4f0e-9d0b-6f6f0a1b2c02';

const suppression = (over: Partial<TenantSuppression> = {}): TenantSuppression => ({
  tenant: 'default',
  id: 's1',
  ruleId: A,
  entity: '',
  field: '',
  value: '',
  reason: 'lab host',
  author: 'ana (abc)',
  created: 1,
  expires: 0,
  ...over,
});

describe('control messages', () => {
  it('round-trips rule changes, and equal sets encode equal whatever their order', () => {
    const c = {
      uploaded: [
        { id: B, yaml: 'b' },
        { id: A, yaml: 'a' },
      ],
      disabled: ['x', 'a', 'x'],
    };
    const back = decodeRuleChanges(encodeRuleChanges(c));
    expect(back.problems).toEqual([]);
    expect(back.changes).toEqual({
      uploaded: [
        { id: A, yaml: 'a' },
        { id: B, yaml: 'b' },
      ],
      disabled: ['a', 'x'],
    });
    expect(sameRuleChanges(c, back.changes)).toBe(true);
    expect(sameRuleChanges(c, { ...c, disabled: [] })).toBe(false);
  });

  it('refuses rules messages that are not JSON, not an object, of another version or without lists', () => {
    for (const [input, message] of [
      ['{"v":1,', /not JSON/],
      ['[1,2]', /not a JSON object/],
      ['null', /not a JSON object/],
      [{ v: 2, uploaded: [], disabled: [] }, /unknown version 2/],
      [{ uploaded: [], disabled: [] }, /unknown version undefined/],
      [{ v: 1, uploaded: {}, disabled: [] }, /"uploaded" and "disabled" lists/],
      [{ v: 1, uploaded: [] }, /"uploaded" and "disabled" lists/],
    ] as const) {
      expect(() => decodeRuleChanges(bytes(input))).toThrow(ControlMessageError);
      expect(() => decodeRuleChanges(bytes(input))).toThrow(message);
    }
  });

  it('keeps the good entries of a rules message and names the bad ones', () => {
    const { changes, problems } = decodeRuleChanges(
      bytes({
        v: 1,
        uploaded: [
          { id: A, yaml: 'ok' },
          { id: '', yaml: 'x' },
          { id: B },
          'text',
          null,
          { id: 7, yaml: 'y' },
        ],
        disabled: ['r1', 3, null, 'r2', { __proto__: 'x' }],
      }),
    );
    expect(changes).toEqual({ uploaded: [{ id: A, yaml: 'ok' }], disabled: ['r1', 'r2'] });
    expect(problems).toEqual([
      'uploaded[1] is not {id, yaml}',
      'uploaded[2] is not {id, yaml}',
      'uploaded[3] is not {id, yaml}',
      'uploaded[4] is not {id, yaml}',
      'uploaded[5] is not {id, yaml}',
      'disabled[1] is not a string',
      'disabled[2] is not a string',
      'disabled[4] is not a string',
    ]);
  });

  it('round-trips suppressions with their fields in one order, dropping unknown fields', () => {
    const s = suppression();
    const shuffled = { ...Object.fromEntries(Object.entries(s).reverse()), extra: 'dropped' };
    expect(
      encodeSuppressions([s]).equals(encodeSuppressions([shuffled as unknown as TenantSuppression])),
    ).toBe(true);
    expect(decodeSuppressions(encodeSuppressions([s]))).toEqual({ list: [s], problems: [] });
  });

  it('keeps the good suppressions of a damaged list and names the bad ones', () => {
    const good = suppression({ id: 's2' });
    const { list, problems } = decodeSuppressions(
      bytes({
        v: 1,
        list: [
          good,
          { ...good, tenant: 5 },
          { ...good, expires: 'never' },
          { ...good, created: null },
          'x',
          null,
          [],
        ],
      }),
    );
    expect(list).toEqual([good]);
    expect(problems).toEqual([
      'list[1]: bad "tenant"',
      'list[2]: bad "expires"',
      'list[3]: bad "created"',
      'list[4]: not an object',
      'list[5]: not an object',
      'list[6]: bad "tenant"',
    ]);
    expect(() => decodeSuppressions(bytes({ v: 1 }))).toThrow(/needs a "list"/);
    expect(() => decodeSuppressions(bytes('\u0000\u0001'))).toThrow(/not JSON/);
  });
});

describe('a worker rule set from the changes', () => {
  const mappings = Mappings.load();
  const base = parseRules(rule(A, 'Pack Rule', 'pack_tool.exe'), 'pack.yml').rules;
  const titles = (c: Parameters<typeof detectorWith>[1]) =>
    detectorWith(base, c, mappings)
      .detector.rules.map((r) => r.title)
      .sort();

  it('adds uploaded rules to its own and leaves out the switched-off ones', () => {
    expect(titles({ uploaded: [], disabled: [] })).toEqual(['Pack Rule']);
    const up = { id: B, yaml: rule(B, 'Uploaded Rule', 'up_tool.exe') };
    expect(titles({ uploaded: [up], disabled: [] })).toEqual(['Pack Rule', 'Uploaded Rule']);
    expect(titles({ uploaded: [up], disabled: [A] })).toEqual(['Uploaded Rule']);
    expect(titles({ uploaded: [up], disabled: [B] })).toEqual(['Pack Rule']);
    // Switches name rules by id (or Sigma name), not by title.
    expect(titles({ uploaded: [up], disabled: ['Uploaded Rule'] })).toEqual(['Pack Rule', 'Uploaded Rule']);
  });

  it("keeps the pack's rule when an upload reuses its id, and counts uploads that do not parse", () => {
    const clash = { id: A, yaml: rule(A, 'Impostor', 'other.exe') };
    expect(titles({ uploaded: [clash], disabled: [] })).toEqual(['Pack Rule']);
    const broken = { id: B, yaml: 'title: x\ndetection: [unclosed' };
    const built = detectorWith(base, { uploaded: [broken], disabled: [] }, mappings);
    expect(built.errors.length).toBeGreaterThan(0);
    expect(built.detector.rules.map((r) => r.title)).toEqual(['Pack Rule']);
  });
});
