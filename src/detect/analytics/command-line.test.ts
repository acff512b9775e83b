import { describe, expect, it } from 'vitest';
import { isSwitch, programName, splitCommandLine, switchValue } from './command-line.js';
import { commandProgram } from './paths.js';

describe('splitCommandLine', () => {
  it('splits on spaces, groups quotes and keeps escaped quotes', () => {
    expect(splitCommandLine('reg add "HKCU\\Run" /v "My App" /d "\\"C:\\a b\\x.exe\\" -s"')).toEqual([
      'reg',
      'add',
      'HKCU\\Run',
      '/v',
      'My App',
      '/d',
      '"C:\\a b\\x.exe" -s',
    ]);
    expect(splitCommandLine('  ')).toEqual([]);
    expect(splitCommandLine('a ""')).toEqual(['a', '']);
  });

  it('bounds what it reads', () => {
    expect(splitCommandLine('a '.repeat(100_000)).length).toBeLessThanOrEqual(256);
  });
});

describe('switches', () => {
  it('accepts every windash spelling', () => {
    for (const dash of ['/', '-', '\u2013', '\u2014', '\u2015']) expect(isSwitch(`${dash}V`, 'v')).toBe(true);
    expect(isSwitch('v', 'v')).toBe(false);
    expect(switchValue(['schtasks', '/create', '-TN', 'x'], 'tn')).toBe('x');
    expect(switchValue(['reg', 'add', 'k', '/v'], 'v')).toBeUndefined();
  });

  it('names the program', () => {
    expect(programName(splitCommandLine('"C:\\Windows\\System32\\REG.EXE" add'))).toBe('reg.exe');
    expect(programName([])).toBe('');
  });
});

describe('commandProgram', () => {
  it('reads quoted, unquoted-with-spaces and bare programs', () => {
    expect(commandProgram('"C:\\Program Files\\A B\\x.exe" /s')).toBe('C:\\Program Files\\A B\\x.exe');
    expect(commandProgram('C:\\Program Files\\A B\\x.exe /s')).toBe('C:\\Program Files\\A B\\x.exe');
    expect(commandProgram('SysmonDrv.sys')).toBe('\\SysmonDrv.sys');
    expect(commandProgram('')).toBe('');
  });
});
