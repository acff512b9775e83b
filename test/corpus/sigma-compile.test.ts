import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileRules } from '../../src/detect/sigma/compile/rules.js';
import { loadRules, SIGMAHQ_RULE_TREES } from '../../src/detect/sigma/load.js';
import { Mappings } from '../../src/normalize/index.js';
import { corpusPath, skipMessage } from '../support/corpus.js';

const sigma = corpusPath('sigma');

/** Rules that are expected not to compile, with the reason. Empty: every rule compiles today. */
const EXPECTED_FAILURES: Record<string, RegExp> = {};

describe.skipIf(sigma === null)('the SigmaHQ rule corpus compiles', () => {
  it('at least 99.5% of detection rules compile, and the failures are the known ones', async () => {
    const loaded = await loadRules(SIGMAHQ_RULE_TREES.map((t) => join(sigma!, t)));
    const mappings = Mappings.load();
    const compiled = compileRules(loaded.rules, (ls) => mappings.variants(ls));
    const detection = loaded.rules.filter((r) => r.type === 'detection');
    const ok = new Set(compiled.compiled.map((c) => c.rule));
    const failures = [...loaded.errors, ...compiled.errors];
    expect(detection.length).toBeGreaterThan(3500);
    expect(ok.size / detection.length).toBeGreaterThanOrEqual(0.995);
    const unexpected = failures.filter((e) => {
      const known = EXPECTED_FAILURES[e.location.file!.slice(sigma!.length + 1)];
      return known === undefined || !known.test(e.message);
    });
    expect(unexpected.map((e) => e.describe())).toEqual([]);
  });

  it('deprecated and unsupported rules are loaded or rejected with reasons, never crash', async () => {
    const loaded = await loadRules([join(sigma!, 'deprecated'), join(sigma!, 'unsupported')]);
    const mappings = Mappings.load();
    const compiled = compileRules(loaded.rules, (ls) => mappings.variants(ls));
    for (const e of [...loaded.errors, ...compiled.errors]) {
      expect(e.location.file).toBeTruthy();
      expect(e.location.line).toBeGreaterThanOrEqual(0);
      expect(e.message).not.toMatch(/internal error/);
    }
    expect(loaded.rules.length + loaded.errors.length).toBeGreaterThan(0);
  });
});
if (sigma === null) {
  console.warn(skipMessage('SigmaHQ rule corpus'));
  it.skip(skipMessage('SigmaHQ rule corpus'), () => {});
}
