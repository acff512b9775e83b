import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mutate, prng, readHostile } from '../../src/ingest/evtx/mutate.js';
import { corpusPath, skipMessage } from '../support/corpus.js';

const samples = corpusPath('evtx-samples');
/** Small real files (a header and one or two chunks) keep thousands of cases fast. */
const SEEDS = [
  'Application_no_crc32.evtx',
  'Security_short_selected.evtx',
  'new-user-security.evtx',
  'issue_201.evtx',
  'MSExchange_Management_wec.evtx',
  'Microsoft-Windows-HelloForBusiness%4Operational.evtx',
  'Microsoft-Windows-LanguagePackSetup%4Operational.evtx',
];
const CASES = 6000;
const SECTIONS = new Set(['System', 'EventData', 'UserData']);

describe.skipIf(samples === null)('the EVTX reader on hostile input', () => {
  it(`survives ${CASES} mutated and truncated real files`, () => {
    const seeds = SEEDS.map((f) => readFileSync(join(samples!, f)));
    const seed = Number(process.env.VIGIL_FUZZ_SEED ?? 20261125);
    const random = prng(seed);
    let records = 0;
    let errors = 0;
    for (let i = 0; i < CASES; i++) {
      const base = seeds[i % seeds.length]!;
      const { bytes, mutation } = mutate(base, random);
      try {
        const outcome = readHostile(bytes, SECTIONS);
        records += outcome.records;
        errors += outcome.errors;
      } catch (e) {
        throw new Error(
          `case ${i} (seed ${seed}, ${mutation} of ${SEEDS[i % SEEDS.length]}): ${(e as Error).stack}`,
        );
      }
    }
    // The damage costs records, but most survive: damage stays local.
    expect(records).toBeGreaterThan(CASES * 3);
    expect(errors).toBeGreaterThan(CASES / 4);
  });

  it('bounds what a record may expand to', () => {
    // Every file of the corpus decodes; none comes near the bound, so real data never hits it.
    for (const f of SEEDS)
      expect(readHostile(readFileSync(join(samples!, f)), SECTIONS).records).toBeGreaterThan(0);
  });
});
if (samples === null) {
  console.warn(skipMessage('EVTX fuzzing (seeded from the sample corpus)'));
  it.skip(skipMessage('EVTX fuzzing (seeded from the sample corpus)'), () => {});
}
