import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateCondition, parseCondition } from './conditions.js';
import { globMatch } from './glob.js';
import { subjectOfAlert, subjectOfIncident } from './subject.js';
import { testAlert, testIncident } from './testing.js';

const incident = subjectOfIncident(testIncident({ risk: 72, hosts: ['ws01', 'ws02'] }), 'created', 'default');

function holds(text: string, s = incident): boolean {
  const c = parseCondition(text);
  if (!c.ok) throw new Error(c.error);
  return evaluateCondition(c.condition, s);
}

describe('conditions', () => {
  it('compares numbers, severities, text and lists', () => {
    expect(holds('risk >= 70')).toBe(true);
    expect(holds('risk > 72')).toBe(false);
    expect(holds('alerts == 3')).toBe(true);
    expect(holds('hosts.count <= 5')).toBe(true);
    expect(holds('hosts.count < 2')).toBe(false);
    expect(holds('severity >= high')).toBe(true);
    expect(holds('severity < critical')).toBe(false);
    expect(holds('tactics contains impact')).toBe(true);
    expect(holds('tactics contains IMPACT')).toBe(true);
    expect(holds('not tactics contains impact')).toBe(false);
    expect(holds('hosts matches "ws*"')).toBe(true);
    expect(holds("title matches '*ransom*'")).toBe(true);
    expect(holds('title != "Something else"')).toBe(true);
    expect(holds('entities.hash.count == 2')).toBe(true);
    expect(holds('entities.domain contains evil.example')).toBe(true);
    expect(holds('entities.ip.count == 0')).toBe(true);
    expect(holds('rules contains rule-ransom')).toBe(true);
    expect(holds('change == created')).toBe(true);
    expect(holds('kind == incident')).toBe(true);
  });

  it('reads alerts as one-alert incidents', () => {
    const alert = subjectOfAlert(testAlert(), 'default');
    expect(holds('kind == alert', alert)).toBe(true);
    expect(holds('severity == high', alert)).toBe(true);
    expect(holds('entities.container contains abc123', alert)).toBe(true);
    expect(holds('tactics contains privilege-escalation', alert)).toBe(true);
    expect(holds('risk > 0', alert)).toBe(true);
  });

  it('refuses broken and hostile conditions with a reason', () => {
    const bad: [unknown, RegExp][] = [
      ['risk >= high', /not a number/],
      ['severity >= extreme', /not a severity/],
      ['tactics == impact', /contains or matches/],
      ['title > 3', /==, != or matches/],
      ['risk contains 3', /compared with/],
      ['nosuch == 1', /unknown field "nosuch"/],
      ['entities.planet contains x', /unknown entity type "planet"/],
      ['risk.count > 1', /only lists have .count/],
      ['risk >=', /value must be/],
      ['title == two words', /one word/],
      ['title == "unterminated', /one word/],
      ['process.exit(1)', /expected FIELD OP VALUE/],
      ['risk >= 1; drop table', /one word|not a number/],
      ['', /expected FIELD OP VALUE/],
      [42, /one line of text/],
      [{ risk: 70 }, /one line of text/],
      ['x'.repeat(10_000), /at most 500/],
    ];
    for (const [text, why] of bad) {
      const c = parseCondition(text);
      expect(c.ok, String(text)).toBe(false);
      if (!c.ok) expect(c.error).toMatch(why);
    }
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        const c = parseCondition(text);
        if (c.ok) evaluateCondition(c.condition, incident);
      }),
    );
  });
});

describe('glob', () => {
  it('matches * and ? without case', () => {
    expect(globMatch('*ransom*', 'Ransom Note Written')).toBe(true);
    expect(globMatch('ws0?', 'WS01')).toBe(true);
    expect(globMatch('ws0?', 'ws011')).toBe(false);
    expect(globMatch('a*b*c', 'axxbyyc')).toBe(true);
    expect(globMatch('a*b*c', 'axxbyy')).toBe(false);
    expect(globMatch('', '')).toBe(true);
    expect(globMatch('*', '')).toBe(true);
  });

  it('stays fast on patterns that make backtracking regexes explode', () => {
    const text = 'a'.repeat(5000);
    expect(globMatch('*a*a*a*a*a*a*a*a*b', text)).toBe(false);
  });
});
