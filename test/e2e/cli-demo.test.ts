import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TruthLabels, type TruthFile } from '../../src/demo/index.js';
import { ROOT, runCli } from '../support/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'vigil-demo-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const out = join(tmp, 'day');
const args = (dir: string) => [
  'demo',
  '--out',
  dir,
  '--seed',
  '5',
  '--background',
  '1500',
  '--now',
  '2026-11-20T12:00:00Z',
];
const lines = (file: string) => readFileSync(file, 'utf8').trimEnd().split('\n');

/** Ids of the rules in Vigil's own pack. */
function packIds(): Set<string> {
  const ids = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.yml'))
        for (const m of readFileSync(p, 'utf8').matchAll(/^id: (\S+)$/gm)) ids.add(m[1]!);
    }
  };
  walk(join(ROOT, 'rules'));
  return ids;
}

describe('vigil demo', () => {
  let run: Awaited<ReturnType<typeof runCli>>;
  let truth: TruthFile;
  beforeAll(async () => {
    run = await runCli(args(out));
    truth = JSON.parse(readFileSync(join(out, 'truth.json'), 'utf8')) as TruthFile;
  });

  it('writes one NDJSON file per layer, the syslog lines as sent, and a summary', () => {
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    for (const f of [
      'windows.ndjson',
      'linux.ndjson',
      'syslog.ndjson',
      'syslog.log',
      'container.ndjson',
      'network.ndjson',
      'email.ndjson',
      'email.mbox',
      'email-people.yml',
    ])
      expect(existsSync(join(out, f)), f).toBe(true);
    for (const id of [
      'vpn-installer',
      'ngrok',
      'ransomware',
      'waterbear',
      'container-escape',
      'bec',
      'phishing',
    ])
      expect(run.stdout).toContain(id);
    expect(run.stdout).toMatch(
      /Wrote [\d,]+ events \(seed 5, 24 hosts, 2026-11-19 12:00 to 2026-11-20 12:00 UTC\)/,
    );
    expect(run.stdout).toContain('truth.json');
    expect(lines(join(out, 'syslog.log')).length).toBe(lines(join(out, 'syslog.ndjson')).length);
    expect(lines(join(out, 'syslog.log'))[0]).toMatch(/^<\d+>/);
  });

  it('labels every line of every event file in truth.json', () => {
    expect(truth.seed).toBe(5);
    expect(truth.stories.map((s) => s.id)).toEqual([
      'vpn-installer',
      'ngrok',
      'ransomware',
      'waterbear',
      'container-escape',
      'bec',
      'phishing',
    ]);
    let stories = 0;
    for (const [file, labels] of Object.entries(truth.labels)) {
      expect(labels.length, file).toBe(lines(join(out, file)).length);
      stories += labels.filter((l) => l !== null).length;
      for (const l of labels) if (l !== null) expect(truth.stories.map((s) => s.id)).toContain(l);
    }
    expect(stories).toBeGreaterThan(100);
  });

  it('writes the same files for the same seed', async () => {
    const again = join(tmp, 'again');
    expect((await runCli(args(again))).code).toBe(0);
    for (const f of readdirSync(out))
      expect(readFileSync(join(again, f)).equals(readFileSync(join(out, f))), f).toBe(true);
  });

  it("is hunted by vigil hunt, every story firing the pack's rules it expects", async () => {
    const r = await runCli(['hunt', out, '--rules', join(ROOT, 'rules'), '-f', 'jsonl', '-t', '1']);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/input/);
    const labels = await TruthLabels.load(out);
    const fired = new Map<string, Set<string>>();
    for (const line of r.stdout.trimEnd().split('\n')) {
      const o = JSON.parse(line) as {
        type: string;
        rule: { id: string };
        source?: string;
        offset?: number;
        detections?: { computer: string }[];
      };
      const stories =
        o.type === 'detection'
          ? [labels.story(o.source!, o.offset!) ?? 'noise']
          : truth.stories
              .filter((s) => o.detections!.every((d) => s.hosts.includes(d.computer)))
              .map((s) => s.id);
      for (const s of stories) fired.set(s, new Set([...(fired.get(s) ?? []), o.rule.id]));
    }
    const pack = packIds();
    for (const story of truth.stories)
      for (const id of story.expectedRules.filter((x) => pack.has(x)))
        expect(fired.get(story.id)?.has(id), `${id} on ${story.id}`).toBe(true);
  });

  it('refuses unknown stories and fleets too small for the stories', async () => {
    const unknown = await runCli(['demo', '--out', join(tmp, 'x'), '--stories', 'ngrok,nope']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/unknown story "nope"/);
    const small = await runCli([
      'demo',
      '--out',
      join(tmp, 'y'),
      '--hosts',
      '8',
      '--stories',
      'container-escape,container-escape,container-escape',
    ]);
    expect(small.code).toBe(2);
    expect(small.stderr).toMatch(/vigil demo: not enough Linux CI hosts/);
    expect(existsSync(join(tmp, 'y'))).toBe(false);
  });
});
