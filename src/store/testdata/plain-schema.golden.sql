-- migrate retentionDays=90
;
CREATE TABLE IF NOT EXISTS events (
  ts DateTime64(3, 'UTC'),
  received DateTime64(3, 'UTC'),
  tenant LowCardinality(String),
  event_id String,
  source LowCardinality(String),
  channel LowCardinality(String),
  provider LowCardinality(String),
  event_code LowCardinality(String),
  record_id UInt64,
  host LowCardinality(String),
  user_name LowCardinality(String),
  user_domain LowCardinality(String),
  process_pid UInt32,
  process_guid String,
  process_executable LowCardinality(String),
  process_command_line String,
  parent_pid UInt32,
  parent_executable LowCardinality(String),
  parent_command_line String,
  file_path String,
  hash_md5 String,
  hash_sha1 String,
  hash_sha256 String,
  hash_imphash String,
  source_ip String,
  source_port UInt16,
  destination_ip String,
  destination_port UInt16,
  domain String,
  url String,
  registry_key String,
  registry_value String,
  container_id String,
  container_image String,
  email_from String,
  email_to Array(String),
  email_subject String,
  rule_ids Array(String),
  fields Map(LowCardinality(String), String),
  raw String CODEC(ZSTD(1)),
  INDEX idx_hash_md5 hash_md5 TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX idx_hash_sha1 hash_sha1 TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX idx_hash_sha256 hash_sha256 TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX idx_hash_imphash hash_imphash TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX idx_source_ip source_ip TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX idx_destination_ip destination_ip TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX idx_domain domain TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX idx_command_line lower(process_command_line) TYPE tokenbf_v1(16384, 3, 0) GRANULARITY 4,
  INDEX idx_event_id event_id TYPE bloom_filter(0.01) GRANULARITY 4
) ENGINE = MergeTree
PARTITION BY toDate(ts)
ORDER BY (tenant, lower(host), ts)
TTL toDateTime(received) + INTERVAL 90 DAY
SETTINGS non_replicated_deduplication_window = 10000, min_bytes_for_wide_part = 134217728
;
CREATE TABLE IF NOT EXISTS alerts (
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
TTL toDateTime(created) + INTERVAL 90 DAY
SETTINGS non_replicated_deduplication_window = 10000, min_bytes_for_wide_part = 134217728
;
CREATE TABLE IF NOT EXISTS rules (
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
ORDER BY (tenant, rule_id)
;
CREATE TABLE IF NOT EXISTS tokens (
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
ORDER BY token_id
;
CREATE TABLE IF NOT EXISTS vigil_meta (
  key String,
  value String,
  updated DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated)
ORDER BY key
;
CREATE TABLE IF NOT EXISTS incidents (
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
ORDER BY (tenant, incident_id)
;
CREATE TABLE IF NOT EXISTS incident_state (
  tenant LowCardinality(String),
  incident_id String,
  status LowCardinality(String),
  assignee String,
  verdict LowCardinality(String),
  author String,
  updated DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated)
ORDER BY (tenant, incident_id)
;
CREATE TABLE IF NOT EXISTS incident_notes (
  tenant LowCardinality(String),
  incident_id String,
  note_id String,
  ts DateTime64(3, 'UTC'),
  author String,
  text String
) ENGINE = MergeTree
ORDER BY (tenant, incident_id, ts)
;
CREATE TABLE IF NOT EXISTS suppressions (
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
ORDER BY (tenant, suppression_id)
;
CREATE TABLE IF NOT EXISTS users (
  name String,
  tenant LowCardinality(String),
  role LowCardinality(String),
  password String,
  disabled UInt8,
  updated DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated)
ORDER BY name
;
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS entities Array(String)
;
ALTER TABLE tokens ADD COLUMN IF NOT EXISTS expires DateTime64(3, 'UTC')
;
ALTER TABLE events MODIFY SETTING min_bytes_for_wide_part = 134217728
;
ALTER TABLE alerts MODIFY SETTING min_bytes_for_wide_part = 134217728
;
ALTER TABLE events MODIFY TTL toDateTime(received) + INTERVAL 90 DAY
;
ALTER TABLE alerts MODIFY TTL toDateTime(created) + INTERVAL 90 DAY
;
-- migrate retentionDays=null
;
CREATE TABLE IF NOT EXISTS events (
  ts DateTime64(3, 'UTC'),
  received DateTime64(3, 'UTC'),
  tenant LowCardinality(String),
  event_id String,
  source LowCardinality(String),
  channel LowCardinality(String),
  provider LowCardinality(String),
  event_code LowCardinality(String),
  record_id UInt64,
  host LowCardinality(String),
  user_name LowCardinality(String),
  user_domain LowCardinality(String),
  process_pid UInt32,
  process_guid String,
  process_executable LowCardinality(String),
  process_command_line String,
  parent_pid UInt32,
  parent_executable LowCardinality(String),
  parent_command_line String,
  file_path String,
  hash_md5 String,
  hash_sha1 String,
  hash_sha256 String,
  hash_imphash String,
  source_ip String,
  source_port UInt16,
  destination_ip String,
  destination_port UInt16,
  domain String,
  url String,
  registry_key String,
  registry_value String,
  container_id String,
  container_image String,
  email_from String,
  email_to Array(String),
  email_subject String,
  rule_ids Array(String),
  fields Map(LowCardinality(String), String),
  raw String CODEC(ZSTD(1)),
  INDEX idx_hash_md5 hash_md5 TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX idx_hash_sha1 hash_sha1 TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX idx_hash_sha256 hash_sha256 TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX idx_hash_imphash hash_imphash TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX idx_source_ip source_ip TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX idx_destination_ip destination_ip TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX idx_domain domain TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX idx_command_line lower(process_command_line) TYPE tokenbf_v1(16384, 3, 0) GRANULARITY 4,
  INDEX idx_event_id event_id TYPE bloom_filter(0.01) GRANULARITY 4
) ENGINE = MergeTree
PARTITION BY toDate(ts)
ORDER BY (tenant, lower(host), ts)

SETTINGS non_replicated_deduplication_window = 10000, min_bytes_for_wide_part = 134217728
;
CREATE TABLE IF NOT EXISTS alerts (
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

SETTINGS non_replicated_deduplication_window = 10000, min_bytes_for_wide_part = 134217728
;
CREATE TABLE IF NOT EXISTS rules (
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
ORDER BY (tenant, rule_id)
;
CREATE TABLE IF NOT EXISTS tokens (
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
ORDER BY token_id
;
CREATE TABLE IF NOT EXISTS vigil_meta (
  key String,
  value String,
  updated DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated)
ORDER BY key
;
CREATE TABLE IF NOT EXISTS incidents (
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
ORDER BY (tenant, incident_id)
;
CREATE TABLE IF NOT EXISTS incident_state (
  tenant LowCardinality(String),
  incident_id String,
  status LowCardinality(String),
  assignee String,
  verdict LowCardinality(String),
  author String,
  updated DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated)
ORDER BY (tenant, incident_id)
;
CREATE TABLE IF NOT EXISTS incident_notes (
  tenant LowCardinality(String),
  incident_id String,
  note_id String,
  ts DateTime64(3, 'UTC'),
  author String,
  text String
) ENGINE = MergeTree
ORDER BY (tenant, incident_id, ts)
;
CREATE TABLE IF NOT EXISTS suppressions (
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
ORDER BY (tenant, suppression_id)
;
CREATE TABLE IF NOT EXISTS users (
  name String,
  tenant LowCardinality(String),
  role LowCardinality(String),
  password String,
  disabled UInt8,
  updated DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated)
ORDER BY name
;
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS entities Array(String)
;
ALTER TABLE tokens ADD COLUMN IF NOT EXISTS expires DateTime64(3, 'UTC')
;
-- migrate retentionDays=0
;
CREATE TABLE IF NOT EXISTS events (
  ts DateTime64(3, 'UTC'),
  received DateTime64(3, 'UTC'),
  tenant LowCardinality(String),
  event_id String,
  source LowCardinality(String),
  channel LowCardinality(String),
  provider LowCardinality(String),
  event_code LowCardinality(String),
  record_id UInt64,
  host LowCardinality(String),
  user_name LowCardinality(String),
  user_domain LowCardinality(String),
  process_pid UInt32,
  process_guid String,
  process_executable LowCardinality(String),
  process_command_line String,
  parent_pid UInt32,
  parent_executable LowCardinality(String),
  parent_command_line String,
  file_path String,
  hash_md5 String,
  hash_sha1 String,
  hash_sha256 String,
  hash_imphash String,
  source_ip String,
  source_port UInt16,
  destination_ip String,
  destination_port UInt16,
  domain String,
  url String,
  registry_key String,
  registry_value String,
  container_id String,
  container_image String,
  email_from String,
  email_to Array(String),
  email_subject String,
  rule_ids Array(String),
  fields Map(LowCardinality(String), String),
  raw String CODEC(ZSTD(1)),
  INDEX idx_hash_md5 hash_md5 TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX idx_hash_sha1 hash_sha1 TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX idx_hash_sha256 hash_sha256 TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX idx_hash_imphash hash_imphash TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX idx_source_ip source_ip TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX idx_destination_ip destination_ip TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX idx_domain domain TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX idx_command_line lower(process_command_line) TYPE tokenbf_v1(16384, 3, 0) GRANULARITY 4,
  INDEX idx_event_id event_id TYPE bloom_filter(0.01) GRANULARITY 4
) ENGINE = MergeTree
PARTITION BY toDate(ts)
ORDER BY (tenant, lower(host), ts)

SETTINGS non_replicated_deduplication_window = 10000, min_bytes_for_wide_part = 134217728
;
CREATE TABLE IF NOT EXISTS alerts (
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

SETTINGS non_replicated_deduplication_window = 10000, min_bytes_for_wide_part = 134217728
;
CREATE TABLE IF NOT EXISTS rules (
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
ORDER BY (tenant, rule_id)
;
CREATE TABLE IF NOT EXISTS tokens (
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
ORDER BY token_id
;
CREATE TABLE IF NOT EXISTS vigil_meta (
  key String,
  value String,
  updated DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated)
ORDER BY key
;
CREATE TABLE IF NOT EXISTS incidents (
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
ORDER BY (tenant, incident_id)
;
CREATE TABLE IF NOT EXISTS incident_state (
  tenant LowCardinality(String),
  incident_id String,
  status LowCardinality(String),
  assignee String,
  verdict LowCardinality(String),
  author String,
  updated DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated)
ORDER BY (tenant, incident_id)
;
CREATE TABLE IF NOT EXISTS incident_notes (
  tenant LowCardinality(String),
  incident_id String,
  note_id String,
  ts DateTime64(3, 'UTC'),
  author String,
  text String
) ENGINE = MergeTree
ORDER BY (tenant, incident_id, ts)
;
CREATE TABLE IF NOT EXISTS suppressions (
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
ORDER BY (tenant, suppression_id)
;
CREATE TABLE IF NOT EXISTS users (
  name String,
  tenant LowCardinality(String),
  role LowCardinality(String),
  password String,
  disabled UInt8,
  updated DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated)
ORDER BY name
;
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS entities Array(String)
;
ALTER TABLE tokens ADD COLUMN IF NOT EXISTS expires DateTime64(3, 'UTC')
;
ALTER TABLE events MODIFY SETTING min_bytes_for_wide_part = 134217728
;
ALTER TABLE alerts MODIFY SETTING min_bytes_for_wide_part = 134217728
;
SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = {t:String} AND create_table_query LIKE '%TTL %'
;
ALTER TABLE events REMOVE TTL
;
SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = {t:String} AND create_table_query LIKE '%TTL %'
;
ALTER TABLE alerts REMOVE TTL
;
-- migrate retentionDays=30
;
CREATE TABLE IF NOT EXISTS events (
  ts DateTime64(3, 'UTC'),
  received DateTime64(3, 'UTC'),
  tenant LowCardinality(String),
  event_id String,
  source LowCardinality(String),
  channel LowCardinality(String),
  provider LowCardinality(String),
  event_code LowCardinality(String),
  record_id UInt64,
  host LowCardinality(String),
  user_name LowCardinality(String),
  user_domain LowCardinality(String),
  process_pid UInt32,
  process_guid String,
  process_executable LowCardinality(String),
  process_command_line String,
  parent_pid UInt32,
  parent_executable LowCardinality(String),
  parent_command_line String,
  file_path String,
  hash_md5 String,
  hash_sha1 String,
  hash_sha256 String,
  hash_imphash String,
  source_ip String,
  source_port UInt16,
  destination_ip String,
  destination_port UInt16,
  domain String,
  url String,
  registry_key String,
  registry_value String,
  container_id String,
  container_image String,
  email_from String,
  email_to Array(String),
  email_subject String,
  rule_ids Array(String),
  fields Map(LowCardinality(String), String),
  raw String CODEC(ZSTD(1)),
  INDEX idx_hash_md5 hash_md5 TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX idx_hash_sha1 hash_sha1 TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX idx_hash_sha256 hash_sha256 TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX idx_hash_imphash hash_imphash TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX idx_source_ip source_ip TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX idx_destination_ip destination_ip TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX idx_domain domain TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX idx_command_line lower(process_command_line) TYPE tokenbf_v1(16384, 3, 0) GRANULARITY 4,
  INDEX idx_event_id event_id TYPE bloom_filter(0.01) GRANULARITY 4
) ENGINE = MergeTree
PARTITION BY toDate(ts)
ORDER BY (tenant, lower(host), ts)
TTL toDateTime(received) + INTERVAL 30 DAY
SETTINGS non_replicated_deduplication_window = 10000, min_bytes_for_wide_part = 134217728
;
CREATE TABLE IF NOT EXISTS alerts (
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
TTL toDateTime(created) + INTERVAL 30 DAY
SETTINGS non_replicated_deduplication_window = 10000, min_bytes_for_wide_part = 134217728
;
CREATE TABLE IF NOT EXISTS rules (
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
ORDER BY (tenant, rule_id)
;
CREATE TABLE IF NOT EXISTS tokens (
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
ORDER BY token_id
;
CREATE TABLE IF NOT EXISTS vigil_meta (
  key String,
  value String,
  updated DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated)
ORDER BY key
;
CREATE TABLE IF NOT EXISTS incidents (
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
ORDER BY (tenant, incident_id)
;
CREATE TABLE IF NOT EXISTS incident_state (
  tenant LowCardinality(String),
  incident_id String,
  status LowCardinality(String),
  assignee String,
  verdict LowCardinality(String),
  author String,
  updated DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated)
ORDER BY (tenant, incident_id)
;
CREATE TABLE IF NOT EXISTS incident_notes (
  tenant LowCardinality(String),
  incident_id String,
  note_id String,
  ts DateTime64(3, 'UTC'),
  author String,
  text String
) ENGINE = MergeTree
ORDER BY (tenant, incident_id, ts)
;
CREATE TABLE IF NOT EXISTS suppressions (
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
ORDER BY (tenant, suppression_id)
;
CREATE TABLE IF NOT EXISTS users (
  name String,
  tenant LowCardinality(String),
  role LowCardinality(String),
  password String,
  disabled UInt8,
  updated DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated)
ORDER BY name
;
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS entities Array(String)
;
ALTER TABLE tokens ADD COLUMN IF NOT EXISTS expires DateTime64(3, 'UTC')
;
ALTER TABLE events MODIFY SETTING min_bytes_for_wide_part = 134217728
;
ALTER TABLE alerts MODIFY SETTING min_bytes_for_wide_part = 134217728
;
ALTER TABLE events MODIFY TTL toDateTime(received) + INTERVAL 30 DAY
;
ALTER TABLE alerts MODIFY TTL toDateTime(created) + INTERVAL 30 DAY
;
-- applyRetention 7
;
ALTER TABLE events MODIFY TTL toDateTime(received) + INTERVAL 7 DAY
;
ALTER TABLE alerts MODIFY TTL toDateTime(created) + INTERVAL 7 DAY
;
-- applyRetention 0
;
SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = {t:String} AND create_table_query LIKE '%TTL %'
;
ALTER TABLE events REMOVE TTL
;
SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = {t:String} AND create_table_query LIKE '%TTL %'
;
ALTER TABLE alerts REMOVE TTL
