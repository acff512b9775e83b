import { programName, splitCommandLine, switchValue } from './command-line.js';
import { baseName, eventCode, fieldText, isChannel, sysmonId } from './event-fields.js';
import type { AnalyticEvent } from './types.js';

export type PersistenceKind = 'run-key' | 'service' | 'scheduled-task';

/** A named autostart entry that an event creates. */
export interface PersistenceEntry {
  readonly kind: PersistenceKind;
  /** Where it was seen: 'Sysmon 13', 'reg.exe', 'System 7045', ... */
  readonly via: string;
  readonly name: string;
  /** The process that created the entry (for tools such as reg.exe, the process that ran them). */
  readonly writer?: string;
  /** What the entry runs. */
  readonly target?: string;
  /** Registry key or task folder. */
  readonly location?: string;
}

const RUN_KEY =
  /\\(?:currentversion\\(?:run|runonce|runonceex|runservices|runservicesonce)|policies\\explorer\\run)(?:\\|$)/i;
/** A Run key named inside a longer text, such as a PowerShell command line ('HKCU:\...\Run'). */
const RUN_KEY_IN_TEXT =
  /\\(?:currentversion\\(?:run|runonce|runonceex|runservices|runservicesonce)|policies\\explorer\\run)(?=[\\'"\s;]|$)/i;
const POWERSHELL: ReadonlySet<string> = new Set(['powershell.exe', 'pwsh.exe', 'powershell', 'pwsh']);
/** The programs whose command lines can create an entry (checked below, one by one). */
const ENTRY_TOOLS: ReadonlySet<string> = new Set([
  'reg.exe',
  'reg',
  'schtasks.exe',
  'schtasks',
  'sc.exe',
  'sc',
  ...POWERSHELL,
]);
const SERVICE_IMAGE_PATH = /\\(?:currentcontrolset|controlset\d{3})\\services\\([^\\]+)\\imagepath$/i;

/** The autostart entries an event creates: Run values, services and scheduled tasks. */
export function persistenceEntries(e: AnalyticEvent): PersistenceEntry[] {
  const sysmon = sysmonId(e);
  if (sysmon === 12 || sysmon === 13 || sysmon === 14) return registryEntry(e, sysmon);
  if (sysmon === 1 || isChannel(e, 'security', 4688)) return commandLineEntry(e);
  if (isChannel(e, 'system', 7045) || isChannel(e, 'security', 4697)) return serviceEntry(e);
  if (isChannel(e, 'security', 4698)) return taskEntry(e);
  return [];
}

function registryEntry(e: AnalyticEvent, id: number): PersistenceEntry[] {
  const object = (id === 14 ? fieldText(e, 'NewName') : undefined) ?? fieldText(e, 'TargetObject');
  if (object === undefined) return [];
  const writer = fieldText(e, 'Image');
  const via = `Sysmon ${id}`;
  const service = SERVICE_IMAGE_PATH.exec(object);
  if (service !== null && id === 13)
    return [
      { kind: 'service', via, name: service[1]!, writer, target: fieldText(e, 'Details'), location: object },
    ];
  const run = RUN_KEY.exec(object);
  if (run === null) return [];
  const name = object.slice(run.index + run[0].length);
  // Sysmon 12 also reports deletions; only a created RunOnceEx subkey names an entry.
  const created =
    id !== 12 || (/runonceex/i.test(run[0]) && /create/i.test(fieldText(e, 'EventType') ?? 'CreateKey'));
  if (name === '' || !created) return [];
  const location = object.slice(0, run.index + run[0].length).replace(/\\$/, '');
  return [{ kind: 'run-key', via, name, writer, target: fieldText(e, 'Details'), location }];
}

function commandLineEntry(e: AnalyticEvent): PersistenceEntry[] {
  const commandLine = fieldText(e, 'CommandLine') ?? fieldText(e, 'ProcessCommandLine');
  if (commandLine === undefined) return [];
  const image = fieldText(e, 'Image') ?? fieldText(e, 'NewProcessName') ?? '';
  const named = image !== '' ? baseName(image).toLowerCase() : undefined;
  // Most processes are none of these tools: their command lines need no splitting.
  if (named !== undefined && !ENTRY_TOOLS.has(named)) return [];
  const args = splitCommandLine(commandLine);
  const program = named ?? programName(args);
  const writer = fieldText(e, 'ParentImage') ?? fieldText(e, 'ParentProcessName');
  const verb = (args[1] ?? '').toLowerCase();
  if ((program === 'reg.exe' || program === 'reg') && verb === 'add') {
    const key = args[2] ?? '';
    const name = switchValue(args, 'v');
    if (!RUN_KEY.test(key) || name === undefined || name === '') return [];
    return [{ kind: 'run-key', via: 'reg.exe', name, writer, target: switchValue(args, 'd'), location: key }];
  }
  if (program === 'schtasks.exe' || program === 'schtasks') {
    if (!args.some((a) => /^[/\-\u2013\u2014\u2015]create$/i.test(a))) return [];
    const path = switchValue(args, 'tn');
    if (path === undefined) return [];
    return taskNames(path).map((name) => ({
      kind: 'scheduled-task',
      via: 'schtasks.exe',
      name,
      writer,
      target: switchValue(args, 'tr'),
      location: path,
    }));
  }
  if (POWERSHELL.has(program)) return powershellEntries(commandLine, writer);
  if ((program === 'sc.exe' || program === 'sc') && verb === 'create' && args[2] !== undefined) {
    const bin = args.findIndex((a) => /^binpath=/i.test(a));
    const target = bin < 0 ? undefined : args[bin]!.length > 8 ? args[bin]!.slice(8) : args[bin + 1];
    return [{ kind: 'service', via: 'sc.exe', name: args[2], writer, target }];
  }
  return [];
}

/** New-ItemProperty / Set-ItemProperty on a Run key, New-Service and Register-ScheduledTask. */
function powershellEntries(commandLine: string, writer: string | undefined): PersistenceEntry[] {
  const via = 'powershell';
  if (/\b(?:new|set)-itemproperty\b/i.test(commandLine) && RUN_KEY_IN_TEXT.test(commandLine)) {
    const name = psParameter(commandLine, 'Name');
    return name === undefined
      ? []
      : [{ kind: 'run-key', via, name, writer, target: psParameter(commandLine, 'Value') }];
  }
  if (/\bnew-service\b/i.test(commandLine)) {
    const name = psParameter(commandLine, 'Name');
    const target = psParameter(commandLine, 'BinaryPathName');
    return name === undefined ? [] : [{ kind: 'service', via, name, writer, target }];
  }
  if (/\bregister-scheduledtask\b/i.test(commandLine)) {
    const path = psParameter(commandLine, 'TaskName');
    const target = psParameter(commandLine, 'Execute');
    return path === undefined
      ? []
      : taskNames(path).map((name) => ({ kind: 'scheduled-task', via, name, writer, target }));
  }
  return [];
}

/** A PowerShell parameter's value: -Name 'x', -Name "x" or -Name x. */
function psParameter(commandLine: string, name: string): string | undefined {
  const m = new RegExp(`(?:^|\\s)-${name}\\s+(?:'([^']*)'|"([^"]*)"|([^\\s;'"]+))`, 'i').exec(commandLine);
  const value = m?.[1] ?? m?.[2] ?? m?.[3];
  return value === '' ? undefined : value;
}

function serviceEntry(e: AnalyticEvent): PersistenceEntry[] {
  const name = fieldText(e, 'ServiceName');
  if (name === undefined) return [];
  const via = eventCode(e) === 7045 ? 'System 7045' : 'Security 4697';
  const target = fieldText(e, 'ImagePath') ?? fieldText(e, 'ServiceFileName');
  return [{ kind: 'service', via, name, target }];
}

function taskEntry(e: AnalyticEvent): PersistenceEntry[] {
  const path = fieldText(e, 'TaskName');
  if (path === undefined) return [];
  const command = /<Command>\s*([^<]*?)\s*<\/Command>/i.exec(fieldText(e, 'TaskContent') ?? '')?.[1];
  return taskNames(path).map((name) => ({
    kind: 'scheduled-task',
    via: 'Security 4698',
    name,
    target: command,
    location: path,
  }));
}

/** A task path's own name and the folders it was put in ('\Symantek\Update' → both). */
function taskNames(path: string): string[] {
  const parts = path.split('\\').filter((p) => p !== '');
  return parts.length <= 1 ? parts : [parts[parts.length - 1]!, ...parts.slice(0, -1).slice(-2)];
}
