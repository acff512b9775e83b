import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Detector } from '../../src/detect/hunt/detector.js';
import { loadRules } from '../../src/detect/sigma/load.js';
import { readJsonFile } from '../../src/ingest/json/index.js';
import { Mappings } from '../../src/normalize/index.js';
import { corpusPath, findFiles, skipMessage } from '../support/corpus.js';

const otrf = corpusPath('otrf', 'datasets');
const sigma = corpusPath('sigma', 'rules', 'windows');

function have(tool: string): boolean {
  try {
    execFileSync(tool, ['--help'], { stdio: 'ignore' });
    return true;
  } catch (e) {
    return (e as { status?: number }).status !== undefined;
  }
}

const tools = have('unzip') && have('tar');
let dir = '';

describe.skipIf(otrf === null || sigma === null || !tools)('OTRF Security-Datasets (flat NXLog JSON)', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-otrf-'));
    for (const archive of findFiles(otrf!, '.zip')) execFileSync('unzip', ['-o', '-q', archive, '-d', dir]);
    for (const archive of findFiles(otrf!, '.tar.gz')) {
      // Some archives in the corpus end early; what they hold is still read.
      try {
        execFileSync('tar', ['xzf', archive, '-C', dir], { stdio: 'ignore' });
      } catch {
        // partial extraction is kept
      }
    }
  });
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('every event is recognised (NXLog flat JSON or Winlogbeat 6) with an id, a channel, a host and a time', async () => {
    const mappings = Mappings.load();
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(25);
    let events = 0;
    const problems: string[] = [];
    for (const f of files) {
      for await (const r of readJsonFile(join(dir, f))) {
        if (!r.ok) {
          problems.push(r.error.describe());
          continue;
        }
        events++;
        const flat = mappings.flatten(r.value.event);
        if (
          !['flat', 'winlogbeat6'].includes(flat.shape ?? '') ||
          !flat.fields.has('EventID') ||
          !flat.fields.has('Channel') ||
          !flat.fields.has('Computer') ||
          flat.time === null
        ) {
          problems.push(`${f}: ${JSON.stringify(r.value.event).slice(0, 120)}`);
        }
      }
    }
    expect(events).toBeGreaterThan(90_000);
    expect(problems.slice(0, 5)).toEqual([]);
  });

  it('SigmaHQ rules find the recorded techniques', async () => {
    const loaded = await loadRules([sigma!]);
    const detector = new Detector(loaded.rules, Mappings.load());
    const hits = async (prefix: string): Promise<Set<string>> => {
      const file = readdirSync(dir).find((f) => f.startsWith(prefix) && f.endsWith('.json'))!;
      const titles = new Set<string>();
      for await (const r of readJsonFile(join(dir, file))) {
        if (r.ok)
          for (const d of detector.detect(r.value.event, {
            source: basename(file),
            offset: r.value.origin.offset,
          }))
            titles.add(d.rule.title);
      }
      return titles;
    };
    expect(await hits('empire_persistence_registry_modification_run_keys_elevated_user')).toContain(
      'CurrentVersion Autorun Keys Modification',
    );
    expect(await hits('cmd_seatbelt_group_user')).toContain('PUA - Seatbelt Execution');
    expect(await hits('empire_uac_shellapi_fodhelper')).toContain('Bypass UAC Using DelegateExecute');
  });
});
if (otrf === null || sigma === null || !tools) {
  const why = !tools ? 'OTRF corpus: skipped, unzip or tar is missing' : skipMessage('OTRF corpus');
  console.warn(why);
  it.skip(why, () => {});
}
