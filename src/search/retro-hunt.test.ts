import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSampleEvents } from '../demo/sample-events.js';
import { Detector } from '../detect/hunt/detector.js';
import { Correlator } from '../detect/sigma/correlation/engine.js';
import { loadRules, type LoadOutcome } from '../detect/sigma/load.js';
import { parseRules } from '../detect/sigma/parse/rule.js';
import { ColumnMapper, Mappings } from '../normalize/index.js';
import { ingestForTest } from '../pipeline/testing.js';
import { ChdbStore } from '../store/chdb.js';
import { migrate, type Store } from '../store/index.js';
import { retroHunt } from './retro-hunt.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-retro-'));
const now = Date.now();
const range = { from: now - 2 * 8.64e7, to: now + 3.6e6 };
const mappings = Mappings.load();
const columns = ColumnMapper.load();
let store: Store;
let pack: LoadOutcome;

beforeAll(async () => {
  store = new ChdbStore(join(dir, 'store'));
  await migrate(store, { retentionDays: 0 });
  pack = await loadRules([resolve(import.meta.dirname, '../../rules')]);
  const tools = { detector: new Detector(pack.rules, mappings), mappings, columns };
  await ingestForTest(store, tools, 'acme', generateSampleEvents({ now, seed: 5, background: 3000 }));
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const SHADOWS = `title: Shadow copies deleted
id: 6a0c1f52-9a41-4a3e-9f4e-0d9f5b7c2e11
status: test
level: high
tags: [attack.impact, attack.t1490]
logsource:
  product: windows
  category: process_creation
detection:
  selection:
    Image|endswith: '\\vssadmin.exe'
    CommandLine|contains|all: [delete, shadows]
  condition: selection
`;

describe('retro-hunt over stored events', () => {
  it('finds what live detection found, and alerts nothing twice', async () => {
    const live = await store.query<{ rule_id: string; event_id: string }>(
      "SELECT rule_id, event_id FROM alerts WHERE tenant = 'acme' AND kind = 'detection'",
    );
    expect(live.length).toBeGreaterThan(3);
    const r = await retroHunt(store, pack.rules, pack.errors, {
      tenant: 'acme',
      ...range,
      mappings,
      columns,
      storeAlerts: true,
    });
    expect(r.errors).toEqual([]);
    expect(r.alertsStored).toBe(0);
    const consumed = new Correlator(pack.rules).suppressedKeys();
    const isConsumed = (id: string) =>
      pack.rules.some((p) => p.id === id && [p.id, p.name].some((k) => k !== undefined && consumed.has(k)));
    expect(r.rules.some((x) => isConsumed(x.ruleId) && x.matches > 0)).toBe(true);
    for (const rule of r.rules.filter((x) => x.kind === 'detection' && !isConsumed(x.ruleId))) {
      const expected = live.filter((a) => a.rule_id === rule.ruleId).map((a) => a.event_id);
      expect(rule.eventIds.sort(), rule.title).toEqual(expected.sort());
      expect(rule.candidates).toBeGreaterThanOrEqual(rule.matches);
    }
    const correlations = await store.query<{ rule_id: string }>(
      "SELECT rule_id FROM alerts WHERE tenant = 'acme' AND kind = 'correlation'",
    );
    expect(correlations.length).toBeGreaterThan(0);
    for (const rule of r.rules.filter((x) => x.kind === 'correlation'))
      expect(rule.matches, rule.title).toBe(correlations.filter((c) => c.rule_id === rule.ruleId).length);
    const [{ n } = { n: '0' }] = await store.query<{ n: string }>(
      "SELECT count() AS n FROM events WHERE tenant = 'acme'",
    );
    // SQL narrows: no rule had to look at every stored event.
    for (const rule of r.rules) expect(rule.candidates, rule.title).toBeLessThan(Number(n) / 2);
  });

  it('runs a new rule over history and stores its alerts once', async () => {
    const parsed = parseRules(SHADOWS, 'shadows.yml');
    const run = () =>
      retroHunt(store, parsed.rules, parsed.errors, {
        tenant: 'acme',
        ...range,
        mappings,
        columns,
        storeAlerts: true,
      });
    const first = await run();
    expect(first.rules).toHaveLength(1);
    expect(first.rules[0]).toMatchObject({
      matches: 1,
      hosts: [{ host: 'WS07', matches: 1 }],
      truncated: false,
    });
    expect(first.alertsStored).toBe(1);
    expect((await run()).alertsStored).toBe(0);
    const [alert] = await store.query<Record<string, unknown>>(
      "SELECT host, level, fields FROM alerts WHERE tenant = 'acme' AND rule_id = '6a0c1f52-9a41-4a3e-9f4e-0d9f5b7c2e11'",
    );
    expect(alert).toMatchObject({ host: 'WS07', level: 'high', fields: { retro_hunt: first.runId } });
    const other = await retroHunt(store, parsed.rules, [], {
      tenant: 'else',
      ...range,
      mappings,
      columns,
      storeAlerts: false,
    });
    expect(other.rules[0]!.matches).toBe(0);
  });

  it('reports bad rules with file and line, and stops at the match limit', async () => {
    const parsed = parseRules(
      `${SHADOWS}---\ntitle: broken\nlogsource: {product: windows}\ndetection:\n  condition: nothing\n`,
      'two.yml',
    );
    const r = await retroHunt(store, [...parsed.rules, ...pack.rules], parsed.errors, {
      tenant: 'acme',
      ...range,
      mappings,
      columns,
      storeAlerts: false,
      maxMatches: 1,
    });
    expect(r.errors.map((e) => `${e.file}:${e.line}`)).toContain('two.yml:18');
    expect(r.rules.filter((x) => x.matches > 1)).toEqual([]);
  });
});
