import { describe, expect, it } from 'vitest';
import { viewOf } from '../engine/event-view.js';
import { RuleSet } from '../engine/ruleset.js';
import { parseRules } from '../parse/rule.js';
import { ruleWith } from '../testing/helpers.js';
import { compileRules, type LogsourceVariant } from './rules.js';

const VARIANTS: LogsourceVariant[] = [
  { name: 'windows', conditions: [{ field: 'Channel', values: ['Security'] }], fields: {} },
  { name: 'syslog', conditions: [{ field: 'event.module', values: ['syslog'] }], fields: {} },
];

describe('rules are bucketed by every field a logsource condition names', () => {
  const parsed = parseRules(ruleWith('keywords: [mimikatz]\ncondition: keywords'), 'test.yml');
  const out = compileRules(parsed.rules, () => VARIANTS);

  it('lists the condition fields after the default ones, with each variant’s values', () => {
    expect(out.errors).toEqual([]);
    expect(out.bucketFields).toEqual(['_source', 'Channel', 'EventID', 'event.module']);
    expect(out.compiled.map((c) => [c.variant, c.buckets])).toEqual([
      ['windows', [null, ['security'], null, null]],
      ['syslog', [null, null, null, ['syslog']]],
    ]);
  });

  it('so an event meets only the variants of its own source', () => {
    const set = new RuleSet(
      out.compiled.map((c) => ({
        payload: c.variant,
        pred: c.pred,
        indexed: c.detection,
        buckets: c.buckets,
      })),
      { bucketFields: out.bucketFields },
    );
    const windows = { Channel: 'Security', EventID: 4688, CommandLine: 'mimikatz.exe' };
    expect(set.match(viewOf(windows))).toEqual(['windows']);
    expect(set.evaluations).toBe(1);
    expect(set.match(viewOf({ 'event.module': 'syslog', message: 'MIMIKATZ' }))).toEqual(['syslog']);
    expect(set.evaluations).toBe(2);
    // Neither source: the keyword is never looked for.
    expect(set.match(viewOf({ Channel: 'System', message: 'mimikatz' }))).toEqual([]);
    expect(set.evaluations).toBe(2);
  });
});
