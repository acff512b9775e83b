import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testAlert, testIncident } from '../../src/respond/testing.js';
import { runCli } from '../support/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'vigil-playbooks-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const good = `id: good
title: Good
version: 1
mode: auto
triggers:
  - incident: created
steps:
  - action: notify.webhook
    with: {url: env:VIGIL_TEST_HOOK_URL}
`;

beforeAll(() => {
  writeFileSync(join(tmp, 'good.yml'), good);
  writeFileSync(
    join(tmp, 'bad.yml'),
    good.replace('id: good', 'id: bad').replace('notify.webhook', 'notify.carrier-pigeon'),
  );
  writeFileSync(join(tmp, 'broken.yaml'), 'id: [unclosed\n');
  writeFileSync(join(tmp, 'incident.json'), JSON.stringify(testIncident({ id: 'inc-cli' })));
  writeFileSync(
    join(tmp, 'alert.json'),
    JSON.stringify(testAlert({ title: 'Container Started With Host-Level Privileges' })),
  );
  writeFileSync(
    join(tmp, 'bad-incident.json'),
    JSON.stringify({ id: 'x', title: 'x', severity: 'apocalyptic', risk: 1 }),
  );
});

describe('vigil playbooks', () => {
  it('check: the shipped playbooks load', async () => {
    const r = await runCli(['playbooks', 'check']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^4 files: 4 playbooks load, 0 problems\n/);
    expect(r.stdout).toMatch(/ok {2}isolate-host v1 \(approve\) {2}playbooks\/isolate-host\.yml/);
  });

  it('check: errors at file:line, the rest still loads, exit 1', async () => {
    const r = await runCli(['playbooks', 'check', tmp]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('3 files: 1 playbooks load, 2 problems');
    expect(r.stdout).toContain(`ok  good v1 (auto)  ${join(tmp, 'good.yml')}`);
    expect(r.stdout).toMatch(
      new RegExp(
        `${join(tmp, 'bad.yml')}:8: unknown action "notify.carrier-pigeon" \\(known: blocklist.add,`,
      ),
    );
    expect(r.stdout).toContain(`${join(tmp, 'broken.yaml')}:2: YAML:`);
    const json = await runCli(['playbooks', 'check', '--json', join(tmp, 'good.yml')]);
    expect(JSON.parse(json.stdout)).toMatchObject({
      files: 1,
      playbooks: [{ id: 'good', env: ['VIGIL_TEST_HOOK_URL'] }],
      failures: [],
    });
  });

  it('check --env: names the environment variables that are not set', async () => {
    const missing = await runCli(['playbooks', 'check', '--env', join(tmp, 'good.yml')], {
      env: { VIGIL_TEST_HOOK_URL: '' },
    });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain(
      `${join(tmp, 'good.yml')}:1: environment variable VIGIL_TEST_HOOK_URL is not set`,
    );
    const set = await runCli(['playbooks', 'check', '--env', join(tmp, 'good.yml')], {
      env: { VIGIL_TEST_HOOK_URL: 'https://hooks.example/x' },
    });
    expect(set.code).toBe(0);
  });

  it('test: shows what each matching playbook would do, changing nothing', async () => {
    const r = await runCli(['playbooks', 'test', '--incident', join(tmp, 'incident.json')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'block-ransomware-hashes v1 (Block ransomware hashes in the feeds): would act now',
    );
    expect(r.stdout).toContain(
      '  block-hash  blocklist.add  add d41d8cd98f00b204e9800998ecf8427e to the hash block list for 7d',
    );
    expect(r.stdout).toContain(
      'isolate-host v1 (Isolate a host in a critical incident): would wait for approval: the playbook asks for approval',
    );
    expect(r.stdout).toContain('  isolate  host.isolate  queue "isolate" for the agent on ws01');
    const escalated = await runCli([
      'playbooks',
      'test',
      '--incident',
      join(tmp, 'incident.json'),
      '--change',
      'escalated',
      '--json',
    ]);
    expect(
      (JSON.parse(escalated.stdout) as { playbook: { id: string } }[]).map((p) => p.playbook.id).sort(),
    ).toEqual(['block-ransomware-hashes', 'isolate-host', 'notify-critical-incidents']);
    const alert = await runCli(['playbooks', 'test', '--alert', join(tmp, 'alert.json')]);
    expect(alert.stdout).toContain(
      'pause-privileged-container v1 (Pause a privileged container): would wait for approval',
    );
    expect(alert.stdout).toContain(
      '  pause  container.pause  pause container abc123 at unix:///var/run/docker.sock',
    );
  });

  it('test: refuses bad input with the field that is wrong', async () => {
    const bad = await runCli(['playbooks', 'test', '--incident', join(tmp, 'bad-incident.json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      'bad-incident.json: severity: one of informational, low, medium, high, critical',
    );
    const none = await runCli(['playbooks', 'test']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('give --incident FILE or --alert FILE');
    const notJson = await runCli(['playbooks', 'test', '--alert', join(tmp, 'good.yml')]);
    expect(notJson.code).toBe(2);
  });

  it('actions: lists every action with its parameters and whether it can be rolled back', async () => {
    const r = await runCli(['playbooks', 'actions']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'notify.email: Send an email through an SMTP server (no rollback: a mail that was sent cannot be unsent)',
    );
    expect(r.stdout).toContain(
      'container.pause: Pause a container (freeze its processes); rollback unpauses it (rollback: yes)',
    );
    expect(r.stdout).toContain('  password: secret — SMTP password, env:NAME');
  });
});
