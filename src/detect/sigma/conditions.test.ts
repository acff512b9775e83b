import { describe, expect, it } from 'vitest';
import { parseCondition } from './parse/condition.js';
import { parseRules } from './parse/rule.js';
import { compileYaml, matches, ruleWith } from './testing/helpers.js';

const three = `a:\n  A: 1\nb:\n  B: 1\nc:\n  C: 1`;
const rule = (condition: string, searches = three) =>
  compileYaml(ruleWith(`${searches}\ncondition: ${condition}`));

describe('condition grammar', () => {
  it('binds not tighter than and, and tighter than or', () => {
    const p = rule('a or b and not c');
    expect(matches(p, { A: 1, C: 1 })).toBe(true);
    expect(matches(p, { B: 1 })).toBe(true);
    expect(matches(p, { B: 1, C: 1 })).toBe(false);
  });

  it('honours parentheses', () => {
    const p = rule('(a or b) and not c');
    expect(matches(p, { A: 1, C: 1 })).toBe(false);
    expect(matches(p, { A: 1 })).toBe(true);
  });

  it('supports 1 of, any of, all of, N of, and them', () => {
    const s = `sel_a:\n  A: 1\nsel_b:\n  B: 1\n_hidden:\n  H: 1\nfilter:\n  F: 1`;
    expect(matches(rule('1 of sel_*', s), { B: 1 })).toBe(true);
    expect(matches(rule('any of sel_*', s), { B: 1 })).toBe(true);
    expect(matches(rule('all of sel_*', s), { B: 1 })).toBe(false);
    expect(matches(rule('all of sel_*', s), { A: 1, B: 1 })).toBe(true);
    expect(matches(rule('all of them', s), { A: 1, B: 1, F: 1 })).toBe(true); // _hidden is not part of them
    expect(matches(rule('2 of them', s), { A: 1, F: 1 })).toBe(true);
    expect(matches(rule('2 of them', s), { A: 1, H: 1 })).toBe(false);
    expect(matches(rule('all of sel_* and not 1 of filter*', s), { A: 1, B: 1, F: 1 })).toBe(false);
  });

  it('ORs a list of conditions', () => {
    const yaml = ruleWith(`${three}\ncondition:\n  - a and b\n  - c`);
    const p = compileYaml(yaml);
    expect(matches(p, { C: 1 })).toBe(true);
    expect(matches(p, { A: 1 })).toBe(false);
  });

  it('reports syntax errors with the position', () => {
    expect(() => parseCondition('a and (b or c', 7)).toThrow(/missing closing parenthesis/);
    expect(() => parseCondition('a and', 7)).toThrow(/ends too early/);
    expect(() => parseCondition('a b', 7)).toThrow(/unexpected "b" at column 3/);
    expect(() => parseCondition('sel* and a', 7)).toThrow(/needs `1 of`/);
    expect(() => parseCondition('selection | count() > 5', 7)).toThrow(/correlation rule/);
  });
});

describe('rule loading reports file:line and keeps going', () => {
  it('collects errors per document and returns the good rules', () => {
    const text = [
      ruleWith('sel:\n  A: 1\ncondition: sel'),
      '---',
      ruleWith('sel:\n  A: 1\ncondition: nosuch'),
      '---',
      'title: broken\nlogsource: {}\ndetection:\n  sel: {}\n  condition: sel\n',
      '---',
      ruleWith('sel:\n  A|contains: x\ncondition: 1 of other*'),
    ].join('\n');
    const out = parseRules(text, 'pack.yml');
    expect(out.rules).toHaveLength(1);
    expect(out.errors.map((e) => [e.location.line, e.message])).toEqual([
      [expect.any(Number), 'condition refers to unknown search identifier `nosuch`'],
      [expect.any(Number), 'search identifier `sel` is an empty map'],
      [expect.any(Number), '`other*` matches no search identifier'],
    ]);
    expect(out.errors[0]!.location.line).toBe(out.errors[0]!.location.line);
    expect(out.errors[0]!.describe()).toMatch(/^pack\.yml:\d+: /);
    // lines point into the right document
    const lines = out.errors.map((e) => e.location.line!);
    expect(lines[0]).toBeGreaterThan(10);
    expect(lines[1]).toBeGreaterThan(lines[0]!);
  });

  it('reports YAML syntax errors with their line', () => {
    const out = parseRules('title: x\ndetection:\n  sel:\n    A: [1, 2\n', 'bad.yml');
    expect(out.rules).toHaveLength(0);
    expect(out.errors[0]!.message).toMatch(/^YAML/);
    expect(out.errors[0]!.location.line).toBeGreaterThanOrEqual(4);
  });

  it('rejects duplicate keys, unknown levels and missing parts', () => {
    expect(parseRules('title: a\ntitle: b\n', 'x.yml').errors[0]!.message).toMatch(/unique/i);
    const noDetection = parseRules('title: a\nlogsource:\n  product: windows\n', 'x.yml');
    expect(noDetection.errors[0]!.message).toBe('missing `detection`');
    const level = parseRules(
      ruleWith('sel:\n  A: 1\ncondition: sel').replace('level: high', 'level: severe'),
      'x.yml',
    );
    expect(level.errors[0]!.message).toMatch(/unknown level "severe"/);
  });

  it('reads metadata: level, status, ATT&CK tags, false positives', () => {
    const text = `title: Test\nid: 11111111-1111-4111-8111-111111111111\nstatus: experimental\nlevel: critical\ntags:\n  - attack.execution\n  - attack.t1059.001\nfalsepositives:\n  - Admins\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  sel:\n    A: 1\n  condition: sel\n`;
    const r = parseRules(text, 'x.yml').rules[0]!;
    expect(r.type).toBe('detection');
    if (r.type !== 'detection') return;
    expect(r.level).toBe('critical');
    expect(r.status).toBe('experimental');
    expect(r.tags).toEqual(['attack.execution', 'attack.t1059.001']);
    expect(r.falsepositives).toEqual(['Admins']);
    expect(r.logsource).toEqual({ product: 'windows', category: 'process_creation' });
    expect(r.source).toEqual({ file: 'x.yml', line: 1 });
  });
});
