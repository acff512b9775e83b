import { StoreError, type Store } from './store.js';

/**
 * Cluster DDL: the plain statements the schema modules write (events, alerts, incidents, response,
 * mail history...) turned into their form on a ClickHouse cluster. Each table `T` becomes
 *
 * - `T_local`, created `ON CLUSTER` with the Replicated variant of its engine (same columns,
 *   indexes, ORDER BY, PARTITION BY, TTL), under `/clickhouse/tables/{shard}/{database}/T_local`;
 * - `T`, a Distributed table over `T_local`, so every query keeps the name it uses today.
 *
 * Doing it here, statement by statement, means a table added by any module later gets the same
 * layout without that module knowing about clusters.
 */
export interface ClusterLayout {
  /** The cluster's name in the servers' `remote_servers`. */
  readonly cluster: string;
  /** The database the Distributed tables point at (the connection's current database). */
  readonly database: string;
}

export const LOCAL_SUFFIX = '_local';
export const localTable = (table: string) => `${table}${LOCAL_SUFFIX}`;

/**
 * The cluster a store spreads its tables over: a server store's `cluster`, null otherwise. Read
 * structurally so that the schema does not load the HTTP client (worker threads import it).
 */
export function clusterOf(store: Store): string | null {
  const cluster = (store as Store & { readonly cluster?: unknown }).cluster;
  return typeof cluster === 'string' ? cluster : null;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Cluster and database names are spliced into DDL: identifiers only. */
export function checkClusterName(name: string): string {
  if (!IDENT.test(name))
    throw new StoreError(
      `clickhouse_cluster must be a cluster name from remote_servers (letters, digits, _), not ${JSON.stringify(name)}`,
    );
  return name;
}

/**
 * Where a table's rows go. Tables read with FINAL (the Replacing ones) must keep every version of a
 * key on one shard, because FINAL merges within a shard only: their key is a hash of the whole
 * ORDER BY. The others are chosen so related rows stay together: one host's events and alerts, one
 * incident's notes, one sender's history.
 */
const SHARDING_KEYS: Readonly<Record<string, string>> = {
  events: 'cityHash64(tenant, lower(host))',
  alerts: 'cityHash64(tenant, lower(host))',
  incident_notes: 'cityHash64(tenant, incident_id)',
  email_senders: 'cityHash64(tenant, domain)',
  response_audit: 'cityHash64(tenant, audit_id)',
};

const MERGE_TREES = new Set([
  'MergeTree',
  'ReplacingMergeTree',
  'SummingMergeTree',
  'AggregatingMergeTree',
  'CollapsingMergeTree',
  'VersionedCollapsingMergeTree',
]);

/** Index just past the bracket that closes the one at `open`; quotes and backquotes are skipped. */
function closing(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'" || c === '`' || c === '"') {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++;
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i + 1;
  }
  throw new StoreError(`unbalanced brackets in DDL: ${text.slice(0, 80)}…`);
}

/** The ORDER BY expression of a table's tail, as the columns of a hash: `(a, b)` → `a, b`. */
export function orderByColumns(tail: string): string {
  const m = /\bORDER BY\s+/i.exec(tail);
  if (m === null) throw new StoreError('a MergeTree table without ORDER BY cannot be sharded');
  const start = m.index + m[0].length;
  if (tail[start] === '(') return tail.slice(start + 1, closing(tail, start) - 1).trim();
  const end = /[\s]|$/.exec(tail.slice(start))!.index;
  let expr = tail.slice(start, start + end);
  // A function call such as `lower(host)`: take it whole.
  const paren = expr.indexOf('(');
  if (paren >= 0) expr = tail.slice(start, closing(tail, start + paren));
  return expr;
}

interface ParsedCreate {
  readonly table: string;
  readonly columns: string;
  readonly engine: string;
  readonly engineArgs: string | null;
  readonly tail: string;
}

function parseCreate(sql: string): ParsedCreate {
  const head = /^\s*CREATE TABLE (IF NOT EXISTS )?([A-Za-z_][A-Za-z0-9_]*)\s*\(/i.exec(sql);
  if (head === null)
    throw new StoreError(`cluster DDL: expected CREATE TABLE name (columns) ENGINE = …: ${sql.slice(0, 80)}`);
  const open = head[0].length - 1;
  const close = closing(sql, open);
  const columns = sql.slice(open, close);
  const rest = sql.slice(close);
  const engine = /^\s*ENGINE\s*=\s*([A-Za-z]+)/i.exec(rest);
  if (engine === null) throw new StoreError(`cluster DDL: no ENGINE in ${sql.slice(0, 80)}`);
  let at = engine[0].length;
  let engineArgs: string | null = null;
  if (rest[at] === '(') {
    const end = closing(rest, at);
    engineArgs = rest.slice(at + 1, end - 1).trim();
    at = end;
  }
  return { table: head[2]!, columns, engine: engine[1]!, engineArgs, tail: rest.slice(at) };
}

/** The Distributed table's sharding key for a table (see SHARDING_KEYS). */
export function shardingKey(table: string, tail: string): string {
  return SHARDING_KEYS[table] ?? `cityHash64(${orderByColumns(tail)})`;
}

/** `CREATE TABLE T (...) ENGINE = X ...` → the replicated local table and the Distributed `T`. */
function createOnCluster(sql: string, layout: ClusterLayout): string[] {
  const p = parseCreate(sql);
  if (!MERGE_TREES.has(p.engine))
    throw new StoreError(
      `cluster DDL: table ${p.table} uses ENGINE ${p.engine}; only the MergeTree family is replicated`,
    );
  const local = localTable(p.table);
  const path = `'/clickhouse/tables/{shard}/{database}/${local}'`;
  const args = [path, "'{replica}'", ...(p.engineArgs ? [p.engineArgs] : [])].join(', ');
  // Replicated tables keep their own dedup log (in Keeper): the same window as the plain tables'.
  const tail = p.tail.replace(/\bnon_replicated_deduplication_window\b/g, 'replicated_deduplication_window');
  const ifNot = /^\s*CREATE TABLE IF NOT EXISTS/i.test(sql) ? 'IF NOT EXISTS ' : '';
  const c = layout.cluster;
  return [
    `CREATE TABLE ${ifNot}${local} ON CLUSTER ${c} ${p.columns} ENGINE = Replicated${p.engine}(${args})${tail}`,
    `CREATE TABLE ${ifNot}${p.table} ON CLUSTER ${c} AS ${local} ENGINE = Distributed(${c}, '${layout.database}', ${local}, ${shardingKey(p.table, p.tail)})`,
  ];
}

/** Column changes apply to both tables (the Distributed one lists the columns too); the rest to the data. */
const COLUMN_CHANGE = /^(ADD|DROP|MODIFY|RENAME|COMMENT|CLEAR)\s+COLUMN\b/i;

/**
 * One statement as the schema modules write it → the statements to run on the cluster. CREATE
 * TABLE gives the local and Distributed pair; ALTER, OPTIMIZE, TRUNCATE and DELETE go ON CLUSTER to
 * the local tables (that is where TTLs, indexes and parts are), column changes to both; DROP drops
 * both. Anything else (SELECT, SYSTEM ...) is unchanged.
 */
export function clusterStatements(sql: string, layout: ClusterLayout): string[] {
  checkClusterName(layout.cluster);
  if (!IDENT.test(layout.database))
    throw new StoreError(`cluster DDL: not a database name: ${JSON.stringify(layout.database)}`);
  if (/\bON CLUSTER\b/i.test(sql)) return [sql];
  const c = layout.cluster;
  if (/^\s*CREATE TABLE\b/i.test(sql)) return createOnCluster(sql, layout);
  const alter = /^\s*ALTER TABLE ([A-Za-z_][A-Za-z0-9_]*)\s+([\s\S]+)$/i.exec(sql);
  if (alter !== null) {
    const [, table, command] = alter as unknown as [string, string, string];
    const onLocal = `ALTER TABLE ${localTable(table)} ON CLUSTER ${c} ${command}`;
    return COLUMN_CHANGE.test(command)
      ? [onLocal, `ALTER TABLE ${table} ON CLUSTER ${c} ${command}`]
      : [onLocal];
  }
  const maintenance = /^\s*(OPTIMIZE|TRUNCATE) TABLE (IF EXISTS )?([A-Za-z_][A-Za-z0-9_]*)\b([\s\S]*)$/i.exec(
    sql,
  );
  if (maintenance !== null) {
    const [, verb, ifExists = '', table, rest] = maintenance as unknown as [
      string,
      string,
      string,
      string,
      string,
    ];
    return [`${verb.toUpperCase()} TABLE ${ifExists}${localTable(table)} ON CLUSTER ${c}${rest}`];
  }
  // Lightweight deletes mark rows where they are: in the local tables, on every shard.
  const remove = /^\s*DELETE FROM ([A-Za-z_][A-Za-z0-9_]*)\s+(WHERE\b[\s\S]*)$/i.exec(sql);
  if (remove !== null) return [`DELETE FROM ${localTable(remove[1]!)} ON CLUSTER ${c} ${remove[2]}`];
  const drop = /^\s*DROP TABLE (IF EXISTS )?([A-Za-z_][A-Za-z0-9_]*)\s*$/i.exec(sql);
  if (drop !== null) {
    const ifExists = drop[1] ?? '';
    return [
      `DROP TABLE ${ifExists}${drop[2]} ON CLUSTER ${c} SYNC`,
      `DROP TABLE ${ifExists}${localTable(drop[2]!)} ON CLUSTER ${c} SYNC`,
    ];
  }
  return [sql];
}
