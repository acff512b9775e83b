import { clusterOf, localTable } from './cluster-ddl.js';
import type { Store } from './store.js';

export interface SchemaOptions {
  /**
   * Days events and alerts are kept; 0 keeps them forever. null leaves existing tables' retention
   * as it is (a reader such as `vigil search --data` must not change what the server set).
   */
  readonly retentionDays: number | null;
}

/**
 * ECS-style columns for what rules and analysts read most; everything else stays searchable in
 * `fields` (the event's flat Sigma view) and `raw` (the original record).
 */
export const EVENT_COLUMNS = {
  ts: "DateTime64(3, 'UTC')",
  received: "DateTime64(3, 'UTC')",
  tenant: 'LowCardinality(String)',
  event_id: 'String',
  source: 'LowCardinality(String)',
  channel: 'LowCardinality(String)',
  provider: 'LowCardinality(String)',
  event_code: 'LowCardinality(String)',
  record_id: 'UInt64',
  host: 'LowCardinality(String)',
  user_name: 'LowCardinality(String)',
  user_domain: 'LowCardinality(String)',
  process_pid: 'UInt32',
  process_guid: 'String',
  process_executable: 'LowCardinality(String)',
  process_command_line: 'String',
  parent_pid: 'UInt32',
  parent_executable: 'LowCardinality(String)',
  parent_command_line: 'String',
  file_path: 'String',
  hash_md5: 'String',
  hash_sha1: 'String',
  hash_sha256: 'String',
  hash_imphash: 'String',
  source_ip: 'String',
  source_port: 'UInt16',
  destination_ip: 'String',
  destination_port: 'UInt16',
  domain: 'String',
  url: 'String',
  registry_key: 'String',
  registry_value: 'String',
  container_id: 'String',
  container_image: 'String',
  email_from: 'String',
  email_to: 'Array(String)',
  email_subject: 'String',
  rule_ids: 'Array(String)',
  fields: 'Map(LowCardinality(String), String)',
  raw: 'String CODEC(ZSTD(1))',
} as const;

export type EventColumn = keyof typeof EVENT_COLUMNS;

/**
 * Retention counts from when Vigil received a row, not from the event's own time: old logs
 * uploaded for an investigation must not be deleted on arrival.
 */
const RETENTION_CLOCK = [
  ['events', 'received'],
  ['alerts', 'created'],
] as const;

/**
 * Parts below this size are compact: one data file instead of two files per column and index.
 * Every insert makes a part, so a wide one cost over a hundred file creations; measured on the
 * embedded store, compact parts take about a quarter less ClickHouse CPU per stored event. Merged
 * parts past the size are wide, as large scans want.
 */
const WIDE_PART_BYTES = 128 * 1024 * 1024;
const PART_SETTINGS = `non_replicated_deduplication_window = 10000, min_bytes_for_wide_part = ${WIDE_PART_BYTES}`;

function ttl(column: string, days: number): string {
  return days > 0 ? `TTL toDateTime(${column}) + INTERVAL ${Math.floor(days)} DAY` : '';
}

function eventsDdl(o: SchemaOptions): string {
  const columns = Object.entries(EVENT_COLUMNS).map(([name, type]) => `  ${name} ${type}`);
  const bloom = (c: string) => `  INDEX idx_${c} ${c} TYPE bloom_filter(0.01) GRANULARITY 4`;
  return `CREATE TABLE IF NOT EXISTS events (
${columns.join(',\n')},
${['hash_md5', 'hash_sha1', 'hash_sha256', 'hash_imphash', 'source_ip', 'destination_ip', 'domain'].map(bloom).join(',\n')},
  INDEX idx_command_line lower(process_command_line) TYPE tokenbf_v1(16384, 3, 0) GRANULARITY 4,
  INDEX idx_event_id event_id TYPE bloom_filter(0.01) GRANULARITY 4
) ENGINE = MergeTree
PARTITION BY toDate(ts)
ORDER BY (tenant, lower(host), ts)
${ttl('received', o.retentionDays ?? 0)}
SETTINGS ${PART_SETTINGS}`;
}

function alertsDdl(o: SchemaOptions): string {
  return `CREATE TABLE IF NOT EXISTS alerts (
  ts DateTime64(3, 'UTC'),
  created DateTime64(3, 'UTC'),
  tenant LowCardinality(String),
  alert_id String,
  kind LowCardinality(String),
  rule_id String,
  rule_title String,
  level LowCardinality(String),
  tags Array(String),
  host LowCardinality(String),
  user_name String,
  event_id String,
  event_ids Array(String),
  channel LowCardinality(String),
  event_code LowCardinality(String),
  process_executable String,
  process_command_line String,
  group_key String,
  fields Map(String, String),
  entities Array(String),
  INDEX idx_rule rule_id TYPE bloom_filter(0.01) GRANULARITY 4
) ENGINE = MergeTree
PARTITION BY toDate(ts)
ORDER BY (tenant, ts, rule_id)
${ttl('created', o.retentionDays ?? 0)}
SETTINGS ${PART_SETTINGS}`;
}

const RULES_DDL = `CREATE TABLE IF NOT EXISTS rules (
  tenant LowCardinality(String),
  rule_id String,
  title String,
  level LowCardinality(String),
  status LowCardinality(String),
  tags Array(String),
  source String,
  yaml String CODEC(ZSTD(3)),
  enabled UInt8,
  updated DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated)
ORDER BY (tenant, rule_id)`;

const TOKENS_DDL = `CREATE TABLE IF NOT EXISTS tokens (
  token_id String,
  hash String,
  tenant LowCardinality(String),
  role LowCardinality(String),
  name String,
  created DateTime64(3, 'UTC'),
  revoked UInt8,
  updated DateTime64(3, 'UTC'),
  expires DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated)
ORDER BY token_id`;

/** Named users who sign in with a password; scrypt hashes only. */
const USERS_DDL = `CREATE TABLE IF NOT EXISTS users (
  name String,
  tenant LowCardinality(String),
  role LowCardinality(String),
  password String,
  disabled UInt8,
  updated DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated)
ORDER BY name`;

/**
 * Incidents as the pipeline last built them (one row per version; FINAL reads the latest). What
 * analysts change lives apart, in incident_state and incident_notes, so a rebuilt incident never
 * overwrites an analyst's work.
 */
const INCIDENTS_DDL = `CREATE TABLE IF NOT EXISTS incidents (
  tenant LowCardinality(String),
  incident_id String,
  version UInt64,
  merged_into String,
  title String,
  severity LowCardinality(String),
  risk UInt8,
  first DateTime64(3, 'UTC'),
  last DateTime64(3, 'UTC'),
  alert_count UInt32,
  hosts Array(String),
  users Array(String),
  tactics Array(String),
  rule_ids Array(String),
  detail String CODEC(ZSTD(3)),
  updated DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant, incident_id)`;

const INCIDENT_STATE_DDL = `CREATE TABLE IF NOT EXISTS incident_state (
  tenant LowCardinality(String),
  incident_id String,
  status LowCardinality(String),
  assignee String,
  verdict LowCardinality(String),
  author String,
  updated DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated)
ORDER BY (tenant, incident_id)`;

const INCIDENT_NOTES_DDL = `CREATE TABLE IF NOT EXISTS incident_notes (
  tenant LowCardinality(String),
  incident_id String,
  note_id String,
  ts DateTime64(3, 'UTC'),
  author String,
  text String
) ENGINE = MergeTree
ORDER BY (tenant, incident_id, ts)`;

const SUPPRESSIONS_DDL = `CREATE TABLE IF NOT EXISTS suppressions (
  tenant LowCardinality(String),
  suppression_id String,
  rule_id String,
  entity String,
  field String,
  value String,
  reason String,
  author String,
  created DateTime64(3, 'UTC'),
  expires DateTime64(3, 'UTC'),
  deleted UInt8,
  updated DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated)
ORDER BY (tenant, suppression_id)`;

const META_DDL = `CREATE TABLE IF NOT EXISTS vigil_meta (
  key String,
  value String,
  updated DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated)
ORDER BY key`;

/** Creates the tables, and brings retention in line with the options on every start. */
export async function migrate(store: Store, options: SchemaOptions): Promise<void> {
  for (const ddl of [
    eventsDdl(options),
    alertsDdl(options),
    RULES_DDL,
    TOKENS_DDL,
    META_DDL,
    INCIDENTS_DDL,
    INCIDENT_STATE_DDL,
    INCIDENT_NOTES_DDL,
    SUPPRESSIONS_DDL,
    USERS_DDL,
  ])
    await store.exec(ddl);
  // Data directories from before incidents: their alerts gain the column (empty for old rows).
  await store.exec('ALTER TABLE alerts ADD COLUMN IF NOT EXISTS entities Array(String)');
  // Sessions expire; tokens from before (epoch 0) never do.
  await store.exec("ALTER TABLE tokens ADD COLUMN IF NOT EXISTS expires DateTime64(3, 'UTC')");
  if (options.retentionDays !== null) {
    // Tables made before the setting: parts written from now on follow it.
    for (const table of ['events', 'alerts'])
      await store.exec(`ALTER TABLE ${table} MODIFY SETTING min_bytes_for_wide_part = ${WIDE_PART_BYTES}`);
    await applyRetention(store, options.retentionDays);
  }
}

/**
 * The table that holds a table's rows and TTL: itself, or on a cluster its replicated local table
 * (the server store sends every DDL and ALTER there ON CLUSTER; see cluster-ddl.ts).
 */
const dataTable = (store: Store, table: string) => (clusterOf(store) === null ? table : localTable(table));

/** Sets how many days events and alerts are kept (0: forever); ClickHouse drops older rows. */
export async function applyRetention(store: Store, days: number): Promise<void> {
  if (!Number.isSafeInteger(days) || days < 0)
    throw new RangeError(`retention must be whole days, not ${days}`);
  for (const [table, column] of RETENTION_CLOCK) {
    if (days > 0) await store.exec(`ALTER TABLE ${table} MODIFY ${ttl(column, days)}`);
    else {
      const [row] = await store.query<{ n: string | number }>(
        `SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = {t:String} AND create_table_query LIKE '%TTL %'`,
        { t: dataTable(store, table) },
      );
      if (Number(row?.n ?? 0) > 0) await store.exec(`ALTER TABLE ${table} REMOVE TTL`);
    }
  }
}
