import { describe, expect, it } from 'vitest';
import { parseRules } from '../parse/rule.js';
import type { CorrelationRule } from '../model.js';
import { Correlator, type RuleHit } from './engine.js';

function correlation(body: string): CorrelationRule {
  const out = parseRules(
    `title: c\nid: corr-1\nname: corr\nlevel: high\ncorrelation:\n${body
      .trim()
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n')}\n`,
    'c.yml',
  );
  if (out.errors.length > 0) throw out.errors[0]!;
  return out.rules[0] as CorrelationRule;
}

function hit(rule: string, seconds: number, fields: Record<string, unknown> = {}): RuleHit<string> {
  return { keys: [rule], time: seconds * 1000, field: (n) => fields[n], event: `${rule}@${seconds}` };
}

function run(c: CorrelationRule, hits: RuleHit<string>[]) {
  const corr = new Correlator<string>([c]);
  const fired = hits.flatMap((h) => corr.push(h));
  return [...fired, ...corr.flush()];
}

describe('event_count', () => {
  const c = correlation(
    `type: event_count\nrules: [a]\ngroup-by: [Host]\ntimespan: 10s\ncondition:\n  gte: 3`,
  );

  it('fires when the count is reached inside the window, edge included', () => {
    const fired = run(c, [
      hit('a', 0, { Host: 'h' }),
      hit('a', 5, { Host: 'h' }),
      hit('a', 10, { Host: 'h' }),
    ]);
    expect(fired).toHaveLength(1);
    expect(fired[0]!.value).toBe(3);
    expect(fired[0]!.group).toEqual({ Host: 'h' });
    expect(fired[0]!.hits.map((h) => h.event)).toEqual(['a@0', 'a@5', 'a@10']);
  });

  it('does not fire when the first event has just left the window', () => {
    expect(
      run(c, [hit('a', 0, { Host: 'h' }), hit('a', 5, { Host: 'h' }), hit('a', 10.001, { Host: 'h' })]),
    ).toHaveLength(0);
  });

  it('counts each group apart, and ignores other rules', () => {
    const hits = [
      hit('a', 0, { Host: 'h1' }),
      hit('a', 1, { Host: 'h2' }),
      hit('b', 2, { Host: 'h1' }),
      hit('a', 3, { Host: 'h1' }),
      hit('a', 4, { Host: 'h2' }),
    ];
    expect(run(c, hits)).toHaveLength(0);
    expect(run(c, [...hits, hit('a', 5, { Host: 'h1' })])).toHaveLength(1);
  });

  it('fires once per burst', () => {
    const burst = [0, 1, 2, 3, 4, 5].map((s) => hit('a', s, { Host: 'h' }));
    expect(run(c, burst)).toHaveLength(2);
  });

  it('judges "fewer than" conditions when the window closes', () => {
    const few = correlation(
      `type: event_count\nrules: [a]\ngroup-by: [Host]\ntimespan: 10s\ncondition:\n  lt: 2`,
    );
    expect(run(few, [hit('a', 0, { Host: 'h' }), hit('a', 10, { Host: 'h' })])).toHaveLength(0);
    const fired = run(few, [hit('a', 0, { Host: 'h' }), hit('a', 10.5, { Host: 'h' })]);
    expect(fired.map((f) => f.value)).toEqual([1, 1]);
  });
});

describe('value_count', () => {
  const c = correlation(
    `type: value_count\nrules: [fail]\ngroup-by: [Src]\ntimespan: 1m\ncondition:\n  field: User\n  gt: 2`,
  );

  it('counts distinct values', () => {
    const hits = ['a', 'a', 'b', 'b'].map((u, i) => hit('fail', i, { Src: 's', User: u }));
    expect(run(c, hits)).toHaveLength(0);
    expect(run(c, [...hits, hit('fail', 60, { Src: 's', User: 'c' })])).toHaveLength(1);
    // at 62 s the two 'a' hits (0 s, 1 s) have left the window: only b and c remain
    expect(run(c, [...hits, hit('fail', 62, { Src: 's', User: 'c' })])).toHaveLength(0);
  });
});

describe('value aggregations', () => {
  it('value_sum and value_avg over a numeric field', () => {
    const sum = correlation(
      `type: value_sum\nrules: [x]\ngroup-by: [H]\ntimespan: 1h\ncondition:\n  field: Bytes\n  gt: 1000`,
    );
    expect(
      run(sum, [hit('x', 0, { H: 1, Bytes: 600 }), hit('x', 3600, { H: 1, Bytes: '401' })])[0]!.value,
    ).toBe(1001);
    expect(run(sum, [hit('x', 0, { H: 1, Bytes: 600 }), hit('x', 3601, { H: 1, Bytes: 401 })])).toHaveLength(
      0,
    );
    const avg = correlation(
      `type: value_avg\nrules: [x]\ngroup-by: [H]\ntimespan: 1h\ncondition:\n  field: Bytes\n  gt: 500`,
    );
    expect(run(avg, [hit('x', 0, { H: 1, Bytes: 400 }), hit('x', 10, { H: 1, Bytes: 700 })])[0]!.value).toBe(
      550,
    );
    expect(run(avg, [hit('x', 0, { H: 1, Bytes: 400 }), hit('x', 10, { H: 1, Bytes: 500 })])).toHaveLength(0);
  });

  it('value_median and value_percentile', () => {
    const median = correlation(
      `type: value_median\nrules: [x]\ngroup-by: [H]\ntimespan: 1h\ncondition:\n  field: N\n  gte: 5`,
    );
    expect(
      run(
        median,
        [1, 5, 9].map((n, i) => hit('x', i, { H: 1, N: n })),
      )[0]!.value,
    ).toBe(5);
    const pct = correlation(
      `type: value_percentile\nrules: [p]\ngroup-by: [H]\ntimespan: 1d\ncondition:\n  field: Image\n  lte: 10`,
    );
    const hits = Array.from({ length: 20 }, (_, i) =>
      hit('p', i, { H: 1, Image: i === 7 ? 'rare.exe' : 'common.exe' }),
    );
    const fired = run(pct, hits);
    expect(fired).toHaveLength(1);
    expect(fired[0]!.value).toBe(5);
    expect(fired[0]!.hits[0]!.field('Image')).toBe('rare.exe');
  });
});

describe('temporal', () => {
  const c = correlation(`type: temporal\nrules: [a, b, c]\ngroup-by: [User]\ntimespan: 5m`);

  it('needs every rule, in any order, within the window', () => {
    expect(
      run(c, [hit('c', 0, { User: 'u' }), hit('a', 100, { User: 'u' }), hit('b', 300, { User: 'u' })]),
    ).toHaveLength(1);
    expect(
      run(c, [hit('c', 0, { User: 'u' }), hit('a', 100, { User: 'u' }), hit('b', 300.5, { User: 'u' })]),
    ).toHaveLength(0);
    expect(
      run(c, [hit('c', 0, { User: 'u' }), hit('a', 1, { User: 'v' }), hit('b', 2, { User: 'u' })]),
    ).toHaveLength(0);
  });
});

describe('temporal_ordered', () => {
  const c = correlation(`type: temporal_ordered\nrules: [fail, success]\ngroup-by: [User]\ntimespan: 10m`);

  it('needs the rules in the given order', () => {
    expect(run(c, [hit('fail', 0, { User: 'u' }), hit('success', 600, { User: 'u' })])).toHaveLength(1);
    expect(run(c, [hit('success', 0, { User: 'u' }), hit('fail', 1, { User: 'u' })])).toHaveLength(0);
    expect(run(c, [hit('fail', 0, { User: 'u' }), hit('success', 600.001, { User: 'u' })])).toHaveLength(0);
  });
});

describe('aliases and chaining', () => {
  it('groups on differently named fields through aliases', () => {
    const c = correlation(
      `type: temporal\nrules: [internal_error, new_conn]\ngroup-by: [ip]\ntimespan: 10s\naliases:\n  ip:\n    internal_error: destination.ip\n    new_conn: source.ip`,
    );
    expect(
      run(c, [
        hit('internal_error', 0, { 'destination.ip': '1.2.3.4' }),
        hit('new_conn', 5, { 'source.ip': '1.2.3.4' }),
      ]),
    ).toHaveLength(1);
    expect(
      run(c, [
        hit('internal_error', 0, { 'destination.ip': '1.2.3.4' }),
        hit('new_conn', 5, { 'source.ip': '9.9.9.9' }),
      ]),
    ).toHaveLength(0);
  });

  it('feeds a fired correlation to correlations that refer to it', () => {
    const many = correlation(
      `type: event_count\nrules: [fail]\ngroup-by: [User]\ntimespan: 10m\ncondition:\n  gte: 3`,
    );
    const parsed = parseRules(
      `title: brute then success\nid: chain-1\nlevel: critical\ncorrelation:\n  type: temporal_ordered\n  rules: [corr, success]\n  group-by: [User]\n  timespan: 1h\n`,
      'chain.yml',
    );
    const chain = parsed.rules[0] as CorrelationRule;
    const corr = new Correlator<string>([many, chain]);
    const hits = [
      hit('fail', 0, { User: 'u' }),
      hit('fail', 1, { User: 'u' }),
      hit('fail', 2, { User: 'u' }),
      hit('success', 30, { User: 'u' }),
    ];
    const fired = hits.flatMap((h) => corr.push(h));
    expect(fired.map((f) => f.rule.id)).toEqual(['corr-1', 'chain-1']);
    expect(corr.suppressedKeys()).toEqual(new Set(['fail', 'corr', 'success']));
  });
});
