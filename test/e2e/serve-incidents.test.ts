import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, api, removeDir, settled, startVigil, type VigilProcess } from '../support/server.js';
import { processStart, vpnInstallerStory as story } from '../support/stories.js';

let vigil: VigilProcess;

const ndjson = (events: unknown[]) => events.map((e) => JSON.stringify(e)).join('\n') + '\n';
interface Summary {
  id: string;
  alertCount: number;
  hosts: string[];
  state: { status: string; verdict: string; assignee: string };
}

beforeAll(async () => {
  vigil = await startVigil();
});
afterAll(async () => {
  await vigil?.stop();
  if (vigil) removeDir(vigil.dataDir);
});

describe('vigil serve: incidents', () => {
  let incident: Summary;

  it('links a story arriving in two requests into one incident, and explains the link', async () => {
    const [first, second] = story('LAPTOP7', 'aaaaaaaa');
    expect((await api(vigil.url, '/api/v1/ingest', { raw: ndjson([first]) })).status).toBe(200);
    expect((await api(vigil.url, '/api/v1/ingest', { raw: ndjson([second]) })).status).toBe(200);
    // An unrelated host's alert stays apart.
    expect(
      (await api(vigil.url, '/api/v1/ingest', { raw: ndjson([story('OTHER1', 'bbbbbbbb')[0]]) })).status,
    ).toBe(200);
    await settled(vigil.url);
    const list = await api(vigil.url, '/api/v1/incidents?from=2026-01-01T00:00:00Z&to=now');
    expect(list.status).toBe(200);
    const incidents = list.body.incidents as Summary[];
    expect(incidents.map((i) => [i.hosts.join(','), i.alertCount]).sort()).toEqual([
      ['LAPTOP7', 2],
      ['OTHER1', 1],
    ]);
    incident = incidents.find((i) => i.hosts[0] === 'LAPTOP7')!;
    // Paging: one at a time gives the same incidents, in the same order.
    const page = async (offset: number) =>
      (
        (await api(vigil.url, `/api/v1/incidents?from=2026-01-01T00:00:00Z&to=now&limit=1&offset=${offset}`))
          .body.incidents as Summary[]
      ).map((i) => i.id);
    expect([...(await page(0)), ...(await page(1)), ...(await page(2))]).toEqual(incidents.map((i) => i.id));
    expect(incident.state.status).toBe('new');
    const detail = await api(vigil.url, `/api/v1/incidents/${incident.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.alerts).toHaveLength(2);
    expect(detail.body.links[0].reason).toContain(
      'the same process tree (aaaaaaaa-0000-0000-0000-000000000002)',
    );
    expect(detail.body.entities.some((e: { type: string }) => e.type === 'user')).toBe(true);
  });

  it('tracks the lifecycle: assignee, status, a verdict to close, and notes', async () => {
    const path = `/api/v1/incidents/${incident.id}`;
    const bad = await api(vigil.url, path, { method: 'PATCH', body: { status: 'closed' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/verdict/);
    const taken = await api(vigil.url, path, {
      method: 'PATCH',
      body: { status: 'investigating', assignee: 'erin' },
    });
    expect(taken.body.state).toMatchObject({ status: 'investigating', assignee: 'erin' });
    const note = await api(vigil.url, `${path}/notes`, {
      body: { text: 'lscm.exe is the backdoor; wiping the laptop' },
    });
    expect(note.status).toBe(201);
    const closed = await api(vigil.url, path, {
      method: 'PATCH',
      body: { status: 'closed', verdict: 'true-positive' },
    });
    expect(closed.body.state).toMatchObject({ status: 'closed', verdict: 'true-positive', assignee: 'erin' });
    expect(closed.body.notes.map((n: { text: string }) => n.text)).toEqual([
      'lscm.exe is the backdoor; wiping the laptop',
    ]);
    const open = await api(vigil.url, '/api/v1/incidents?from=2026-01-01T00:00:00Z&to=now&status=new');
    expect((open.body.incidents as Summary[]).map((i) => i.hosts[0])).toEqual(['OTHER1']);
    expect((await api(vigil.url, '/api/v1/incidents/inc-doesnotexist')).status).toBe(404);
  });

  it('a suppression keeps matching detections from alerting, and can be removed', async () => {
    const missing = await api(vigil.url, '/api/v1/suppressions', { body: { rule_id: '', reason: 'x' } });
    expect(missing.status).toBe(400);
    const made = await api(vigil.url, '/api/v1/suppressions', {
      body: {
        entity: 'host:quiet9',
        reason: 'lab machine running installer tests',
        expires: '2099-01-01T00:00:00Z',
      },
    });
    expect(made.status).toBe(201);
    await api(vigil.url, '/api/v1/ingest', { raw: ndjson(story('QUIET9', 'cccccccc')) });
    await settled(vigil.url);
    const status = await api(vigil.url, '/api/v1/status');
    expect(status.body.pipeline.suppressed).toBe(2);
    const list = await api(vigil.url, '/api/v1/incidents?from=2026-01-01T00:00:00Z&to=now');
    expect((list.body.incidents as Summary[]).some((i) => i.hosts.includes('QUIET9'))).toBe(false);
    expect((await api(vigil.url, `/api/v1/suppressions/${made.body.id}`, { method: 'DELETE' })).status).toBe(
      200,
    );
    expect((await api(vigil.url, '/api/v1/suppressions')).body.suppressions).toEqual([]);
  });

  it('Vigil’s own analytics alert too: a Run key named like a security vendor, with a typo', async () => {
    const runKey = {
      Channel: 'Microsoft-Windows-Sysmon/Operational',
      Hostname: 'LAPTOP9',
      EventTime: '2026-11-20 11:00:00',
      EventID: 13,
      EventType: 'SetValue',
      ProcessGuid: '{dddddddd-0000-0000-0000-000000000001}',
      Image: 'C:\\Windows\\System32\\reg.exe',
      TargetObject: 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\Symantek Updater',
      Details: 'C:\\Windows\\System32\\qxvtrkzm.exe',
      User: 'CORP\\dave',
    };
    expect((await api(vigil.url, '/api/v1/ingest', { raw: ndjson([runKey]) })).status).toBe(200);
    await settled(vigil.url);
    const alerts = await api(
      vigil.url,
      '/api/v1/alerts?from=2026-01-01T00:00:00Z&to=now&rule=vigil.analytics.vendor-lookalike-persistence',
    );
    expect(alerts.body.total).toBe(1);
    expect(alerts.body.alerts[0]).toMatchObject({ kind: 'analytic', host: 'LAPTOP9' });
    expect(alerts.body.alerts[0].fields.reason).toMatch(/Symantec/);
    const list = await api(vigil.url, '/api/v1/incidents?from=2026-01-01T00:00:00Z&to=now');
    expect((list.body.incidents as Summary[]).some((i) => i.hosts.includes('LAPTOP9'))).toBe(true);
  });

  it('a tenant sees only its own incidents', async () => {
    const token = (
      await api(vigil.url, '/api/v1/tokens', { body: { tenant: 'acme', role: 'analyst', name: 'a' } })
    ).body.token as string;
    const list = await api(vigil.url, '/api/v1/incidents?from=2026-01-01T00:00:00Z&to=now', { token });
    expect(list.body.incidents).toEqual([]);
    expect((await api(vigil.url, `/api/v1/incidents/${incident.id}`, { token })).status).toBe(404);
    expect(
      (
        await api(vigil.url, `/api/v1/incidents/${incident.id}`, {
          token: ADMIN_TOKEN,
          method: 'PATCH',
          body: {},
        })
      ).status,
    ).toBe(200);
  });

  it('incidents survive a restart, and a story continues in the same incident', async () => {
    const dataDir = vigil.dataDir;
    await vigil.stop();
    vigil = await startVigil({ dataDir });
    // The script host starts a second payload: the same process tree, after the restart.
    const again = processStart(
      'LAPTOP7',
      '2026-11-20 10:06:00',
      '{aaaaaaaa-0000-0000-0000-000000000005}',
      '{aaaaaaaa-0000-0000-0000-000000000002}',
      'C:\\Users\\bob\\AppData\\Roaming\\Windscribe\\helper.exe',
      'C:\\Windows\\System32\\wscript.exe',
    );
    await api(vigil.url, '/api/v1/ingest', { raw: ndjson([again]) });
    await settled(vigil.url);
    const detail = await api(vigil.url, `/api/v1/incidents/${incident.id}`);
    expect(detail.status).toBe(200);
    // The new script-host child joined; the analytics found an installer → script host →
    // unsigned payload chain for each payload (lscm.exe before the restart, helper.exe after).
    expect(detail.body.alerts.map((a: { ruleId: string }) => a.ruleId).sort()).toEqual([
      '052c1390-c65c-4a6e-991c-8940f6cfd8bf',
      '052c1390-c65c-4a6e-991c-8940f6cfd8bf',
      '13619774-09df-4867-8d3c-e8f93e2042a6',
      'vigil.analytics.installer-script-payload',
      'vigil.analytics.installer-script-payload',
    ]);
    expect(detail.body.state.status).toBe('closed');
  });

  it('a retro-hunt finding joins the incident of the process it is about', async () => {
    const rule = [
      'title: Backdoor Binary Named Like The VPN Service',
      'id: 0d9b4a51-3b4e-4c39-9a39-5f4f2b8f6a10',
      'level: high',
      'logsource: { category: process_creation, product: windows }',
      'detection:',
      '  selection:',
      "    Image|endswith: '\\lscm.exe'",
      '  condition: selection',
    ].join('\n');
    // Exceptions hold for retro-hunts too.
    const quiet = await api(vigil.url, '/api/v1/suppressions', {
      body: { entity: 'host:quiet9', reason: 'lab machine running installer tests' },
    });
    expect(quiet.status).toBe(201);
    const run = await api(vigil.url, '/api/v1/retro-hunt', {
      body: { rule, from: '2026-11-01T00:00:00Z', to: 'now' },
    });
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    expect(run.body.alertsStored).toBe(1); // LAPTOP7's lscm.exe; QUIET9's is suppressed
    const detail = await api(vigil.url, `/api/v1/incidents/${incident.id}`);
    expect(detail.body.alerts.map((a: { ruleId: string }) => a.ruleId)).toContain(
      '0d9b4a51-3b4e-4c39-9a39-5f4f2b8f6a10',
    );
  });
});
