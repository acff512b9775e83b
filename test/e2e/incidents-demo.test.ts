import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HuntIncidents } from '../../src/correlate/index.js';
import { generateScenario, TruthLabels, writeScenario } from '../../src/demo/index.js';
import { Detector } from '../../src/detect/hunt/detector.js';
import { jsonSource } from '../../src/detect/hunt/inputs.js';
import { hunt } from '../../src/detect/hunt/run.js';
import { loadRules, SIGMAHQ_RULE_TREES } from '../../src/detect/sigma/load.js';
import { ColumnMapper, Mappings } from '../../src/normalize/index.js';
import { corpusPath, skipMessage } from '../support/corpus.js';
import { ROOT } from '../support/cli.js';

const NOW = Date.parse('2026-11-20T12:00:00Z');
const tmp = mkdtempSync(join(tmpdir(), 'vigil-incidents-demo-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const mappings = Mappings.load();
const columns = ColumnMapper.load();

/** The simulator's ground truth against the incidents built from its alerts, for one seed. */
async function incidentsFor(detector: Detector, seed: number) {
  const scenario = generateScenario({ seed, now: NOW, background: 3000 });
  const dir = join(tmp, `seed-${seed}-${detector.rules.length}`);
  await writeScenario(dir, scenario, { seed, now: NOW });
  const labels = await TruthLabels.load(dir);
  const files = Object.keys(labels.truth.labels).map((f) => join(dir, f));
  const session = new HuntIncidents(columns);
  const storyOf = new Map<string, string | null>();
  await hunt(
    files,
    detector,
    {
      minLevel: 'informational',
      from: null,
      to: null,
      json: jsonSource,
      context: {
        columns,
        take: (c) => {
          for (const f of session.take(c))
            storyOf.set(f.alert.id, labels.story(f.origin!.source, f.origin!.offset) ?? null);
        },
      },
    },
    (o) => {
      const a = session.detection(o);
      const hits = o.kind === 'detection' ? [o.detection] : o.hit.hits.map((h) => h.event);
      const stories = new Set(hits.map((d) => labels.story(d.origin.source, d.origin.offset) ?? null));
      // A correlation over events of two stories would be a detection problem, not a linking one.
      expect(stories.size, `${a.title} spans ${[...stories].join(', ')}`).toBe(1);
      storyOf.set(a.id, [...stories][0]!);
    },
  );
  // Telemetry-gap findings have no event, so no label: they are checked apart.
  const { incidents, findings } = session.finish();
  const alerts = findings;
  return { scenario, incidents, storyOf, alerts };
}

function checkStories(result: Awaited<ReturnType<typeof incidentsFor>>, seed: number): string[] {
  const problems: string[] = [];
  const { scenario, incidents, storyOf } = result;
  for (const inc of incidents) {
    const stories = new Set(
      inc.alerts.filter((a) => storyOf.has(a.id)).map((a) => storyOf.get(a.id) ?? null),
    );
    if (stories.size > 1)
      problems.push(
        `seed ${seed}: incident "${inc.title}" mixes ${[...stories].map((s) => s ?? 'noise').join(' + ')}`,
      );
  }
  for (const story of scenario.stories) {
    const holding = incidents.filter((i) => i.alerts.some((a) => storyOf.get(a.id) === story.id));
    if (holding.length === 0) problems.push(`seed ${seed}: story ${story.id} raised no alert`);
    if (holding.length > 1)
      problems.push(
        `seed ${seed}: story ${story.id} split into ${holding.length} incidents: ${holding.map((i) => `${i.alertCount}×"${i.title}"`).join('; ')}`,
      );
  }
  return problems;
}

describe('incidents on the simulator’s stories (ground truth)', () => {
  it('with Vigil’s rules: each story is exactly one incident and noise stays apart, over 12 seeds', async () => {
    const loaded = await loadRules([join(ROOT, 'rules')]);
    const detector = new Detector(loaded.rules, mappings);
    const problems: string[] = [];
    let stories = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const r = await incidentsFor(detector, seed);
      stories += r.scenario.stories.length;
      problems.push(...checkStories(r, seed));
    }
    expect(problems).toEqual([]);
    expect(stories).toBeGreaterThanOrEqual(12 * 4);
  }, 300_000);

  const sigma = corpusPath('sigma');
  if (sigma === null) console.log(skipMessage('incidents on the simulator with SigmaHQ rules'));
  it.skipIf(sigma === null)(
    'with Vigil’s rules and SigmaHQ: the same, over 4 seeds',
    async () => {
      const loaded = await loadRules([
        join(ROOT, 'rules'),
        ...SIGMAHQ_RULE_TREES.map((t) => join(sigma!, t)),
      ]);
      const detector = new Detector(loaded.rules, mappings);
      const problems: string[] = [];
      for (const seed of [1, 5, 9, 13])
        problems.push(...checkStories(await incidentsFor(detector, seed), seed));
      expect(problems).toEqual([]);
    },
    600_000,
  );
});
