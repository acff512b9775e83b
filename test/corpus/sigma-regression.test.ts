import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { Detector } from '../../src/detect/hunt/detector.js';
import { loadRules } from '../../src/detect/sigma/load.js';
import { readEvtxFile } from '../../src/ingest/evtx/index.js';
import { Mappings } from '../../src/normalize/index.js';
import { corpusPath, findFiles, skipMessage } from '../support/corpus.js';

const regression = corpusPath('sigma-regression', 'regression_data');

/**
 * SigmaHQ's own regression runner treats match_count as a floor (more matches only warn). In
 * these samples more events than counted do satisfy the rule: every one of them was checked by
 * hand against the rule, so the exact number is pinned here.
 */
const MORE_THAN_COUNTED: Record<string, number> = {
  // three SetValue events under ZoneMap\Domains, all with zone 2 (not filtered)
  'rules/windows/registry/registry_set/registry_set_change_security_zones': 3,
  // AutoShareServer and AutoShareWks, both set to 0
  'rules/windows/registry/registry_set/registry_set_disable_administrative_share': 2,
};
const sigma = corpusPath('sigma');

interface Case {
  name: string;
  ruleFile: string;
  ruleId: string;
  evtx: string;
  matchCount: number | undefined;
}

function cases(): Case[] {
  return findFiles(regression!, 'info.yml').map((info) => {
    const meta = parse(readFileSync(info, 'utf8')) as {
      rule_metadata: { id: string }[];
      regression_tests_info: { path: string; match_count?: number }[];
    };
    // regression_data/<tree>/<...>/<rule stem>/info.yml  ↔  sigma/<tree>/<...>/<rule stem>.yml
    const rel = relative(regression!, dirname(info));
    const test = meta.regression_tests_info[0]!;
    return {
      name: rel,
      ruleFile: join(sigma!, `${rel}.yml`),
      ruleId: meta.rule_metadata[0]!.id,
      evtx: join(regression!, '..', test.path),
      matchCount: test.match_count,
    };
  });
}

describe.skipIf(regression === null || sigma === null)(
  'SigmaHQ regression tests: each rule fires on its sample',
  () => {
    let mappings: Mappings;
    beforeAll(() => {
      mappings = Mappings.load();
    });
    const all = regression && sigma ? cases() : [];
    it('has the corpus', () => expect(all.length).toBeGreaterThan(50));
    for (const c of all) {
      it(c.name, async () => {
        expect(existsSync(c.ruleFile), `rule file ${c.ruleFile}`).toBe(true);
        const loaded = await loadRules([c.ruleFile]);
        expect(loaded.errors.map((e) => e.describe())).toEqual([]);
        const detector = new Detector(loaded.rules, mappings);
        expect(detector.errors.map((e) => e.describe())).toEqual([]);
        let matches = 0;
        for await (const r of readEvtxFile(c.evtx)) {
          if (!r.ok) throw r.error;
          matches += detector
            .detect(r.value.toJSON(), { source: c.evtx, offset: r.value.offset })
            .filter((d) => d.rule.id === c.ruleId).length;
        }
        if (c.matchCount === undefined) expect(matches).toBeGreaterThan(0);
        else expect(matches).toBe(MORE_THAN_COUNTED[c.name] ?? c.matchCount);
      });
    }
  },
);
if (regression === null || sigma === null) {
  console.warn(skipMessage('SigmaHQ regression corpus'));
  it.skip(skipMessage('SigmaHQ regression corpus'), () => {});
}
