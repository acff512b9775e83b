import { describe, expect, it } from 'vitest';
import { generateScenario } from '../../demo/index.js';
import { ColumnMapper, Mappings } from '../../normalize/index.js';
import { Analytics } from './analytics.js';
import { projectForAnalytics } from './projection.js';
import type { AnalyticEvent, AnalyticFinding } from './types.js';

const mappings = Mappings.load();
const columns = ColumnMapper.load();

describe('projectForAnalytics', () => {
  it('changes no finding: the analytics see every field they read', () => {
    const scenario = generateScenario({ seed: 4, now: Date.parse('2026-11-20T12:00:00Z'), background: 2000 });
    const full = new Analytics();
    const projected = new Analytics();
    const a: AnalyticFinding[] = [];
    const b: AnalyticFinding[] = [];
    const events = scenario.events
      .map((e) => {
        const flat = mappings.flatten(e.record);
        return {
          time: flat.time ?? 0,
          fields: flat.fields,
          columns: columns.map(flat.fields),
        } as AnalyticEvent;
      })
      .sort((x, y) => x.time - y.time);
    for (const e of events) {
      a.push(...full.observe(e));
      b.push(...projected.observe(projectForAnalytics(e.time, e.fields, e.columns)));
    }
    const end = events.at(-1)!.time + 86_400_000;
    a.push(...full.advance(end));
    b.push(...projected.advance(end));
    const summary = (fs: AnalyticFinding[]) => fs.map((f) => `${f.analytic} ${f.host} ${f.reason}`);
    expect(a.length).toBeGreaterThan(0);
    expect(summary(b)).toEqual(summary(a));
  });
});
