import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { asRuleHit, Detector, type Detection } from '../../src/detect/hunt/detector.js';
import { Correlator } from '../../src/detect/sigma/correlation/engine.js';
import { loadRules } from '../../src/detect/sigma/load.js';
import type { SigmaRule } from '../../src/detect/sigma/model.js';
import type { JsonObject } from '../../src/ingest/types.js';
import { Mappings } from '../../src/normalize/index.js';
import { ROOT } from '../support/cli.js';
import { TACTICS } from '../../src/correlate/risk.js';

const PACK = join(ROOT, 'rules');

/** ATT&CK tactics by their Sigma tag names. */
const TACTIC_NAMES: ReadonlySet<string> = new Set(TACTICS);

/** The tactics of each technique the pack uses (ATT&CK Enterprise). A new technique must be added here. */
const TECHNIQUE_TACTICS: Record<string, string[]> = {
  't1027.006': ['defense-evasion'],
  t1036: ['defense-evasion'],
  't1036.005': ['defense-evasion'],
  't1547.001': ['persistence', 'privilege-escalation'],
  't1048.003': ['exfiltration'],
  't1053.003': ['execution', 'persistence', 'privilege-escalation'],
  't1056.001': ['collection', 'credential-access'],
  't1059.005': ['execution'],
  't1195.002': ['initial-access'],
  't1204.002': ['execution'],
  't1204.003': ['execution'],
  t1525: ['persistence'],
  t1566: ['initial-access'],
  't1566.001': ['initial-access'],
  't1566.002': ['initial-access'],
  t1656: ['defense-evasion'],
  t1486: ['impact'],
  t1490: ['impact'],
  t1610: ['defense-evasion', 'execution'],
  t1611: ['privilege-escalation'],
};

interface Samples {
  match: JsonObject[];
  no_match: JsonObject[];
}

let rules: SigmaRule[];
let mappings: Mappings;

beforeAll(async () => {
  const loaded = await loadRules([PACK]);
  expect(loaded.errors.map((e) => e.describe())).toEqual([]);
  rules = loaded.rules;
  mappings = Mappings.load();
});

function samplesFor(rule: SigmaRule): string {
  return rule.source.file.replace(/\.yml$/, '.samples.json');
}

describe("Vigil's rule pack", () => {
  it('has rules, each with a unique UUID, a title, a level, an author and a description', () => {
    expect(rules.length).toBeGreaterThanOrEqual(10);
    const ids = rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of rules) {
      expect(r.id, r.title).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(r.description, r.title).toBeTruthy();
      expect(r.author, r.title).toBe('Vigil team');
      expect(r.status, r.title).toMatch(/^(experimental|test|stable)$/);
    }
  });

  it('compiles every rule for a mapped logsource', () => {
    const detector = new Detector(rules, mappings);
    expect(detector.errors.map((e) => e.describe())).toEqual([]);
    expect(detector.notes.map((n) => n.note)).toEqual([]);
  });

  it('tags only valid ATT&CK tactics and techniques, each technique with one of its tactics', () => {
    for (const r of rules) {
      const tags = r.tags.filter((t) => t.startsWith('attack.')).map((t) => t.slice('attack.'.length));
      expect(tags.length, r.title).toBeGreaterThan(0);
      for (const t of tags) {
        if (/^t\d{4}(\.\d{3})?$/.test(t)) {
          const tactics = TECHNIQUE_TACTICS[t];
          expect(tactics, `${r.title}: technique ${t} is not in the table`).toBeDefined();
          expect(
            tactics!.some((x) => tags.includes(x)),
            `${r.title}: ${t} without one of its tactics ${tactics}`,
          ).toBe(true);
        } else expect(TACTIC_NAMES.has(t), `${r.title}: unknown tactic ${t}`).toBe(true);
      }
    }
  });

  it('has positive and negative samples for every detection rule, and they behave', () => {
    const detector = new Detector(rules, mappings);
    for (const r of rules.filter((x) => x.type === 'detection')) {
      const file = samplesFor(r);
      expect(existsSync(file), `${r.title}: missing ${file}`).toBe(true);
      const samples = JSON.parse(readFileSync(file, 'utf8')) as Samples;
      expect(samples.match.length, r.title).toBeGreaterThan(0);
      expect(samples.no_match.length, r.title).toBeGreaterThan(0);
      const fires = (e: JsonObject) =>
        detector.detect(e, { source: file, offset: 0 }).some((d) => d.rule === r);
      samples.match.forEach((e, i) => expect(fires(e), `${r.title}: match[${i}]`).toBe(true));
      samples.no_match.forEach((e, i) => expect(fires(e), `${r.title}: no_match[${i}]`).toBe(false));
    }
  });

  it('has positive and negative sequences for every correlation rule, and they behave', () => {
    const detector = new Detector(rules, mappings);
    for (const r of rules.filter((x) => x.type === 'correlation')) {
      const all = JSON.parse(readFileSync(samplesFor(r), 'utf8')) as Record<
        string,
        { match: JsonObject[][]; no_match: JsonObject[][] }
      >;
      const samples = all[r.id!];
      expect(samples, `${r.title}: no samples under its id`).toBeDefined();
      const fires = (sequence: JsonObject[]): boolean => {
        const correlator = new Correlator<Detection>([r]);
        const fired = sequence.flatMap((e) =>
          detector.detect(e, { source: 'samples', offset: 0 }).flatMap((d) => correlator.push(asRuleHit(d))),
        );
        return [...fired, ...correlator.flush()].length > 0;
      };
      samples!.match.forEach((seq, i) => expect(fires(seq), `${r.title}: match[${i}]`).toBe(true));
      samples!.no_match.forEach((seq, i) => expect(fires(seq), `${r.title}: no_match[${i}]`).toBe(false));
    }
  });
});
