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

function scalarText(v: FieldValue | undefined): string | null {
  if (v === undefined || v === null) return null;
  const x: Scalar | undefined = Array.isArray(v) ? (v as readonly Scalar[])[0] : (v as Scalar);
  if (x === undefined || x === null) return null;
  const t = String(x).trim();
  return t.length === 0 || t.length > MAX_VALUE ? null : t;
}

function guid(v: string | null): string | null {
  if (v === null) return null;
  const g = v.replace(/^\{|\}$/g, '').toLowerCase();
  return /^0{8}-0{4}-0{4}-0{4}-0{12}$/.test(g) ? null : g;
}

class EntitySet {
  readonly out: Entity[] = [];
  private readonly seen = new Set<string>();

  add(type: EntityType, value: string | null | undefined, role: EntityRole = 'self'): void {
    if (value === null || value === undefined) return;
    const v = value.trim();
    if (v.length === 0 || v.length > MAX_VALUE || MEANINGLESS.has(v.toLowerCase())) return;
    const key = `${role}|${type}:${v}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.out.push({ type, value: v, role });
  }
}

const col = (c: ColumnValues, name: string): string | null => {
  const v = c[name];
  if (v === undefined || Array.isArray(v)) return null;
  const t = String(v);
  return t === '' || t === '0' ? null : t;
};

const POWERSHELL_CHANNEL = /powershell/i;

/** PowerShell's own events come from the PowerShell process: the pid that logged them is its pid. */
function powershellPid(fields: ReadonlyMap<string, FieldValue>): string | null {
  const channel = scalarText(fields.get('Channel'));
  if (channel === null || !POWERSHELL_CHANNEL.test(channel)) return null;
  return pidText(fields.get('Execution_ProcessID') ?? fields.get('ExecutionProcessID'));
}

function pidText(v: FieldValue | undefined): string | null {
  const t = scalarText(v);
  if (t === null) return null;
  const n = /^0x[0-9a-f]+$/i.test(t) ? Number.parseInt(t, 16) : /^\d+$/.test(t) ? Number(t) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? String(n) : null;
}

const lower = (v: string | null) => (v === null ? null : v.toLowerCase());

const CONTAINER_CLI = /(?:^|[\\/])(?:docker|podman|nerdctl)(?:\.exe)?$/;
const NAMED_RUN = /\s(?:run|create)\s(?:.*?\s)?--name[=\s]+["']?([A-Za-z0-9][A-Za-z0-9_.-]{0,127})/;

/** The name a `docker run|create --name X` (podman, nerdctl) gives its container. */
function containerNameOfCommand(exe: string | null, commandLine: string | null): string | null {
  if (exe === null || commandLine === null || !CONTAINER_CLI.test(exe)) return null;
  return NAMED_RUN.exec(commandLine)?.[1] ?? null;
}

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
  const parentRole: EntityRole = parentExe !== null && isHubProcess(parentExe) ? 'hub-parent' : 'parent';
  s.add('process', guid(col(columns, 'process_guid')));
  if (host !== null && pid !== null && !(exe !== null && isHubProcess(exe)))
    s.add('process', `${host}|${pid}`);
  s.add('process', guid(scalarText(fields.get('ParentProcessGuid'))), parentRole);
  if (host !== null && ppid !== null) s.add('process', `${host}|${ppid}`, parentRole);

  const filePath = lower(col(columns, 'file_path'));
  const osProgram = exe !== null && isOsProgram(exe);
  if (exe !== null && !osProgram) s.add('file', exe);
  s.add('file', filePath);
  // Hashes are the loaded or written file's where there is one (Sysmon 7, 15), else the program's.
  if (filePath !== null || !osProgram)
    for (const h of ['hash_sha256', 'hash_sha1', 'hash_md5']) s.add('hash', lower(col(columns, h)));
  for (const ip of ['source_ip', 'destination_ip']) s.add('ip', lower(col(columns, ip)));
  s.add('domain', lower(col(columns, 'domain'))?.replace(/\.$/, ''));
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
  for (const id of (Array.isArray(refs) ? (refs as readonly Scalar[]) : [refs as Scalar | undefined]).slice(
    0,
    20,
  ))
    s.add('message', scalarText(id ?? undefined));
  const sender = lower(col(columns, 'email_from'));
  s.add('sender', sender);
  const to = columns.email_to;
  if (Array.isArray(to)) for (const r of to.slice(0, 50)) s.add('recipient', r.toLowerCase());
  // An attachment is a file like any other: its hash (and the hashes of executables inside an
  // archive) are `hash` entities, so the mail links to the host where the file later runs.
  for (const a of listOf(fields.get('email.attachments.file.hash.sha256'))) {
    s.add('attachment', a);
    s.add('hash', a);
  }
  for (const h of listOf(fields.get('vigil.email.archive_files.hash.sha256'))) s.add('hash', h);
  // Where mail comes from and points to: the sender's and Reply-To's domains (not free mailboxes,
  // which name no one in particular) and the links' domains.
  const replyTo = listOf(fields.get('email.reply_to.address'));
  for (const address of [...(sender === null ? [] : [sender]), ...replyTo]) {
    const domain = address.slice(address.lastIndexOf('@') + 1);
    if (address.includes('@') && domain.includes('.') && !isFreemail(domain)) s.add('domain', domain);
  }
  for (const d of listOf(fields.get('url.domain'))) s.add('domain', d.replace(/\.$/, ''));
  return s.out;
}

/** A field's values (one or a list), lower case, at most 50. */
function listOf(v: FieldValue | undefined): string[] {
  const items = Array.isArray(v) ? (v as readonly Scalar[]).slice(0, 50) : [v as Scalar | undefined];
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
