import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, removeDir, settled, startVigil, type VigilProcess } from '../support/server.js';

let vigil: VigilProcess;
beforeAll(async () => {
  vigil = await startVigil();
});
afterAll(async () => {
  await vigil?.stop();
  if (vigil) removeDir(vigil.dataDir);
});

const ID = '5c1f0f2e-8d8a-4a7b-9f38-0b7c2b1d6e41';
const rule = (id: string | null, condition = 'selection') =>
  [
    'title: Test Tool Started',
    ...(id === null ? [] : [`id: ${id}`]),
    'level: high',
    'logsource: { category: process_creation, product: windows }',
    'detection:',
    '  selection:',
    "    Image|endswith: '\\\\zz_test_tool.exe'",
    `  condition: ${condition}`,
  ].join('\n');
let n = 0;
const start = () => ({
  Channel: 'Microsoft-Windows-Sysmon/Operational',
  Hostname: 'WS42',
  EventTime: '2026-11-20 10:00:00',
  EventID: 1,
  RecordNumber: ++n,
  Image: 'C:\\Tools\\zz_test_tool.exe',
  CommandLine: `zz_test_tool.exe run ${n}`,
});
async function alertsOfRule(): Promise<number> {
  await api(vigil.url, '/api/v1/ingest', { raw: JSON.stringify(start()) + '\n' });
  await settled(vigil.url);
  return (await api(vigil.url, `/api/v1/alerts?from=2026-01-01T00:00:00Z&to=now&rule=${ID}`)).body
    .total as number;
}

describe('vigil serve: the live rule set', () => {
  it('refuses a rule that does not load, with the error at its line, and one without an id', async () => {
    const bad = await api(vigil.url, '/api/v1/rules', { raw: rule(ID, 'selecton') });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].line).toBe(8);
    expect((await api(vigil.url, '/api/v1/rules', { raw: rule(null) })).status).toBe(400);
  });

  it('an uploaded rule detects from the next events on; disabled it stops; enabled it resumes', async () => {
    expect(await alertsOfRule()).toBe(0);
    const up = await api(vigil.url, '/api/v1/rules', { raw: rule(ID) });
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    expect(await alertsOfRule()).toBe(1);
    const off = await api(vigil.url, `/api/v1/rules/${ID}`, { method: 'PATCH', body: { enabled: false } });
    expect(off.status).toBe(200);
    expect(await alertsOfRule()).toBe(1);
    const listed = await api(vigil.url, '/api/v1/rules?q=test tool');
    expect(listed.body.rules).toEqual([expect.objectContaining({ id: ID, enabled: false })]);
    await api(vigil.url, `/api/v1/rules/${ID}`, { method: 'PATCH', body: { enabled: true } });
    expect(await alertsOfRule()).toBe(2);
  });

  it('keeps uploaded rules and switches across a restart', async () => {
    await api(vigil.url, `/api/v1/rules/${ID}`, { method: 'PATCH', body: { enabled: false } });
    const dataDir = vigil.dataDir;
    await vigil.stop();
    vigil = await startVigil({ dataDir });
    const listed = await api(vigil.url, '/api/v1/rules?q=test tool');
    expect(listed.body.rules).toEqual([expect.objectContaining({ id: ID, enabled: false })]);
    expect(await alertsOfRule()).toBe(2);
  });
});
