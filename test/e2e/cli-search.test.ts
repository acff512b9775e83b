import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { ADMIN_TOKEN, api, removeDir, settled, startVigil, type VigilProcess } from '../support/server.js';

const MD5 = 'aabbccddeeff00112233445566778899';
let vigil: VigilProcess;
const since = ['--from', '2000-01-01T00:00:00Z'];
const event = (host: string, n: number, extra: Record<string, unknown> = {}) => ({
  Channel: 'Microsoft-Windows-Sysmon/Operational',
  Hostname: host,
  EventTime: `2026-11-20 10:00:0${n}`,
  EventID: 1,
  Image: 'C:\\Users\\Public\\keylog.exe',
  CommandLine: `keylog.exe --send smtp.gmail.com #${n}`,
  ...extra,
});

beforeAll(async () => {
  vigil = await startVigil();
  const body = [
    event('CLI1', 1, { Hashes: `MD5=${MD5}` }),
    event('CLI2', 2),
    event('CLI2', 3, { CommandLine: "=cmd|' /C calc'!A0" }),
  ]
    .map((e) => JSON.stringify(e))
    .join('\n');
  expect((await api(vigil.url, '/api/v1/ingest', { raw: body })).status).toBe(200);
  await settled(vigil.url);
});
afterAll(async () => {
  await vigil?.stop();
  if (vigil) removeDir(vigil.dataDir);
});

describe('vigil search and vigil sweep', () => {
  it('search against a server: a table, JSON lines and CSV', async () => {
    const env = { VIGIL_TOKEN: ADMIN_TOKEN };
    const table = await runCli(['search', 'keylog.exe', '--server', vigil.url, ...since], { env });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^3 events/);
    expect(table.stdout).toContain('CLI2');
    const jsonl = await runCli(
      ['search', 'host:CLI2', '-f', 'jsonl', '--raw', '--server', vigil.url, ...since],
      {
        env,
      },
    );
    const rows = jsonl.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { host: string; raw: object });
    expect(rows.map((r) => r.host)).toEqual(['CLI2', 'CLI2']);
    expect(rows[0]!.raw).toMatchObject({ Hostname: 'CLI2' });
    const csv = await runCli(['search', 'keylog.exe', '-f', 'csv', '--server', vigil.url, ...since], { env });
    const lines = csv.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(csv.stdout).not.toMatch(/,=cmd/); // a formula in event data stays text in a spreadsheet
    expect(csv.stdout).toContain(`"'=cmd|' /C calc'!A0"`);
  });

  it('says what is wrong: no token, a bad query, an unreachable server', async () => {
    const noToken = await runCli(['search', 'x', '--server', vigil.url], { env: { VIGIL_TOKEN: '' } });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/token/);
    const bad = await runCli(['search', 'host:(', '--server', vigil.url, ...since], {
      env: { VIGIL_TOKEN: ADMIN_TOKEN },
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/400 from the server/);
    const down = await runCli(['search', 'x', '--server', 'http://127.0.0.1:9'], {
      env: { VIGIL_TOKEN: 'x' },
    });
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/cannot reach/);
  });

  it('sweep against a server, and on the data directory once the server is stopped', async () => {
    const env = { VIGIL_TOKEN: ADMIN_TOKEN };
    const remote = await runCli(
      ['sweep', MD5, 'keylog.exe', '1.1.1.1', '-f', 'json', '--server', vigil.url, ...since],
      {
        env,
      },
    );
    expect(remote.code).toBe(0);
    const r = JSON.parse(remote.stdout) as { iocs: { value: string; events: number }[] };
    expect(Object.fromEntries(r.iocs.map((i) => [i.value, i.events]))).toEqual({
      [MD5]: 1,
      'keylog.exe': 3,
      '1.1.1.1': 0,
    });
    await vigil.stop();
    const local = await runCli(['sweep', MD5, '--fail-on-hit', '--data', vigil.dataDir, ...since]);
    expect(local.code).toBe(1);
    expect(local.stdout).toMatch(new RegExp(`hash\\s+${MD5}\\s+1\\s`));
    const search = await runCli(['search', 'host:CLI1', '-f', 'jsonl', '--data', vigil.dataDir, ...since]);
    expect(search.code).toBe(0);
    expect(search.stdout.trim().split('\n')).toHaveLength(1);
  });
});
