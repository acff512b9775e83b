import { describe, expect, it } from 'vitest';
import { alertFromJson, incidentFromJson } from './input.js';
import { testAlert, testIncident } from './testing.js';

describe('incidents and alerts from JSON', () => {
  it('reads what the API prints', () => {
    const inc = testIncident();
    expect(incidentFromJson(JSON.parse(JSON.stringify({ ...inc, state: {}, notes: [] })))).toMatchObject({
      id: 'inc-0001',
      risk: { score: 90 },
      hosts: ['ws01'],
    });
    expect(incidentFromJson({ id: 'i', title: 't', severity: 'low', risk: 12 })).toMatchObject({
      risk: { score: 12 },
      alertCount: 1,
      entities: [],
    });
    expect(alertFromJson(JSON.parse(JSON.stringify(testAlert())))).toEqual(testAlert());
  });

  it('names the field that is wrong', () => {
    const bad: [unknown, RegExp][] = [
      [null, /JSON object/],
      [[], /JSON object/],
      [{ id: 'i', title: 't', severity: 'nuclear', risk: 1 }, /severity/],
      [{ id: 'i', title: 't', severity: 'low', risk: 101 }, /risk/],
      [{ id: 'i', title: 't', severity: 'low', risk: '90' }, /risk/],
      [{ id: '', title: 't', severity: 'low', risk: 1 }, /id: required/],
      [{ id: 'i', title: 't', severity: 'low', risk: 1, hosts: 'ws01' }, /hosts: a list/],
      [
        { id: 'i', title: 't', severity: 'low', risk: 1, entities: [{ type: 'planet', value: 'x' }] },
        /entities\[0\]/,
      ],
      [{ id: 'i', title: 't', severity: 'low', risk: 1, rules: [{}] }, /rules/],
      [{ id: 'i', title: 't', severity: 'low', risk: 1, alertCount: -1 }, /alertCount/],
      [{ __proto__: { id: 'x' }, title: 't', severity: 'low', risk: 1 }, /id: required/],
    ];
    for (const [v, why] of bad) expect(() => incidentFromJson(v), JSON.stringify(v)).toThrow(why);
    expect(() => alertFromJson({ id: 'a', ruleId: 'r', title: 't', level: 'high', host: 7 })).toThrow(/host/);
    expect(() => alertFromJson({ id: 'a', title: 't', level: 'high' })).toThrow(/ruleId/);
  });
});
