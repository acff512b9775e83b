import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom, sysmonEvent, windowsEvent } from './test-events.js';
import type { AnalyticEvent } from './types.js';
import { loadVendorCatalog, nameKey } from './vendor-catalog.js';
import { VendorImpersonation } from './vendor-impersonation.js';
import { VendorMatcher } from './vendor-matcher.js';

const catalog = loadVendorCatalog();
const RUN = 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run';
const REG = 'C:\\Windows\\System32\\reg.exe';

function runValue(
  name: string,
  writer = REG,
  target = 'C:\\ProgramData\\svc\\lscm.exe',
  time = 0,
): AnalyticEvent {
  return sysmonEvent(
    13,
    { EventType: 'SetValue', Image: writer, TargetObject: `${RUN}\\${name}`, Details: target },
    { time },
  );
}

function processStart(
  commandLine: string,
  image: string,
  parent = 'C:\\Windows\\System32\\cmd.exe',
): AnalyticEvent {
  return sysmonEvent(1, { Image: image, CommandLine: commandLine, ParentImage: parent });
}

function service(name: string, imagePath: string): AnalyticEvent {
  return windowsEvent('System', 7045, { ServiceName: name, ImagePath: imagePath });
}

function task(path: string, command: string): AnalyticEvent {
  const content = `<?xml version="1.0" encoding="UTF-16"?><Task><Actions><Exec><Command>${command}</Command></Exec></Actions></Task>`;
  return windowsEvent('Security', 4698, { TaskName: path, TaskContent: content });
}

const fresh = () => new VendorImpersonation({ catalog });

describe('VendorImpersonation', () => {
  it('flags the ngrok case: reg.exe adds a Run value named after a misspelled vendor', () => {
    const [f] = fresh().observe(
      processStart(
        `reg.exe ADD ${RUN} /v "Symantek Update" /t REG_SZ /d C:\\Windows\\System32\\xqzvkjrtw.exe /f`,
        REG,
      ),
    );
    expect(f?.level).toBe('high');
    expect(f?.reason).toBe(`Run value 'Symantek Update' is 1 edit from the vendor name 'Symantec'`);
    expect(f?.evidence).toMatchObject({ via: 'reg.exe', vendor: 'Symantec', distance: '1', location: RUN });
    expect(f?.tags).toEqual(expect.arrayContaining(['attack.persistence', 'attack.t1547.001']));
  });

  it('reads windash switches and HKCU, RunOnce and Policies\\Explorer\\Run keys', () => {
    const keys = [
      'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\RunOnce',
      'HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Run',
      'HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Policies\\Explorer\\Run',
    ];
    for (const [i, dash] of ['-', '/', '\u2013'].entries()) {
      const cmd = `"C:\\Windows\\system32\\REG.EXE" add "${keys[i]}" ${dash}v Kasperksy ${dash}d "C:\\Users\\Public\\k.exe"`;
      const found = fresh().observe(processStart(cmd, 'C:\\Windows\\system32\\REG.EXE'));
      expect(found.map((f) => f.evidence.vendor)).toEqual(['Kaspersky']);
    }
  });

  it('ignores writes outside autostart keys, other verbs and deletions', () => {
    const a = fresh();
    expect(a.observe(processStart(`reg add HKCU\\Software\\Symantek /v Symantek /d x`, REG))).toEqual([]);
    expect(a.observe(processStart(`reg delete ${RUN} /v Symantek /f`, REG))).toEqual([]);
    expect(a.observe(processStart(`reg query ${RUN}`, REG))).toEqual([]);
    const onceEx = 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\RunOnceEx\\Symantek';
    expect(a.observe(sysmonEvent(12, { EventType: 'DeleteKey', TargetObject: onceEx, Image: REG }))).toEqual(
      [],
    );
    expect(
      a.observe(sysmonEvent(12, { EventType: 'CreateKey', TargetObject: onceEx, Image: REG })),
    ).toHaveLength(1);
  });

  it('reports a registry write and the reg.exe command behind it once', () => {
    const a = fresh();
    const first = a.observe(processStart(`reg add ${RUN} /v McAffee /d C:\\ProgramData\\m.exe`, REG));
    const second = a.observe(runValue('McAffee'));
    expect(first).toHaveLength(1);
    expect(second).toEqual([]);
  });

  it('flags services, scheduled tasks, schtasks and sc.exe', () => {
    const a = fresh();
    expect(
      a.observe(service('CrowdStrlke Falcon Sensor', 'C:\\ProgramData\\cs\\csagent.exe'))[0]?.evidence,
    ).toMatchObject({
      kind: 'service',
      vendor: 'CrowdStrike',
    });
    expect(
      a.observe(task('\\Microsoft\\Windows\\Malwarebytez Scan', 'C:\\Users\\bob\\AppData\\Roaming\\m.exe'))[0]
        ?.evidence,
    ).toMatchObject({
      kind: 'scheduled-task',
      vendor: 'Malwarebytes',
      target: 'C:\\Users\\bob\\AppData\\Roaming\\m.exe',
    });
    const schtasks = 'schtasks /create /sc onlogon /tn "\\SentinelOen Updater" /tr C:\\Users\\Public\\s.exe';
    expect(a.observe(processStart(schtasks, 'C:\\Windows\\System32\\schtasks.exe'))[0]?.evidence.vendor).toBe(
      'SentinelOne',
    );
    const sc = 'sc.exe create BitDefnder binPath= C:\\ProgramData\\bd.exe start= auto';
    expect(a.observe(processStart(sc, 'C:\\Windows\\System32\\sc.exe'))[0]?.evidence).toMatchObject({
      kind: 'service',
      target: 'C:\\ProgramData\\bd.exe',
    });
  });

  it('reads PowerShell Run-key, service and task creation', () => {
    const ps = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe';
    const cases: [string, string][] = [
      [
        `powershell -c "New-ItemProperty -Path 'HKCU:\\Software\\Microsoft\\Windows\\CurrentVersion\\Run' -Name 'Avira Updatr' -Value C:\\Users\\Public\\a.exe"`,
        'run-key',
      ],
      ['powershell New-Service -Name Sophso -BinaryPathName C:\\ProgramData\\s.exe', 'service'],
      [
        'pwsh -c Register-ScheduledTask -TaskName "Webrot Update" -Action (New-ScheduledTaskAction -Execute C:\\x.exe)',
        'scheduled-task',
      ],
    ];
    for (const [cmd, kind] of cases) {
      const [f] = fresh().observe(processStart(cmd, ps));
      expect(f?.evidence, cmd).toMatchObject({ kind, via: 'powershell' });
    }
    const plain =
      'powershell Get-ItemProperty -Path HKCU:\\Software\\Microsoft\\Windows\\CurrentVersion\\Run -Name Sophso';
    expect(fresh().observe(processStart(plain, ps))).toEqual([]);
  });

  it('catches homoglyphs, leet and letter pairs, and says so', () => {
    const cases: [string, string][] = [
      ['S\u0443mantec', 'Symantec'], // Cyrillic у
      ['McAf33', 'McAfee'],
      ['Syrnantec', 'Symantec'],
      ['S0PH0S', 'Sophos'],
      ['Kasper$ky Lab', 'Kaspersky'],
      ['\uff33\uff4f\uff50\uff48\uff4f\uff53', 'Sophos'], // full-width Ｓｏｐｈｏｓ: NFKC makes it plain
    ];
    for (const [name, vendor] of cases) {
      const [f] = fresh().observe(runValue(name));
      expect(f?.evidence.vendor, name).toBe(vendor);
    }
    const [f] = fresh().observe(runValue('S\u0443mantec'));
    expect(f?.level).toBe('high');
    expect(f?.reason).toContain('look-alike characters');
  });

  it('finds a misspelled vendor run into other words', () => {
    const [f] = fresh().observe(runValue('kasperskiupdater'));
    expect(f?.evidence.vendor).toBe('Kaspersky');
    expect(f?.reason).toContain("run into 'kasperskiupdater'");
  });

  it('reports an exact vendor name written by a generic tool at medium, not from the vendor path', () => {
    const [f] = fresh().observe(runValue('Symantec', REG));
    expect(f?.level).toBe('medium');
    expect(f?.reason).toBe(
      `Run value 'Symantec' uses the vendor name 'Symantec' but was created by reg.exe, not software in Symantec's install folders`,
    );
    const own = 'C:\\Program Files\\Symantec\\Symantec Endpoint Protection\\Bin64\\ccSvcHst.exe';
    expect(fresh().observe(runValue('Symantec', own, `"${own}" /s`))).toEqual([]);
    // An installer pointing the value into the vendor's folder is the vendor's; reg.exe doing it is not.
    const msi = 'C:\\Windows\\System32\\msiexec.exe';
    expect(fresh().observe(runValue('Symantec', msi, `"${own}" /s`))).toEqual([]);
    expect(fresh().observe(runValue('Symantec', REG, `"${own}" /s`))).toHaveLength(1);
  });

  it('does not trust a vendor folder planted in a user-writable place', () => {
    const planted = 'C:\\Users\\bob\\AppData\\Local\\Temp\\Symantec\\ccSvcHst.exe';
    expect(fresh().observe(runValue('Symantec', planted, planted))[0]?.level).toBe('medium');
  });

  it('takes WinDefend from its real path as the vendor product, not a typo of Defender', () => {
    const real = '"C:\\ProgramData\\Microsoft\\Windows Defender\\platform\\4.18.24090.11-0\\MsMpEng.exe"';
    expect(fresh().observe(service('WinDefend', real))).toEqual([]);
    const [odd] = fresh().observe(service('WinDefend', 'C:\\ProgramData\\wd\\MsMpEng.exe'));
    expect(odd?.level).toBe('medium');
    expect(odd?.reason).toBe(
      "Service 'WinDefend' uses the Microsoft Defender name 'WinDefend' but runs MsMpEng.exe, outside Microsoft Defender's install folders",
    );
    const installer = 'C:\\Users\\bob\\Downloads\\tool.exe';
    expect(fresh().observe(runValue('Symantec', installer, 'C:\\ProgramData\\s.exe'))[0]?.reason).toBe(
      "Run value 'Symantec' uses the vendor name 'Symantec' but was created by tool.exe to run s.exe, neither in Symantec's install folders",
    );
  });

  it('survives hostile and odd input', () => {
    const a = fresh();
    const odd = [
      '',
      ' ',
      '\\',
      'x'.repeat(100_000),
      'Symantek'.repeat(5_000),
      '\u0000\u0001\u202e',
      '\ud800',
      '🛡️Defender🛡️',
      '木马',
      '__proto__',
      '1234567890',
    ];
    for (const name of odd) expect(() => a.observe(runValue(name))).not.toThrow();
    expect(a.observe(sysmonEvent(13, {}))).toEqual([]);
    expect(a.observe(sysmonEvent(1, { Image: REG }))).toEqual([]);
    expect(a.observe(sysmonEvent(1, { CommandLine: `reg add ${RUN} /v` }))).toEqual([]);
    expect(a.observe(windowsEvent('System', 7045, {}))).toEqual([]);
    expect(a.observe(windowsEvent('Security', 4698, { TaskName: '\\' }))).toEqual([]);
  });
});

type Edit = (s: string, r: () => number) => string;
const letters = 'abcdefghijklmnopqrstuvwxyz';
const pick = (r: () => number, n: number) => Math.floor(r() * n);
const EDITS: Record<string, Edit> = {
  substitution: (s, r) => {
    const i = pick(r, s.length);
    return s.slice(0, i) + letters[pick(r, 26)] + s.slice(i + 1);
  },
  deletion: (s, r) => {
    const i = pick(r, s.length);
    return s.slice(0, i) + s.slice(i + 1);
  },
  insertion: (s, r) => {
    const i = pick(r, s.length + 1);
    return s.slice(0, i) + letters[pick(r, 26)] + s.slice(i);
  },
  transposition: (s, r) => {
    const i = pick(r, s.length - 1);
    return s.slice(0, i) + s[i + 1] + s[i] + s.slice(i + 2);
  },
};

/** Misspells `name` with `edits` random edits, never giving back a real vendor name. */
function misspell(name: string, edits: number, r: () => number, real: ReadonlySet<string>): string {
  for (;;) {
    let s = name;
    const kinds = Object.values(EDITS);
    for (let k = 0; k < edits; k++) s = kinds[pick(r, kinds.length)]!(s, r);
    if (!real.has(nameKey(s))) return s;
  }
}

describe('VendorImpersonation, measured', () => {
  const fuzzyNames = catalog.vendors.flatMap((v) =>
    v.names.filter((n) => n.fuzzy).map((n) => n.display.replace(/[\s.-]+/g, '')),
  );
  const real = new Set(catalog.vendors.flatMap((v) => v.names.map((n) => n.key)));

  function detectionRate(names: readonly string[], edits: number, seed: number): number {
    const r = seededRandom(seed);
    let caught = 0;
    let total = 0;
    for (const name of names)
      for (let k = 0; k < 4; k++) {
        const a = new VendorImpersonation({ catalog });
        total++;
        if (a.observe(runValue(misspell(name, edits, r, real))).some((f) => f.level === 'high')) caught++;
      }
    return caught / total;
  }

  it('catches one-edit misspellings of vendor names', () => {
    const rate = detectionRate(fuzzyNames, 1, 7);
    console.log(`vendor lookalikes, 1 edit: ${(rate * 100).toFixed(1)}% of ${fuzzyNames.length * 4} caught`);
    expect(rate).toBeGreaterThan(0.85);
  });

  it('catches two-edit misspellings of long vendor names (9+ letters)', () => {
    const long = fuzzyNames.filter((n) => nameKey(n).length >= 9);
    const rate = detectionRate(long, 2, 11);
    console.log(
      `vendor lookalikes, 2 edits, 9+ letters: ${(rate * 100).toFixed(1)}% of ${long.length * 4} caught`,
    );
    expect(rate).toBeGreaterThan(0.8);
  });

  it('stays quiet on real autostart, service and task names', () => {
    const lines = readFileSync(new URL('./testdata/benign-autostarts.txt', import.meta.url), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('#'));
    const flagged: string[] = [];
    for (const line of lines) {
      const [kind, name, writer, target] = line.split('|').map((p) => p.trim()) as [
        string,
        string,
        string,
        string,
      ];
      const event =
        kind === 'run'
          ? runValue(name, writer, target)
          : kind === 'service'
            ? service(name, target)
            : task(name, target);
      const found = new VendorImpersonation({ catalog }).observe(event);
      if (found.length > 0) flagged.push(`${name}: ${found[0]!.reason}`);
    }
    const rate = flagged.length / lines.length;
    console.log(
      `vendor lookalikes, false positives: ${flagged.length} of ${lines.length} real names (${(rate * 100).toFixed(1)}%)` +
        flagged.map((f) => `\n  ${f}`).join(''),
    );
    expect(lines.length).toBeGreaterThanOrEqual(150);
    expect(rate).toBeLessThanOrEqual(0.02);
  });

  // A large vocabulary nobody tuned the list against: the words in TypeScript's own lib/*.d.ts
  // identifiers (an installed dev dependency), 'addEventListener' → add, event, listener.
  it('does not take everyday words for vendor lookalikes', () => {
    const lib = join(dirname(createRequire(import.meta.url).resolve('typescript')), '.');
    if (!existsSync(lib)) return;
    const words = new Set<string>();
    for (const file of readdirSync(lib).filter((f) => /^lib\..*\.d\.ts$/.test(f)))
      for (const id of readFileSync(join(lib, file), 'utf8').match(/[A-Za-z]{4,}/g) ?? [])
        for (const w of id.split(/(?<=[a-z])(?=[A-Z])/))
          if (/^[A-Za-z]{4,}$/.test(w)) words.add(w.toLowerCase());
    const matcher = new VendorMatcher(catalog);
    const lookalikes = [...words].filter((w) => matcher.match(w).lookalikes.length > 0);
    console.log(
      `vendor lookalikes among ${words.size} everyday words from TypeScript's lib files: ${lookalikes.length} ${lookalikes.join(' ')}`,
    );
    expect(words.size).toBeGreaterThan(3000);
    expect(lookalikes.length / words.size).toBeLessThanOrEqual(0.002);
  });
});
