import { splitCommandLine } from './command-line.js';
import { baseName, windowsPath } from './event-fields.js';

export type ScriptHostKind = 'wscript' | 'cscript' | 'mshta' | 'powershell' | 'cmd';

const SCRIPT_HOSTS: Readonly<Record<string, ScriptHostKind>> = {
  'wscript.exe': 'wscript',
  'cscript.exe': 'cscript',
  'mshta.exe': 'mshta',
  'powershell.exe': 'powershell',
  'pwsh.exe': 'powershell',
  'powershell_ise.exe': 'powershell',
  'cmd.exe': 'cmd',
};

const SCRIPT_FILE = /\.(?:vbs|vbe|js|jse|wsf|wsh|hta|ps1)$/i;

/** The script a command line runs ('win.vbs'), if it names one. */
export function scriptFile(commandLine: string | undefined): string | undefined {
  if (commandLine === undefined) return undefined;
  const arg = splitCommandLine(commandLine)
    .slice(1)
    .find((a) => SCRIPT_FILE.test(a.replace(/["']/g, '')));
  return arg === undefined ? undefined : baseName(arg.replace(/["']/g, ''));
}

/**
 * The kind of script host a process is: wscript, cscript, mshta and PowerShell always; cmd.exe only
 * when it runs a script file (a .vbs or .js handed to cmd is what droppers do; bare cmd is everywhere).
 */
export function scriptHostKind(image: string, commandLine: string | undefined): ScriptHostKind | undefined {
  const kind = SCRIPT_HOSTS[baseName(windowsPath(image))];
  if (kind !== 'cmd') return kind;
  return scriptFile(commandLine) !== undefined ? 'cmd' : undefined;
}

const INSTALLER_NAME = /setup|install|instal/;
const INNO_OR_NSIS_DIR = /\\(?:is-[a-z0-9]{5}\.tmp|ns[a-z0-9]{1,6}\.tmp)\\/;
const NSIS_HELPERS: ReadonlySet<string> = new Set(['au_.exe', 'un_a.exe']);
const DOWNLOADED = /\\(?:downloads|temp|tmp)\\/;
/** Words and shapes of downloaded installers' names: 'Windscribe_2.4.6_x64.exe', 'ChromeUpdate.exe'. */
const INSTALLER_WORDS = /setup|install|inst|update|upgrade|x64|x86|win(?:32|64)|amd64|\d+\.\d+/;

/**
 * An installer: msiexec, an executable named like setup or install, an Inno Setup or NSIS stage (run from
 * their is-XXXXX.tmp / nsXXXX.tmp folders), or a downloaded executable named like one.
 */
export function isInstaller(image: string): boolean {
  const path = windowsPath(image);
  const name = baseName(path);
  if (name === 'msiexec.exe' || NSIS_HELPERS.has(name)) return true;
  if (INNO_OR_NSIS_DIR.test(path)) return true;
  if (!/\.(?:exe|tmp)$/.test(name)) return false;
  if (INSTALLER_NAME.test(name)) return true;
  return DOWNLOADED.test(path) && INSTALLER_WORDS.test(name);
}
