import { splitCommandLine } from './command-line.js';
import { baseName, windowsPath } from './event-fields.js';

const USER_WRITABLE =
  /\\users\\|\\appdata\\|\\temp\\|\\tmp\\|\\downloads\\|\\programdata\\(?!microsoft\\)|\\windows\\tasks\\|\\perflogs\\|\\\$recycle\.bin\\|^\\\\(?!\?\\)/;

/** Folders any user can write to: a binary there can be planted without admin rights. */
export function isUserWritable(path: string): boolean {
  return USER_WRITABLE.test(windowsPath(path));
}

/**
 * Programs that act for whoever runs them (reg.exe, script hosts, shells). That such a program
 * wrote something says nothing about whose software asked for it.
 */
const GENERIC_TOOLS: ReadonlySet<string> = new Set(
  (
    'reg.exe regedit.exe regini.exe powershell.exe pwsh.exe powershell_ise.exe cmd.exe wscript.exe ' +
    'cscript.exe mshta.exe rundll32.exe regsvr32.exe schtasks.exe sc.exe wmic.exe wmiprvse.exe ' +
    'msbuild.exe installutil.exe certutil.exe bitsadmin.exe forfiles.exe conhost.exe python.exe ' +
    'pythonw.exe node.exe explorer.exe at.exe'
  ).split(' '),
);

export function isGenericTool(path: string): boolean {
  return GENERIC_TOOLS.has(baseName(windowsPath(path)));
}

const UNQUOTED_PROGRAM = /^\s*([^"]*?\.(?:exe|com|bat|cmd|dll|sys|scr|cpl|ps1|vbs|js))(?=[\s,]|$)/i;

/**
 * The program a command line or registry value runs. Run values and task actions often leave
 * paths with spaces unquoted ('C:\Program Files\X\x.exe /s'), so an unquoted path runs to its
 * first executable extension. A bare file name ('SysmonDrv.sys') lives in the Windows folders.
 */
export function commandProgram(command: string): string {
  const program = UNQUOTED_PROGRAM.exec(command)?.[1] ?? splitCommandLine(command)[0] ?? '';
  return program !== '' && !/[\\/]/.test(program) ? `\\${program}` : program;
}
