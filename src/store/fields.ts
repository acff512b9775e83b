import { EVENT_COLUMNS, type EventColumn } from './schema.js';

export type ColumnKind = 'string' | 'number' | 'time' | 'ip' | 'strings';

export interface EventField {
  readonly expr: string;
  readonly kind: ColumnKind;
  /** Stored lower-case and compared whole: equality on it can use a bloom-filter index. */
  readonly exact?: boolean;
}

const NUMBER_COLUMNS: ReadonlySet<string> = new Set([
  'record_id',
  'process_pid',
  'parent_pid',
  'source_port',
  'destination_port',
]);
const EXACT_COLUMNS: ReadonlySet<string> = new Set([
  'hash_md5',
  'hash_sha1',
  'hash_sha256',
  'hash_imphash',
  'domain',
]);
const IP_COLUMNS: ReadonlySet<string> = new Set(['source_ip', 'destination_ip']);

/** ECS names analysts type, and the usual short names, for each column. */
const ALIASES: Readonly<Record<string, EventColumn>> = {
  '@timestamp': 'ts',
  time: 'ts',
  timestamp: 'ts',
  'host.name': 'host',
  hostname: 'host',
  computer: 'host',
  'user.name': 'user_name',
  user: 'user_name',
  'user.domain': 'user_domain',
  'process.pid': 'process_pid',
  pid: 'process_pid',
  'process.entity_id': 'process_guid',
  'process.executable': 'process_executable',
  image: 'process_executable',
  process: 'process_executable',
  'process.command_line': 'process_command_line',
  commandline: 'process_command_line',
  cmd: 'process_command_line',
  'process.parent.pid': 'parent_pid',
  'process.parent.executable': 'parent_executable',
  parentimage: 'parent_executable',
  parent: 'parent_executable',
  'process.parent.command_line': 'parent_command_line',
  parentcommandline: 'parent_command_line',
  'file.path': 'file_path',
  targetfilename: 'file_path',
  file: 'file_path',
  'file.hash.md5': 'hash_md5',
  md5: 'hash_md5',
  'file.hash.sha1': 'hash_sha1',
  sha1: 'hash_sha1',
  'file.hash.sha256': 'hash_sha256',
  sha256: 'hash_sha256',
  imphash: 'hash_imphash',
  'source.ip': 'source_ip',
  'source.port': 'source_port',
  'destination.ip': 'destination_ip',
  'destination.port': 'destination_port',
  'destination.domain': 'domain',
  'dns.question.name': 'domain',
  'url.full': 'url',
  'registry.path': 'registry_key',
  'registry.key': 'registry_key',
  'registry.value': 'registry_value',
  'container.id': 'container_id',
  'container.image.name': 'container_image',
  'email.from.address': 'email_from',
  'email.to.address': 'email_to',
  'email.subject': 'email_subject',
  'event.code': 'event_code',
  eventid: 'event_code',
  'event.provider': 'provider',
  'event.dataset': 'channel',
  'rule.id': 'rule_ids',
  rule: 'rule_ids',
};

function columnField(column: EventColumn): EventField {
  const type = EVENT_COLUMNS[column];
  if (column === 'ts' || column === 'received') return { expr: column, kind: 'time' };
  if (type.startsWith('Array')) return { expr: column, kind: 'strings' };
  if (NUMBER_COLUMNS.has(column)) return { expr: column, kind: 'number' };
  if (IP_COLUMNS.has(column)) return { expr: column, kind: 'ip' };
  return { expr: column, kind: 'string', ...(EXACT_COLUMNS.has(column) ? { exact: true } : {}) };
}

/**
 * The column a search field names: a column name, an ECS name or a common short name, case
 * insensitive; `$text` is the full original record. Anything else is not a column: searches look
 * it up in the event's `fields` map under its own (Sigma) name.
 */
export function eventField(name: string): EventField | null {
  if (name === '$text') return { expr: 'raw', kind: 'string' };
  const lower = name.toLowerCase();
  if (lower === 'raw' || lower === 'fields') return null;
  if (Object.prototype.hasOwnProperty.call(EVENT_COLUMNS, lower)) return columnField(lower as EventColumn);
  const alias = Object.prototype.hasOwnProperty.call(ALIASES, lower) ? ALIASES[lower] : undefined;
  return alias === undefined ? null : columnField(alias);
}
