import { describe, expect, it } from 'vitest';
import { defaultActions, loadPlaybooks } from '../respond/index.js';
import { playbookOf } from '../respond/testing.js';
import { describeTrigger, examplePlaybooksDir, forSampleData, playbookView } from './response.js';

const actions = defaultActions();

describe('the server side of response', () => {
  it('with sample data, example playbooks that would reach outside Vigil only plan', async () => {
    const { playbooks, errors } = await loadPlaybooks([examplePlaybooksDir()], actions);
    expect(errors).toEqual([]);
    const modes = Object.fromEntries(
      playbooks.map((p) => {
        const safe = forSampleData(p);
        return [p.id, [safe.playbook.mode, safe.note === null ? null : safe.note.replace(/ \(.*/, '')]];
      }),
    );
    expect(modes).toEqual({
      // Feed entries and notes stay inside Vigil; isolation waits for an agent and for a person.
      'block-ransomware-hashes': ['auto', null],
      'isolate-host': ['approve', null],
      'notify-critical-incidents': ['dry-run', 'sample data: runs as a dry run'],
      'pause-privileged-container': ['dry-run', 'sample data: runs as a dry run'],
    });
    expect(forSampleData(playbooks.find((p) => p.id === 'notify-critical-incidents')!).note).toMatch(
      /its file says auto\), because notify\.webhook, notify\.email would reach outside Vigil$/,
    );
  });

  it('describes playbooks as the API shows them: triggers in words, parameters as written', () => {
    const p = playbookOf(
      `id: view
title: View
version: 3
mode: approve
min_confidence: 70
triggers:
  - incident: escalated
    min_severity: high
  - alert: { rule: "*ransom*", level: medium }
  - entity: { type: domain, value: "*.evil.example" }
conditions:
  - tactics contains impact
steps:
  - action: blocklist.add
    with:
      list: domain
      value: "{{ entities.domain }}"
      expires: 2d
`,
      actions,
    );
    expect(p.triggers.map(describeTrigger)).toEqual([
      'incident escalated (high or higher)',
      'alert from *ransom* (medium or higher)',
      'entity domain *.evil.example',
    ]);
    const view = playbookView(p, null);
    expect(view).toMatchObject({
      id: 'view',
      version: 3,
      mode: 'approve',
      minConfidence: 70,
      conditions: ['tactics contains impact'],
      steps: [
        {
          id: 'step-1',
          action: 'blocklist.add',
          params: { list: 'domain', value: '{{ entities.domain }}', expires: '2d' },
          fanOut: 'domain',
        },
      ],
      source: { file: 'test.yml', line: 1 },
      note: null,
    });
    // A dry-run playbook stays what it is, whatever its actions.
    expect(forSampleData({ ...p, mode: 'dry-run' }).note).toBeNull();
  });
});
