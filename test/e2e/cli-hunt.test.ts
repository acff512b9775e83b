import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusPath } from '../support/corpus.js';
import { ROOT, runCli } from '../support/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'vigil-hunt-'));
const logs = join(tmp, 'logs');
const badRules = join(tmp, 'bad-rules');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const sysmon = (id: number, time: string, fields: Record<string, unknown>) =>
  JSON.stringify({
    EventID: id,
    Channel: 'Microsoft-Windows-Sysmon/Operational',
    Hostname: 'WS01',
    EventTime: time,
    ...fields,
  });

beforeAll(() => {
  mkdirSync(logs);
  mkdirSync(badRules);
  const lines = [
    sysmon(1, '2026-11-20 10:00:00', {
      Image: 'C:\\Windows\\System32\\vssadmin.exe',
      CommandLine: 'vssadmin delete shadows /all /quiet',
    }),
    sysmon(1, '2026-11-20 10:01:00', {
      Image: 'C:\\Windows\\System32\\svchost.exe',
      CommandLine: 'svchost.exe -k netsvcs',
    }),
    '{"this is": not json}',
    ...['a', 'b', 'c', 'd', 'e'].map((d, i) =>
      sysmon(11, `2026-11-20 10:02:0${i}`, {
        Image: 'C:\\Users\\Public\\rk.exe',
        TargetFilename: `C:\\${d}\\RyukReadMe.txt`,
      }),
    ),
  ];
  writeFileSync(join(logs, 'host.ndjson'), lines.join('\n') + '\n');
  writeFileSync(
    join(badRules, 'broken.yml'),
    'title: broken\nlogsource:\n  product: windows\ndetection:\n  sel:\n    A: 1\n  condition: nosuch\n',
  );
});

const rules = join(ROOT, 'rules');

describe('vigil hunt', () => {
  it('prints a summary table by default', async () => {
    const r = await runCli(['hunt', logs, '--rules', rules]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Backups or Shadow Copies Deleted From the Command Line/);
    expect(r.stdout).toMatch(/Recovery Inhibited, Then Ransom Notes Written/);
    expect(r.stdout).toMatch(/Hosts: WS01/);
    // the malformed line is reported with its place, the rest is read
    expect(r.stderr).toMatch(/host\.ndjson:3/);
  });

  it('writes one detection per line in jsonl, with the rule, the time and the event', async () => {
    const r = await runCli(['hunt', logs, '-r', rules, '-f', 'jsonl', '-t', '1']);
    const lines = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const shadow = lines.find((l) => (l.rule as { title: string }).title.startsWith('Backups or Shadow'))!;
    expect(shadow).toMatchObject({
      type: 'detection',
      rule: {
        id: '28d7f83b-ae8f-46ba-8c10-206ceba43a2c',
        level: 'high',
        tags: expect.arrayContaining(['attack.t1490']),
      },
      timestamp: '2026-11-20T10:00:00.000Z',
      computer: 'WS01',
      channel: 'Microsoft-Windows-Sysmon/Operational',
      event_id: 1,
      event: { CommandLine: 'vssadmin delete shadows /all /quiet' },
    });
    expect(
      lines
        .filter((l) => l.type === 'correlation')
        .map((l) => (l.rule as { title: string }).title)
        .sort(),
    ).toEqual(['Ransom Notes Spread Across Folders', 'Recovery Inhibited, Then Ransom Notes Written']);
    // ransom notes feed a correlation without generate: they are not reported alone
    expect(lines.some((l) => (l.rule as { title: string }).title === 'Ransom Note Written')).toBe(false);
  });

  it('gives the same detections with one thread and with several', async () => {
    const one = await runCli(['hunt', logs, '-r', rules, '-f', 'jsonl', '-t', '1']);
    const two = await runCli(['hunt', logs, '-r', rules, '-f', 'jsonl', '-t', '2']);
    expect(two.stdout).toBe(one.stdout);
  });

  it('writes a CSV timeline to a file', async () => {
    const out = join(tmp, 'timeline.csv');
    const r = await runCli(['hunt', logs, '-r', rules, '-f', 'csv', '-o', out]);
    expect(r.code).toBe(0);
    const csv = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(csv[0]).toBe(
      'Timestamp,Computer,Channel,EventID,Level,RecordID,RuleTitle,Details,RuleID,RuleFile,SourceFile',
    );
    expect(csv.some((l) => l.includes('vssadmin delete shadows'))).toBe(true);
  });

  it('filters by level and by time', async () => {
    const critical = await runCli(['hunt', logs, '-r', rules, '-f', 'jsonl', '--min-level', 'critical']);
    const levels = critical.stdout
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as { rule: { level: string } }).rule.level);
    expect(new Set(levels)).toEqual(new Set(['critical']));
    const late = await runCli(['hunt', logs, '-r', rules, '-f', 'jsonl', '--from', '2026-11-20T10:01:30Z']);
    expect(late.stdout).not.toMatch(/vssadmin/);
  });

  it('reports a broken rule with file:line and hunts with the others', async () => {
    const r = await runCli(['hunt', logs, '-r', rules, '-r', badRules, '-f', 'jsonl']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /rule not loaded: .*broken\.yml:7: condition refers to unknown search identifier `nosuch`/,
    );
    expect(r.stdout).toMatch(/vssadmin/);
  });

  it('exits 2, without a stack trace, when the output file cannot be written', async () => {
    const r = await runCli(['hunt', logs, '-r', rules, '-o', join(tmp, 'no', 'such', 'dir', 'out.jsonl')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot write .*out\.jsonl: ENOENT/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 without rules, inputs or usable rules', async () => {
    expect((await runCli(['hunt', logs])).code).toBe(2);
    expect((await runCli(['hunt', join(tmp, 'missing'), '-r', rules])).code).toBe(2);
    expect((await runCli(['hunt', logs, '-r', badRules])).code).toBe(2);
  });
});

describe('placeholders', () => {
  it('expand takes its values from --placeholders, and matches anything without them', async () => {
    const dir = join(tmp, 'placeholder-rules');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'admins.yml'),
      "title: Admin Logon\nid: 9d0c5f8e-2b7a-4c1e-9f3d-2a6b8c4e1f70\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  sel:\n    User|expand: '%Admins%'\n  condition: sel\nlevel: low\n",
    );
    const events = join(tmp, 'users.ndjson');
    writeFileSync(
      events,
      ['adm_alice', 'bob']
        .map((u) => sysmon(1, '2026-11-20 10:00:00', { User: u, Image: 'C:\\x.exe' }))
        .join('\n') + '\n',
    );
    const values = join(tmp, 'placeholders.yml');
    writeFileSync(values, 'admins:\n  - adm_*\n  - root\n');
    const count = async (args: string[]) =>
      (await runCli(['hunt', events, '-r', dir, '-f', 'jsonl', ...args])).stdout
        .trimEnd()
        .split('\n')
        .filter(Boolean).length;
    expect(await count(['--placeholders', values])).toBe(1);
    expect(await count([])).toBe(2);
    writeFileSync(values, 'admins: {nested: map}\n');
    const bad = await runCli(['hunt', events, '-r', dir, '--placeholders', values]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/placeholders\.yml:1: placeholder admins needs a value or a list of values/);
  });
});

describe('vigil rules check', () => {
  it('passes on the pack and lists a broken rule with its line', async () => {
    const ok = await runCli(['rules', 'check', rules]);
    expect(ok.code).toBe(0);
    // Every rule of the pack compiles, however many it holds.
    expect(ok.stdout).toMatch(
      /\b(\d+) of \1 detection rules compile \(100\.00%\), \d+ correlation rules, 0 filters, 0 problems/,
    );
    const bad = await runCli(['rules', 'check', badRules]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/broken\.yml:7: condition refers to unknown search identifier `nosuch`/);
  });
});

const samples = corpusPath('evtx-samples');
describe.skipIf(samples === null)('vigil hunt on real EVTX files', () => {
  it('hunts a folder of EVTX with the pack and reads damaged files too', async () => {
    const r = await runCli(['hunt', samples!, '-r', rules, '--stats']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/input: 23 files, .* 18,599 events/);
  });
});
