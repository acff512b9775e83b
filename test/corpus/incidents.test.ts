import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/correlate/index.js';
import { runCli } from '../support/cli.js';
import { corpusPath, findFiles, skipMessage } from '../support/corpus.js';

const otrf = corpusPath('otrf', 'datasets');
const samples = corpusPath('evtx-samples');
const regression = corpusPath('sigma-regression');
const rules = corpusPath('sigma', 'rules');
const present = otrf !== null && samples !== null && regression !== null && rules !== null;
if (!present) console.log(skipMessage('incidents on the real logs'));

let dir = '';

interface Line {
  readonly type: string;
}

/** The file an alert came from: hunt names alerts `<file>#<record>/<rule>`. */
const fileOf = (alertId: string) => basename(alertId.slice(0, alertId.lastIndexOf('#')));

describe.skipIf(!present)('incidents on the real logs in ../shared/corpus', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-incidents-'));
    for (const archive of findFiles(otrf!, '.zip')) execFileSync('unzip', ['-o', '-q', archive, '-d', dir]);
    for (const archive of findFiles(otrf!, '.tar.gz'))
      try {
        execFileSync('tar', ['xzf', archive, '-C', dir], { stdio: 'ignore' });
      } catch {
        // some archives end early; what they hold is read
      }
  });
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('links the SigmaHQ alerts into at least 10× fewer incidents, and keeps unrelated files apart', async () => {
    const run = await runCli(
      ['hunt', dir, samples!, regression!, '-r', rules!, '--incidents', '-f', 'jsonl', '-t', '2'],
      {},
    );
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Line);
    const alerts = lines.filter((l) => l.type !== 'incident').length;
    const incidents = lines.filter((l) => l.type === 'incident') as unknown as Incident[];
    expect(incidents.reduce((s, i) => s + i.alertCount, 0)).toBe(alerts);
    const ratio = alerts / incidents.length;
    console.log(
      `incidents on the corpus: ${alerts} alerts → ${incidents.length} incidents (${ratio.toFixed(1)}× fewer); ` +
        `${incidents.filter((i) => i.alertCount === 1).length} single-alert incidents`,
    );
    expect(ratio).toBeGreaterThanOrEqual(10);

    // Files record different machines unless they share a host: an incident may span files only
    // when they saw the same host (the same lab machine recorded twice, or a copy of one log).
    const hostsOfFile = new Map<string, Set<string>>();
    for (const inc of incidents)
      for (const a of inc.alerts) {
        const f = fileOf(a.id);
        if (!hostsOfFile.has(f)) hostsOfFile.set(f, new Set());
        hostsOfFile.get(f)!.add(a.host.toLowerCase());
      }
    const strays: string[] = [];
    for (const inc of incidents) {
      const files = [...new Set(inc.alerts.map((a) => fileOf(a.id)))];
      for (const f of files)
        for (const g of files)
          if (f < g && ![...hostsOfFile.get(f)!].some((h) => hostsOfFile.get(g)!.has(h)))
            strays.push(`${inc.id}: ${f} + ${g}`);
    }
    expect(strays).toEqual([]);
    // Every link is explained.
    for (const inc of incidents) {
      expect(inc.links.length).toBeGreaterThanOrEqual(inc.alertCount - 1);
      for (const l of inc.links) expect(l.reason).toMatch(/ apart$/);
    }
  }, 600_000);
});
