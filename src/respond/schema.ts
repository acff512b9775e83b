/**
 * The response engine's tables. The server's migration runs these (CREATE ... IF NOT EXISTS, so
 * running them again is harmless). Mutable records are ReplacingMergeTree rows read with FINAL:
 * each change writes a new version.
 */
export const RESPONSE_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS response_runs (
  run_id String,
  version UInt64,
  tenant LowCardinality(String),
  playbook_id String,
  subject_id String,
  status LowCardinality(String),
  created DateTime64(3, 'UTC'),
  updated DateTime64(3, 'UTC'),
  record String CODEC(ZSTD(3))
) ENGINE = ReplacingMergeTree(version)
ORDER BY run_id`,
  `CREATE TABLE IF NOT EXISTS response_step_keys (
  step_key String,
  run_id String,
  claimed DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(claimed)
ORDER BY step_key`,
  `CREATE TABLE IF NOT EXISTS response_audit (
  tenant LowCardinality(String),
  ts DateTime64(3, 'UTC'),
  seq UInt64,
  audit_id String,
  actor String,
  event LowCardinality(String),
  run_id String,
  detail String
) ENGINE = MergeTree
ORDER BY (tenant, ts, seq)`,
  `CREATE TABLE IF NOT EXISTS response_blocklist (
  tenant LowCardinality(String),
  list LowCardinality(String),
  value String,
  version UInt64,
  reason String,
  added_by String,
  created DateTime64(3, 'UTC'),
  expires DateTime64(3, 'UTC'),
  removed UInt8,
  updated DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant, list, value)`,
  `CREATE TABLE IF NOT EXISTS response_agent_commands (
  tenant LowCardinality(String),
  host String,
  command_id String,
  version UInt64,
  state LowCardinality(String),
  created DateTime64(3, 'UTC'),
  record String
) ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant, host, command_id)`,
  `CREATE TABLE IF NOT EXISTS response_settings (
  key String,
  value String,
  version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY key`,
];

export const RESPONSE_TABLES = [
  'response_runs',
  'response_step_keys',
  'response_audit',
  'response_blocklist',
  'response_agent_commands',
  'response_settings',
] as const;
