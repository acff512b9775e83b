import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NameRandomness } from './name-randomness.js';
import { RandomSystemBinary } from './random-system-binary.js';
import { loadSystemNames } from './system-names.js';
import { seededRandom, sysmonEvent, windowsEvent } from './test-events.js';

const names = loadSystemNames();
const fresh = () => new RandomSystemBinary({ names });
const SYS32 = 'C:\\Windows\\System32\\';

function started(image: string, time = 0) {
  return sysmonEvent(
    1,
    { Image: image, ParentImage: 'C:\\Windows\\System32\\cmd.exe', CommandLine: image },
    { time },
  );
}

function fixture(file: string): string[] {
  const lines = readFileSync(new URL(`./testdata/${file}`, import.meta.url), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  return [...new Map(lines.map((l) => [l.toLowerCase(), l])).values()];
}

describe('RandomSystemBinary', () => {
  it('flags the random names of the brief and explains why', () => {
    for (const name of ['xqzvkjrtw.exe', 'hY7tQ2pL.exe', 'a8f3kd9q.exe']) {
      const [f] = fresh().observe(started(SYS32 + name));
      expect(f?.level, name).toBe('high');
      expect(f?.evidence.name).toBe(name);
    }
    const [f] = fresh().observe(started(SYS32 + 'xqzvkjrtw.exe'));
    expect(f?.reason).toMatch(
      /^Process started from C:\\Windows\\System32\\xqzvkjrtw\.exe, whose name 'xqzvkjrtw\.exe' looks random \(score \d+\.\d > 6\.75\): letter pairs unlike Windows names and words/,
    );
  });

  it('does not flag the genuine system binaries', () => {
    const a = fresh();
    for (const name of [
      'svchost',
      'wmiprvse',
      'conhost',
      'dllhost',
      'msiexec',
      'rundll32',
      'WmiApSrv',
      'ntoskrnl',
    ])
      expect(a.observe(started(`${SYS32}${name}.exe`)), name).toEqual([]);
  });

  it('looks only at executables directly in the system folders', () => {
    const a = new RandomSystemBinary({ names, repeatWindowMs: 0 });
    const random = 'xqzvkjrtw';
    expect(a.observe(started(`C:\\Users\\bob\\${random}.exe`))).toEqual([]);
    expect(a.observe(started(`C:\\Windows\\System32\\Tasks\\${random}.exe`))).toEqual([]);
    expect(a.observe(sysmonEvent(11, { TargetFilename: `${SYS32}${random}.txt` }))).toEqual([]);
    for (const path of [
      `C:\\Windows\\${random}.exe`,
      `c:/windows/syswow64/${random}.dll`,
      `C:\\Windows\\System32\\drivers\\${random}.sys`,
      `\\Device\\HarddiskVolume3\\Windows\\System32\\${random}.scr`,
      `%SystemRoot%\\System32\\${random}.exe`,
    ])
      expect(
        a.observe(sysmonEvent(11, { TargetFilename: path, Image: 'C:\\Users\\bob\\drop.exe' })),
        path,
      ).toHaveLength(1);
  });

  it('reads Security 4688 and file creation, and reports a path once', () => {
    const a = fresh();
    const created = a.observe(
      sysmonEvent(11, { TargetFilename: `${SYS32}hY7tQ2pL.exe`, Image: 'C:\\Users\\bob\\d.exe' }),
    );
    expect(created[0]).toMatchObject({ level: 'medium', evidence: { writer: 'C:\\Users\\bob\\d.exe' } });
    const proc = windowsEvent('Security', 4688, {
      NewProcessName: `${SYS32}hY7tQ2pL.exe`,
      ParentProcessName: 'C:\\x.exe',
    });
    expect(a.observe(proc)[0]?.level).toBe('high');
    expect(a.observe(proc)).toEqual([]);
  });

  it('lowers the level of a name written by Windows servicing', () => {
    const event = sysmonEvent(11, {
      TargetFilename: `${SYS32}drivers\\xqzvkjrtw.sys`,
      Image: 'C:\\Windows\\servicing\\TrustedInstaller.exe',
    });
    expect(fresh().observe(event)[0]?.level).toBe('low');
  });

  it('survives hostile and odd input', () => {
    const a = fresh();
    for (const path of [
      '',
      SYS32,
      `${SYS32}.exe`,
      `${SYS32}${'q'.repeat(100_000)}.exe`,
      `${SYS32}\u6728\u9a6c.exe`,
      `${SYS32}\ud800.exe`,
      `${SYS32}__proto__.exe`,
      `${SYS32}12345678.exe`,
      `${SYS32}a.b.c.d.e.f.exe`,
    ])
      expect(() => a.observe(started(path))).not.toThrow();
    expect(a.observe(sysmonEvent(1, {}))).toEqual([]);
    expect(a.observe(sysmonEvent(11, { TargetFilename: 42 }))).toEqual([]);
  });
});

describe('RandomSystemBinary, measured', () => {
  const analytic = new RandomSystemBinary({ names, repeatWindowMs: 0 });
  const flagged = (file: string) => analytic.observe(started(SYS32 + file)).length > 0;

  function falsePositives(list: readonly string[], label: string, statsOnly: boolean): number {
    const scorer = new NameRandomness(statsOnly ? { ...names, known: new Set() } : names);
    const hits = list.filter((file) => {
      if (!statsOnly) return flagged(file);
      const s = scorer.score(file.replace(/\.[^.]+$/, ''));
      return s !== undefined && s.score > 6.75;
    });
    const rate = hits.length / list.length;
    console.log(
      `random names, false positives on ${label}${statsOnly ? ' (score alone, no known list)' : ''}: ` +
        `${hits.length} of ${list.length} (${(rate * 100).toFixed(1)}%) ${hits.join(' ')}`,
    );
    return rate;
  }

  it('stays quiet on real System32 names', () => {
    const real = fixture('system32-names.txt');
    expect(real.length).toBeGreaterThanOrEqual(200);
    expect(falsePositives(real, 'real System32 names', false)).toBeLessThanOrEqual(0.01);
    expect(falsePositives(real, 'real System32 names', true)).toBeLessThanOrEqual(0.02);
  });

  it('stays quiet on real names not used to choose weights (out of sample)', () => {
    const unseen = fixture('system32-names-unseen.txt');
    expect(falsePositives(unseen, 'unseen real names', false)).toBeLessThanOrEqual(0.035);
  });

  it('catches generated random names', () => {
    const r = seededRandom(2024);
    const lower = 'abcdefghijklmnopqrstuvwxyz';
    const alphabets: Record<string, string> = {
      'lower-case letters': lower,
      'mixed case and digits': lower + lower.toUpperCase() + '0123456789',
      'lower case and digits': lower + '0123456789',
      hex: '0123456789abcdef',
    };
    let caught = 0;
    let total = 0;
    for (const [label, alphabet] of Object.entries(alphabets)) {
      let hits = 0;
      const n = 400;
      for (let i = 0; i < n; i++) {
        const length = label === 'hex' ? 8 + (i % 9) : 6 + (i % 7);
        const name = Array.from({ length }, () => alphabet[Math.floor(r() * alphabet.length)]).join('');
        if (flagged(`${name}.exe`)) hits++;
      }
      console.log(
        `random names, detection, ${label} (${label === 'hex' ? '8–16' : '6–12'} chars): ${((hits / n) * 100).toFixed(1)}% of ${n}`,
      );
      caught += hits;
      total += n;
    }
    console.log(`random names, detection overall: ${((caught / total) * 100).toFixed(1)}% of ${total}`);
    expect(caught / total).toBeGreaterThanOrEqual(0.9);
  });

  it('judges a path the same when it comes back, after a flood of other paths', () => {
    const a = new RandomSystemBinary({ names, repeatWindowMs: 0 });
    const random = `${SYS32}xqzvkjrtw.exe`;
    const first = a.observe(started(random, 0));
    expect(first[0]?.level).toBe('high');
    // More distinct paths than the verdicts kept: the remembered ones are dropped, never mixed up.
    for (let i = 0; i < 10_000; i++) {
      const path = i % 2 === 0 ? `${SYS32}svchost${i}.exe` : `C:\\Temp\\q${i}zxkv.exe`;
      a.observe(started(path, i + 1));
    }
    const again = a.observe(started(random, 20_000));
    expect(again[0]?.evidence).toEqual(first[0]?.evidence);
    expect(a.observe(started(`${SYS32}svchost.exe`, 20_001))).toEqual([]);
    expect(a.observe(started(`${SYS32}svchost.exe`, 20_002))).toEqual([]);
  });
});
