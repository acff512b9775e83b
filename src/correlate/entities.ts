import type { ColumnValues } from '../normalize/columns.js';
import type { FieldValue, Scalar } from '../normalize/flat-event.js';
import { isFreemail } from '../email/brands.js';
import { isHubProcess, isOsProgram } from './os-binaries.js';

/** The things an event or alert is about, by which alerts are linked into incidents. */
export const ENTITY_TYPES = [
  'host',
  'user',
  'process',
  'file',
  'hash',
  'ip',
  'domain',
  'url',
  'registry',
  'container',
  'image',
  'message',
  'sender',
  'recipient',
  'attachment',
  // Internal, never an incident's entity: one rule on one host (repeats of a detection), and a
  // host's telemetry (a gap in it belongs with what was happening on that host).
  'detection',
  'telemetry',
] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

/**
 * `self` is the acting process or the object itself; `parent` is the acting process's parent, and
 * `hub-parent` a parent that starts programs for everyone (explorer.exe, services.exe). Two
 * children of one cmd.exe are one story; two children of one explorer.exe are not.
 */
export type EntityRole = 'self' | 'parent' | 'hub-parent';

export interface Entity {
  readonly type: EntityType;
  /** Normalized: lower case where the source is case-insensitive, braces and blanks trimmed. */
  readonly value: string;
  readonly role: EntityRole;
}

export function entityKey(e: { readonly type: EntityType; readonly value: string }): string {
  return `${e.type}:${e.value}`;
}

/** Values that name nothing in particular: linking through them would merge unrelated alerts. */
const MEANINGLESS = new Set([
  '',
  '-',
  '0',
  'null',
  'none',
  'n/a',
  'unknown',
  '0.0.0.0',
  '::',
  '127.0.0.1',
  '::1',
  'localhost',
  // Windows built-in principals exist on every host.
  'system',
  'local service',
  'network service',
  'anonymous logon',
  'root',
]);

const MAX_VALUE = 1024;
/** The longest MEANINGLESS value: longer ones are not lowered just to be looked up. */
const MEANINGLESS_MAX = Math.max(...[...MEANINGLESS].map((m) => m.length));

function isMeaningless(v: string): boolean {
  return v.length <= MEANINGLESS_MAX && MEANINGLESS.has(v.toLowerCase());
}

function scalarText(v: FieldValue | undefined): string | null {
  if (v === undefined || v === null) return null;
  const x: Scalar | undefined = Array.isArray(v) ? (v as readonly Scalar[])[0] : (v as Scalar);
  if (x === undefined || x === null) return null;
  const t = String(x).trim();
  return t.length === 0 || t.length > MAX_VALUE ? null : t;
}

const NULL_GUID = '00000000-0000-0000-0000-000000000000';

/** A GUID without its braces, lower case; the all-zero GUID names nothing. */
function guid(v: string | null): string | null {
  if (v === null) return null;
  const from = v.charCodeAt(0) === 0x7b /* { */ ? 1 : 0;
  const to = v.length > from && v.charCodeAt(v.length - 1) === 0x7d /* } */ ? v.length - 1 : v.length;
  const g = (from === 0 && to === v.length ? v : v.slice(from, to)).toLowerCase();
  return g === NULL_GUID ? null : g;
}

/** Above this many entities, repeats are found through a set rather than by a scan. */
const SCAN_MAX = 24;

class EntitySet {
  readonly out: Entity[] = [];
  private seen: Set<string> | null = null;

  add(type: EntityType, value: string | null | undefined, role: EntityRole = 'self'): void {
    if (value === null || value === undefined) return;
    const v = value.trim();
    if (v.length === 0 || v.length > MAX_VALUE || isMeaningless(v)) return;
    if (this.has(type, v, role)) return;
    this.out.push({ type, value: v, role });
  }

  private has(type: EntityType, value: string, role: EntityRole): boolean {
    const out = this.out;
    if (this.seen === null) {
      for (let i = 0; i < out.length; i++) {
        const e = out[i]!;
        if (e.value === value && e.type === type && e.role === role) return true;
      }
      if (out.length < SCAN_MAX) return false;
      this.seen = new Set();
      for (const e of out) this.seen.add(`${e.role}|${e.type}:${e.value}`);
    }
    const key = `${role}|${type}:${value}`;
    if (this.seen.has(key)) return true;
    this.seen.add(key);
    return false;
  }
}

const col = (c: ColumnValues, name: string): string | null => {
  const v = c[name];
  if (v === undefined || Array.isArray(v)) return null;
  const t = typeof v === 'string' ? v : String(v);
  return t === '' || t === '0' ? null : t;
};

const POWERSHELL_CHANNEL = /powershell/i;

/**
 * A small memo of facts about strings that repeat across events (channels, program paths), so
 * that their regexes run once per value. Cleared when full: values come from events.
 */
class Memo<T> {
  private readonly map = new Map<string, T>();

  constructor(
    private readonly compute: (key: string) => T,
    private readonly max = 4096,
  ) {}

  get(key: string): T {
    let v = this.map.get(key);
    if (v === undefined) {
      v = this.compute(key);
      if (this.map.size >= this.max) this.map.clear();
      this.map.set(key, v);
    }
    return v;
  }
}

const isPowershellChannel = new Memo((channel) => POWERSHELL_CHANNEL.test(channel));

/** PowerShell's own events come from the PowerShell process: the pid that logged them is its pid. */
function powershellPid(fields: ReadonlyMap<string, FieldValue>): string | null {
  const channel = scalarText(fields.get('Channel'));
  if (channel === null || !isPowershellChannel.get(channel)) return null;
  return pidText(fields.get('Execution_ProcessID') ?? fields.get('ExecutionProcessID'));
}

/** `123` or `0x1a2c`, as a number; anything else NaN. */
function decimalOrHex(t: string): number {
  let hex = false;
  let i = 0;
  if (t.length > 2 && t.charCodeAt(0) === 0x30 && (t.charCodeAt(1) | 0x20) === 0x78) {
    hex = true;
    i = 2;
  }
  if (i >= t.length) return NaN;
  for (; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) continue;
    const l = c | 0x20;
    if (hex && l >= 0x61 && l <= 0x66) continue;
    return NaN;
  }
  return hex ? Number.parseInt(t, 16) : Number(t);
}

function pidText(v: FieldValue | undefined): string | null {
  const t = scalarText(v);
  if (t === null) return null;
  const n = decimalOrHex(t);
  return Number.isSafeInteger(n) && n > 0 ? String(n) : null;
}

const lower = (v: string | null) => (v === null ? null : v.toLowerCase());

const CONTAINER_CLI = /(?:^|[\\/])(?:docker|podman|nerdctl)(?:\.exe)?$/;
const NAMED_RUN = /\s(?:run|create)\s(?:.*?\s)?--name[=\s]+["']?([A-Za-z0-9][A-Za-z0-9_.-]{0,127})/;

const OS_PROGRAM = 1;
const HUB_PROCESS = 2;
const CONTAINER_CLI_PROGRAM = 4;

/** What a program's path (lower case) says about it, as OS_PROGRAM | HUB_PROCESS | ... bits. */
const programKind = new Memo(
  (exe) =>
    (isOsProgram(exe) ? OS_PROGRAM : 0) |
    (isHubProcess(exe) ? HUB_PROCESS : 0) |
    (CONTAINER_CLI.test(exe) ? CONTAINER_CLI_PROGRAM : 0),
);

/** The name a `docker run|create --name X` (podman, nerdctl) gives its container. */
function containerNameOfCommand(exe: string | null, commandLine: string | null): string | null {
  if (exe === null || commandLine === null || (programKind.get(exe) & CONTAINER_CLI_PROGRAM) === 0)
    return null;
  return NAMED_RUN.exec(commandLine)?.[1] ?? null;
}

const HASH_COLUMNS = ['hash_sha256', 'hash_sha1', 'hash_md5'] as const;
const MAX_REFERENCES = 20;
const MAX_LISTED = 50;

/** A domain without the trailing dot of its fully qualified form. */
const undotted = (d: string) => (d.endsWith('.') ? d.slice(0, -1) : d);

/**
 * The typed entities of one event, from its ECS-style columns and a few fields the columns do
 * not keep (the parent's GUID; ECS email.message_id and attachment hashes).
 */
export function entitiesOf(fields: ReadonlyMap<string, FieldValue>, columns: ColumnValues): Entity[] {
  const s = new EntitySet();
  const host = lower(col(columns, 'host'));
  s.add('host', host);
  // The account name alone: sources write the domain as NORTHWIND, northwind.internal, or not at
  // all (4624's TargetUserName), and one person must be one entity. A machine account (WS01$) is
  // the host itself acting on the network, like SYSTEM.
  const user = col(columns, 'user_name')?.toLowerCase() ?? null;
  if (user !== null && !MEANINGLESS.has(user) && !user.endsWith('$')) s.add('user', user);

  // A process is its GUID where the sensor gives one, and host + pid, which links a Sysmon event
  // to the PowerShell or Security events of the same process (pids are reused, so briefly).
  const exe = lower(col(columns, 'process_executable'));
  const parentExe = lower(col(columns, 'parent_executable'));
  const pid = col(columns, 'process_pid') ?? powershellPid(fields);
  // Security 4688 names the new process NewProcessId and its creator ProcessId.
  const ppid =
    col(columns, 'parent_pid') ?? (fields.has('NewProcessId') ? pidText(fields.get('ProcessId')) : null);
  const parentRole: EntityRole =
    parentExe !== null && (programKind.get(parentExe) & HUB_PROCESS) !== 0 ? 'hub-parent' : 'parent';
  const exeKind = exe === null ? 0 : programKind.get(exe);
  s.add('process', guid(col(columns, 'process_guid')));
  if (host !== null && pid !== null && (exeKind & HUB_PROCESS) === 0) s.add('process', `${host}|${pid}`);
  s.add('process', guid(scalarText(fields.get('ParentProcessGuid'))), parentRole);
  if (host !== null && ppid !== null) s.add('process', `${host}|${ppid}`, parentRole);

  const filePath = lower(col(columns, 'file_path'));
  const osProgram = (exeKind & OS_PROGRAM) !== 0;
  if (exe !== null && !osProgram) s.add('file', exe);
  s.add('file', filePath);
  // Hashes are the loaded or written file's where there is one (Sysmon 7, 15), else the program's.
  if (filePath !== null || !osProgram) for (const h of HASH_COLUMNS) s.add('hash', lower(col(columns, h)));
  s.add('ip', lower(col(columns, 'source_ip')));
  s.add('ip', lower(col(columns, 'destination_ip')));
  const domain = lower(col(columns, 'domain'));
  s.add('domain', domain === null ? null : undotted(domain));
  s.add('url', col(columns, 'url'));
  s.add('registry', lower(col(columns, 'registry_key')));
  s.add('container', lower(col(columns, 'container_id')));
  s.add('image', lower(col(columns, 'container_image')));
  // A container's name on its host: what ties `docker run --name X` to the container the Engine
  // (and Vigil's watcher) then reports, whose id the command line never shows.
  if (host !== null) {
    const named =
      scalarText(fields.get('container.name')) ??
      containerNameOfCommand(exe, col(columns, 'process_command_line'));
    if (named !== null && named !== '') s.add('container', `${host}|name:${named.toLowerCase()}`);
  }

  s.add('message', scalarText(fields.get('email.message_id')));
  // A reply is part of the mail it answers (In-Reply-To, References).
  const refs = fields.get('vigil.email.references');
  if (Array.isArray(refs)) {
    const list = refs as readonly Scalar[];
    for (let i = 0; i < list.length && i < MAX_REFERENCES; i++) s.add('message', scalarText(list[i]!));
  } else s.add('message', scalarText(refs));
  const sender = lower(col(columns, 'email_from'));
  s.add('sender', sender);
  const to = columns.email_to;
  if (Array.isArray(to))
    for (let i = 0; i < to.length && i < MAX_LISTED; i++) s.add('recipient', to[i]!.toLowerCase());
  // An attachment is a file like any other: its hash (and the hashes of executables inside an
  // archive) are `hash` entities, so the mail links to the host where the file later runs.
  const attachments = fields.get('email.attachments.file.hash.sha256');
  if (attachments !== undefined)
    for (const a of listOf(attachments)) {
      s.add('attachment', a);
      s.add('hash', a);
    }
  const archived = fields.get('vigil.email.archive_files.hash.sha256');
  if (archived !== undefined) for (const h of listOf(archived)) s.add('hash', h);
  // Where mail comes from and points to: the sender's and Reply-To's domains (not free mailboxes,
  // which name no one in particular) and the links' domains.
  if (sender !== null) addMailDomain(s, sender);
  const replyTo = fields.get('email.reply_to.address');
  if (replyTo !== undefined) for (const address of listOf(replyTo)) addMailDomain(s, address);
  const urlDomains = fields.get('url.domain');
  if (urlDomains !== undefined) for (const d of listOf(urlDomains)) s.add('domain', undotted(d));
  return s.out;
}

function addMailDomain(s: EntitySet, address: string): void {
  const domain = address.slice(address.lastIndexOf('@') + 1);
  if (address.includes('@') && domain.includes('.') && !isFreemail(domain)) s.add('domain', domain);
}

/** A field's values (one or a list), lower case, at most 50. */
function listOf(v: FieldValue | undefined): string[] {
  const items = Array.isArray(v) ? (v as readonly Scalar[]).slice(0, MAX_LISTED) : [v as Scalar | undefined];
  const out: string[] = [];
  for (const x of items) {
    const t = lower(scalarText(x ?? undefined));
    if (t !== null) out.push(t);
  }
  return out;
}

/** An entity as the alerts table keeps it: `role:type:value`. */
export function storedEntity(e: Entity): string {
  return `${e.role}:${e.type}:${e.value}`;
}

const ROLES: ReadonlySet<string> = new Set(['self', 'parent', 'hub-parent']);
const TYPES: ReadonlySet<string> = new Set(ENTITY_TYPES);

export function parseStoredEntity(text: string): Entity | null {
  const a = text.indexOf(':');
  const b = a < 0 ? -1 : text.indexOf(':', a + 1);
  if (b < 0) return null;
  const role = text.slice(0, a);
  const type = text.slice(a + 1, b);
  const value = text.slice(b + 1);
  if (!ROLES.has(role) || !TYPES.has(type) || value === '') return null;
  return { role: role as EntityRole, type: type as EntityType, value };
}
