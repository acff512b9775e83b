import { describe, expect, it } from 'vitest';
import { InstallerChain } from './installer-chain.js';
import { sysmonEvent, windowsEvent } from './test-events.js';
import type { AnalyticEvent } from './types.js';

const HOST = 'WS07.corp.example';
const INSTALLER = 'C:\\Users\\bob\\Downloads\\Windscribe_2.4.6_x64.exe';
const WSCRIPT = 'C:\\Windows\\System32\\wscript.exe';
const PAYLOAD = 'C:\\Users\\bob\\AppData\\Roaming\\lscm.exe';
const guid = (n: number) => `{6A3F1C2B-0001-0000-0010-${String(n).padStart(12, '0')}}`;

function start(
  n: number,
  parent: number,
  image: string,
  commandLine: string,
  time: number,
  parentImage = '',
): AnalyticEvent {
  return sysmonEvent(
    1,
    {
      ProcessGuid: guid(n),
      ProcessId: n,
      ParentProcessGuid: guid(parent),
      ParentProcessId: parent,
      Image: image,
      CommandLine: commandLine,
      ParentImage: parentImage,
      User: 'CORP\\bob',
    },
    { host: HOST, time },
  );
}

function loaded(image: string, signed: string, status: string, time: number): AnalyticEvent {
  return sysmonEvent(
    7,
    { Image: image, ImageLoaded: image, Signed: signed, SignatureStatus: status },
    { host: HOST, time },
  );
}

const chain = (t = 1_000) => [
  start(100, 10, 'C:\\Windows\\explorer.exe', 'explorer.exe', t - 500),
  start(101, 100, INSTALLER, `"${INSTALLER}"`, t, 'C:\\Windows\\explorer.exe'),
  start(102, 101, WSCRIPT, `"${WSCRIPT}" "C:\\Users\\bob\\AppData\\Roaming\\win.vbs"`, t + 100, INSTALLER),
  start(103, 102, PAYLOAD, `"${PAYLOAD}" -connect`, t + 200, WSCRIPT),
];

function run(a: InstallerChain, events: readonly AnalyticEvent[]) {
  return events.flatMap((e) => a.observe(e));
}

describe('InstallerChain', () => {
  it('reports installer → script host → unsigned payload once its signature is seen', () => {
    const a = new InstallerChain();
    expect(run(a, chain())).toEqual([]);
    const [f, ...rest] = a.observe(loaded(PAYLOAD, 'false', 'Unavailable', 1_250));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      level: 'high',
      host: HOST,
      time: 1_200,
      reason:
        'Installer Windscribe_2.4.6_x64.exe started wscript.exe (win.vbs), which launched unsigned ' +
        'C:\\Users\\bob\\AppData\\Roaming\\lscm.exe from a user-writable folder',
      evidence: {
        chain: `${INSTALLER} → ${WSCRIPT} → ${PAYLOAD}`,
        signature: 'unsigned',
        script: 'win.vbs',
        user: 'bob',
      },
    });
    expect(f?.tags).toEqual(expect.arrayContaining(['attack.execution', 'attack.t1059.005']));
    expect(f?.event?.fields.get('ProcessGuid')).toBe(guid(103));
  });

  it('reports at medium when the signature never shows up, once the wait is over', () => {
    const a = new InstallerChain({ signatureWaitMs: 60_000 });
    expect(run(a, chain())).toEqual([]);
    expect(a.advance(30_000)).toEqual([]);
    const [f] = a.advance(61_200);
    expect(f).toMatchObject({ level: 'medium', evidence: { signature: 'unknown' } });
    expect(f?.reason).toContain('(signature not seen)');
    expect(a.advance(1e9)).toEqual([]);
  });

  it('leaves a validly signed payload alone, and reports an invalid signature', () => {
    const signed = new InstallerChain();
    run(signed, chain());
    expect(signed.observe(loaded(PAYLOAD, 'true', 'Valid', 1_300))).toEqual([]);
    expect(signed.advance(1e9)).toEqual([]);
    const revoked = new InstallerChain();
    run(revoked, chain());
    expect(revoked.observe(loaded(PAYLOAD, 'true', 'Revoked', 1_300))[0]?.evidence).toMatchObject({
      signature: 'invalid',
      signature_status: 'Revoked',
    });
  });

  it('uses a signature seen before the chain completes', () => {
    const a = new InstallerChain();
    a.observe(loaded(PAYLOAD, 'false', 'Unavailable', 0));
    expect(run(a, chain())[0]?.level).toBe('high');
  });

  it('pieces the chain together whatever order the events arrive in', () => {
    const permutations = <T>(xs: readonly T[]): T[][] =>
      xs.length <= 1
        ? [[...xs]]
        : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
    const orders = permutations(chain());
    expect(orders).toHaveLength(24);
    for (const order of orders) {
      const a = new InstallerChain();
      expect(run(a, order)).toEqual([]);
      const found = a.observe(loaded(PAYLOAD, 'false', 'Unavailable', 1_300));
      expect(found.map((f) => f.evidence.chain)).toEqual([`${INSTALLER} → ${WSCRIPT} → ${PAYLOAD}`]);
    }
  });

  it('finds the nearest installer a few generations up and names the steps between', () => {
    const msi = 'C:\\Windows\\System32\\msiexec.exe';
    const cmd = 'C:\\Windows\\System32\\cmd.exe';
    const a = new InstallerChain();
    run(a, [
      start(1, 0, msi, 'msiexec.exe /i C:\\Users\\bob\\Downloads\\vpn.msi', 0),
      start(2, 1, msi, 'msiexec.exe -Embedding 4A1C', 10),
      start(3, 2, cmd, 'cmd.exe /c start.bat', 20),
      start(4, 3, 'C:\\Windows\\System32\\mshta.exe', 'mshta.exe C:\\ProgramData\\x\\run.hta', 30),
      start(5, 4, 'C:\\ProgramData\\x\\agent.exe', 'agent.exe', 40),
    ]);
    const [f] = a.advance(1e6);
    expect(f?.reason).toBe(
      'Installer msiexec.exe started mshta.exe (run.hta) via cmd.exe, which launched ' +
        'C:\\ProgramData\\x\\agent.exe (signature not seen) from a user-writable folder',
    );
    expect(f?.tags).toContain('attack.t1218.005');
    expect(f?.evidence.installer_command_line).toBe('msiexec.exe -Embedding 4A1C');
  });

  it('reads Security 4688 with hex process ids', () => {
    const sec = (pid: string, ppid: string, image: string, commandLine: string, time: number) =>
      windowsEvent(
        'Security',
        4688,
        { NewProcessId: pid, ProcessId: ppid, NewProcessName: image, CommandLine: commandLine },
        { host: HOST, time },
      );
    const a = new InstallerChain();
    run(a, [
      sec(
        '0x1a0',
        '0x10',
        'C:\\Users\\bob\\AppData\\Local\\Temp\\is-K3J2D.tmp\\setup.tmp',
        'setup.tmp /SL5',
        0,
      ),
      sec(
        '0x1a4',
        '0x1a0',
        'C:\\Windows\\System32\\cmd.exe',
        'cmd /c "C:\\Users\\bob\\AppData\\Local\\Temp\\a.js"',
        10,
      ),
      sec('0x1b0', '0x1a4', 'C:\\Users\\Public\\svc.exe', 'svc.exe', 20),
    ]);
    expect(a.advance(1e6)[0]?.evidence.payload).toBe('C:\\Users\\Public\\svc.exe');
  });

  it('ignores chains without an installer, a script host, or a user-writable payload', () => {
    const a = new InstallerChain();
    const events = chain();
    run(a, [
      events[0]!,
      start(201, 100, 'C:\\Program Files\\App\\app.exe', 'app.exe', 0),
      start(202, 201, WSCRIPT, 'wscript x.vbs', 10),
      start(203, 202, PAYLOAD, 'lscm.exe', 20),
      start(301, 100, INSTALLER, 'setup', 0),
      start(302, 301, 'C:\\Windows\\System32\\cmd.exe', 'cmd /c copy a b', 10),
      start(303, 302, PAYLOAD, 'lscm.exe', 20),
      start(401, 100, INSTALLER, 'setup', 0),
      start(402, 401, WSCRIPT, 'wscript x.vbs', 10),
      start(403, 402, 'C:\\Program Files\\Vendor\\tool.exe', 'tool.exe', 20),
    ]);
    expect(a.advance(1e9)).toEqual([]);
  });

  it('keeps the number of tracked processes under its cap', () => {
    const a = new InstallerChain({ maxProcesses: 1_000 });
    for (let i = 1; i <= 50_000; i++) {
      a.observe(start(i, i - 1, `C:\\Users\\bob\\AppData\\Local\\Temp\\p${i}.exe`, `p${i}.exe`, i));
      expect(a.trackedProcesses).toBeLessThanOrEqual(1_000);
    }
    expect(a.trackedProcesses).toBe(1_000);
  });

  it('forgets processes after their time to live', () => {
    const a = new InstallerChain({ processTtlMs: 1_000 });
    run(a, chain(0));
    expect(a.trackedProcesses).toBeGreaterThan(0);
    a.advance(1e9);
    expect(a.trackedProcesses).toBe(0);
  });

  it('survives hostile and odd input', () => {
    const a = new InstallerChain();
    const odd: AnalyticEvent[] = [
      sysmonEvent(1, {}),
      sysmonEvent(1, { ProcessGuid: '', ProcessId: 'abc', Image: '' }),
      sysmonEvent(1, { ProcessGuid: guid(1), ParentProcessGuid: guid(1), Image: 'x' }),
      sysmonEvent(1, { ProcessGuid: '{00000000-0000-0000-0000-000000000000}', Image: 'y' }),
      sysmonEvent(1, { ProcessGuid: guid(2), Image: 'z'.repeat(100_000), CommandLine: '"'.repeat(50_000) }),
      sysmonEvent(7, { Image: PAYLOAD, ImageLoaded: PAYLOAD, Signed: 'maybe' }),
      sysmonEvent(7, { Image: PAYLOAD }),
      { ...start(5, 4, PAYLOAD, 'x', 0), time: Number.NaN },
    ];
    for (const e of odd) expect(() => a.observe(e)).not.toThrow();
    expect(() => a.advance(Number.NaN)).not.toThrow();
  });

  it('reports each waiting chain when its own wait is over, whichever order they started in', () => {
    const a = new InstallerChain({ signatureWaitMs: 60_000 });
    const second = 'C:\\Users\\bob\\AppData\\Roaming\\other.exe';
    // The first chain's payload starts late; a second chain, whose payload starts early, waits behind it.
    expect(run(a, chain(50_000))).toEqual([]);
    expect(
      run(a, [
        start(
          201,
          101,
          WSCRIPT,
          `"${WSCRIPT}" "C:\\Users\\bob\\AppData\\Roaming\\two.vbs"`,
          1_000,
          INSTALLER,
        ),
        start(202, 201, second, `"${second}"`, 1_100, WSCRIPT),
      ]),
    ).toEqual([]);
    // Events that are not due yet leave both waiting.
    expect(a.observe(loaded('C:\\Windows\\System32\\svchost.exe', 'true', 'Valid', 61_000))).toEqual([]);
    const [early, ...none] = a.advance(61_100);
    expect(none).toEqual([]);
    expect(early?.evidence.chain).toContain('other.exe');
    expect(a.advance(110_000)).toEqual([]);
    const [late] = a.advance(110_200);
    expect(late?.evidence.chain).toContain('lscm.exe');
    expect(a.advance(1e9)).toEqual([]);
  });
});
