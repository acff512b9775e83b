import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { ADMIN_TOKEN, api, removeDir, settled, startVigil, type VigilProcess } from '../support/server.js';
import { vpnInstallerStory } from '../support/stories.js';

let vigil: VigilProcess;
let dataDir = '';
const RANGE = ['--from', '2026-01-01T00:00:00Z', '--to', 'now'];

beforeAll(async () => {
  vigil = await startVigil();
  dataDir = vigil.dataDir;
  const body = vpnInstallerStory('LAPTOP7', 'aaaaaaaa')
    .map((e) => JSON.stringify(e))
    .join('\n');
  expect((await api(vigil.url, '/api/v1/ingest', { raw: body })).status).toBe(200);
  await settled(vigil.url);
});
afterAll(async () => {
  await vigil?.stop();
  removeDir(dataDir);
});

describe('vigil incidents', () => {
  let id = '';

  it('lists incidents from a server, and shows one with the reasons for its links', async () => {
    const env = { VIGIL_TOKEN: ADMIN_TOKEN };
    const list = await runCli(['incidents', '--server', vigil.url, ...RANGE], { env });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+SEVERITY/);
    id = /^(inc-[0-9a-f]{16})/m.exec(list.stdout)![1]!;
    const show = await runCli(['incidents', 'show', id, '--server', vigil.url], { env });
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('why these alerts belong together:');
    expect(show.stdout).toContain('the same process tree (aaaaaaaa-0000-0000-0000-000000000002)');
    const missing = await runCli(['incidents', 'show', 'inc-0000000000000000', '--server', vigil.url], {
      env,
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no incident inc-0000000000000000');
    const bad = await runCli(['incidents', '--server', vigil.url, '--status', 'sleeping'], { env });
    expect(bad.code).toBe(2);
  });

  it('reads a data directory directly once the server is stopped', async () => {
    await vigil.stop();
    const list = await runCli(['incidents', '--data', dataDir, '-f', 'jsonl', ...RANGE]);
    expect(list.code, list.stderr).toBe(0);
    const rows = list.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; alertCount: number });
    expect(rows).toEqual([expect.objectContaining({ id, alertCount: 2 })]);
    const show = await runCli(['incidents', 'show', id, '--data', dataDir, '-f', 'json']);
    expect(JSON.parse(show.stdout).links).toHaveLength(1);
  });
});
