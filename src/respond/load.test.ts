import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultActions } from './actions/index.js';
import { envReferences, loadPlaybooks, parsePlaybook } from './load.js';

const actions = defaultActions();
const tmp = mkdtempSync(join(tmpdir(), 'vigil-playbooks-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const GOOD = `id: block-hashes
title: Block hashes
version: 2
mode: auto
min_confidence: 60
triggers:
  - incident: created
    min_severity: high
  - alert:
      rule: "*ransom*"
      level: high
  - entity:
      type: domain
      value: "*.evil.example"
conditions:
  - tactics contains impact
  - hosts.count <= 5
steps:
  - id: block
    action: blocklist.add
    with:
      list: hash
      value: "{{ entities.hash }}"
      expires: 7d
      reason: "{{ incident.title }}"
    timeout: 10s
    retries: 4
  - action: notify.webhook
    with:
      url: env:HOOK_URL
      secret: env:HOOK_KEY
    rollback: false
`;

describe('playbook files', () => {
  it('loads a playbook into its typed form', () => {
    const { playbook, errors } = parsePlaybook(GOOD, 'good.yml', actions);
    expect(errors).toEqual([]);
    expect(playbook).toMatchObject({
      id: 'block-hashes',
      version: 2,
      enabled: true,
      mode: 'auto',
      minConfidence: 60,
      triggers: [
        { kind: 'incident', change: 'created', minSeverity: 'high', line: 7 },
        { kind: 'alert', rule: '*ransom*', level: 'high', line: 9 },
        { kind: 'entity', type: 'domain', value: '*.evil.example', line: 12 },
      ],
      conditions: [
        { field: 'tactics', op: 'contains', line: 16 },
        { field: 'hosts', count: true, line: 17 },
      ],
      steps: [
        {
          id: 'block',
          action: 'blocklist.add',
          rollback: true,
          timeoutMs: 10_000,
          retries: 4,
          fanOut: 'hash',
          line: 19,
        },
        {
          id: 'step-2',
          action: 'notify.webhook',
          rollback: false,
          timeoutMs: 30_000,
          retries: 2,
          fanOut: null,
        },
      ],
    });
    expect(envReferences(playbook!)).toEqual(['HOOK_KEY', 'HOOK_URL']);
  });

  it('reports each problem at its line and keeps the playbook out', () => {
    const text = GOOD.replace('mode: auto', 'mode: yolo')
      .replace('min_severity: high', 'min_severity: extreme')
      .replace('hosts.count <= 5', 'hosts <= 5')
      .replace('list: hash', 'list: url')
      .replace('expires: 7d', 'expires: 7d\n      colour: red')
      .replace('retries: 4', 'retries: -1')
      .replace('url: env:HOOK_URL', 'url: file:///etc/passwd')
      .replace('secret: env:HOOK_KEY', 'secret: hunter2');
    const { playbook, errors } = parsePlaybook(text, 'bad.yml', actions);
    expect(playbook).toBeNull();
    const messages = errors.map((e) => e.describe());
    expect(messages).toEqual([
      'bad.yml:4: mode: required, one of auto, approve, dry-run',
      'bad.yml:8: min_severity: one of informational, low, medium, high, critical',
      'bad.yml:17: condition: condition "hosts <= 5": a list is tested with contains or matches (or compare hosts.count)',
      'bad.yml:22: list: expected one of hash, domain, ip, sender, not string "url"',
      'bad.yml:25: blocklist.add parameters: unknown key "colour" (known: list, value, expires, reason)',
      'bad.yml:28: retries: a whole number from 0 to 10, not number -1',
      'bad.yml:31: url: only http and https URLs are allowed, not file',
      'bad.yml:32: secret: a secret is a reference to an environment variable, env:NAME, never the value itself',
    ]);
  });

  it('refuses what cannot work: unknown actions, rollback of notifications, alert.* without alert triggers, bad literals', () => {
    const base = (steps: string, triggers = '  - incident: created\n') =>
      `id: x\ntitle: x\nversion: 1\nmode: auto\ntriggers:\n${triggers}steps:\n${steps}`;
    const cases: [string, RegExp, number][] = [
      [base('  - action: shell.exec\n'), /unknown action "shell.exec"/, 8],
      [
        base('  - action: notify.slack\n    rollback: true\n    with:\n      url: https://hooks.example/x\n'),
        /cannot be rolled back: a message that was sent cannot be unsent/,
        9,
      ],
      [
        base('  - action: case.note\n    with:\n      text: "{{ alert.rule }}"\n'),
        /alert\.\* is empty unless an alert/,
        10,
      ],
      [
        base(
          '  - action: blocklist.add\n    with:\n      list: ip\n      value: 0.0.0.0/0\n      expires: 1d\n',
        ),
        /network prefix from \/16/,
        10,
      ],
      [
        base(
          '  - action: blocklist.add\n    with:\n      list: hash\n      value: abc\n      expires: 400d\n',
        ),
        /above the maximum/,
        12,
      ],
      [
        base(
          '  - action: notify.email\n    with:\n      smtp_host: x\n      from: me\n      to: [a@b.example]\n',
        ),
        /from: "me" is not an email address/,
        10,
      ],
      [
        base('  - action: notify.webhook\n    with:\n      url: https://user:pw@hooks.example/x\n'),
        /password belongs in an environment variable/,
        10,
      ],
      [base('  - action: notify.webhook\n'), /parameter url is required/, 8],
      [
        base(
          '  - action: case.note\n    with: {text: x}\n  - id: step-1\n    action: case.note\n    with: {text: y}\n',
        ),
        /step id "step-1" is used twice/,
        10,
      ],
      [
        base('  - action: case.note\n    with: {text: x}\n', '  - incident: created\n    alert: {rule: x}\n'),
        /exactly one of incident, alert or entity/,
        6,
      ],
      [base('  - action: case.note\n    with: {text: x}\n', '  - []\n'), /a trigger is a mapping/, 6],
      [`id: x\ntitle: x\nversion: 1\nmode: auto\ntriggers: []\nsteps: []\n`, /triggers: required/, 5],
    ];
    for (const [text, why, line] of cases) {
      const { playbook, errors } = parsePlaybook(text, 'x.yml', actions);
      expect(playbook, text).toBeNull();
      const hit = errors.find((e) => why.test(e.message));
      expect(hit, `${text}\n${errors.map((e) => e.describe()).join('\n')}`).toBeDefined();
      expect(hit!.location.line, text).toBe(line);
    }
  });

  it('survives hostile YAML: aliases, binary, non-mappings, several documents, deep nesting', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...Array.from(
        { length: 9 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`,
      ),
      'id: *j',
    ].join('\n');
    const hostile = [
      bomb,
      '\u0000\u0001\u0002binary\uFFFD',
      '- just\n- a list\n',
      'id: a\n---\nid: b\n',
      `${'['.repeat(5000)}${']'.repeat(5000)}`,
      'id: x\nid: y\n',
      '',
      'title: "unterminated',
    ];
    for (const text of hostile) {
      const { playbook, errors } = parsePlaybook(text, 'h.yml', actions);
      expect(playbook).toBeNull();
      expect(errors.length).toBeGreaterThan(0);
      for (const e of errors) expect(e.location.line).toBeGreaterThanOrEqual(1);
    }
  });

  it('loads the good files of a folder and reports the bad ones, duplicates and missing paths included', async () => {
    writeFileSync(join(tmp, 'a-good.yml'), GOOD);
    writeFileSync(join(tmp, 'b-bad.yaml'), GOOD.replace('version: 2', 'version: two'));
    writeFileSync(join(tmp, 'c-dup.yml'), GOOD);
    writeFileSync(join(tmp, 'd-other.yml'), GOOD.replace('id: block-hashes', 'id: other'));
    writeFileSync(join(tmp, 'notes.txt'), 'not a playbook');
    const load = await loadPlaybooks([tmp, join(tmp, 'missing')], actions);
    expect(load.files).toBe(4);
    expect(load.playbooks.map((p) => p.id)).toEqual(['block-hashes', 'other']);
    expect(load.errors.map((e) => e.describe())).toEqual([
      `${join(tmp, 'missing')}:0: no such file or directory`,
      `${join(tmp, 'b-bad.yaml')}:3: version: required, a whole number from 1, raised with every change`,
      `${join(tmp, 'c-dup.yml')}:1: duplicate playbook id block-hashes (also in ${join(tmp, 'a-good.yml')})`,
    ]);
  });

  it('the shipped playbooks load without a problem', async () => {
    const load = await loadPlaybooks([resolve(import.meta.dirname, '../../playbooks')], actions);
    expect(load.errors.map((e) => e.describe())).toEqual([]);
    expect(load.playbooks.map((p) => `${p.id}:${p.mode}`).sort()).toEqual([
      'block-ransomware-hashes:auto',
      'isolate-host:approve',
      'notify-critical-incidents:auto',
      'pause-privileged-container:approve',
    ]);
  });
});
