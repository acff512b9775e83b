import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { VigilError } from '../core/errors.js';

export interface ServerConfig {
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly tlsCert: string | null;
  readonly tlsKey: string | null;
  readonly clickhouseUrl: string | null;
  /**
   * With clickhouse_url: the cluster (the servers' remote_servers) the tables are created on, ON
   * CLUSTER, replicated behind Distributed tables; null: one server.
   */
  readonly clickhouseCluster: string | null;
  readonly retentionDays: number;
  /** Rule files and folders; Vigil's own pack when empty. */
  readonly rules: readonly string[];
  readonly maxBodyBytes: number;
  /** Request bytes being parsed at once; beyond it ingest answers 429. */
  readonly maxInflightBytes: number;
  /** Accepted but unprocessed bytes; beyond it ingest answers 503. */
  readonly maxBacklogBytes: number;
  readonly syslogTcpPort: number | null;
  readonly syslogUdpPort: number | null;
  /** The tenant syslog events belong to (syslog carries no token). */
  readonly syslogTenant: string;
  /** fsync the ingest log before acknowledging (default on). */
  readonly fsync: boolean;
  /**
   * Worker threads for normalize → detect → rows (-1: one per core but one, at most 4). Each holds
   * its own compiled rules: about 300 MB with the whole SigmaHQ set.
   */
  readonly pipelineWorkers: number;
  /** Playbook files and folders; `DATA/playbooks` when empty (if it exists). */
  readonly playbooks: readonly string[];
  /** The Docker-compatible API (unix:///path or tcp://host:port); null: the local default socket. */
  readonly dockerHost: string | null;
  /** Follow that API's events: dangerous containers and untrusted images become alerts. */
  readonly containerWatch: boolean;
  /** Follow every pod of the Kubernetes cluster the kubeconfig names, the same way. */
  readonly kubeWatch: boolean;
  /** The kubeconfig for kube_watch; null: $KUBECONFIG, ~/.kube/config or the in-cluster account. */
  readonly kubeconfig: string | null;
  /** The image trust policy (YAML) the watcher verifies running images against; null: posture only. */
  readonly imagePolicy: string | null;
  /** How often every watched container's image is verified again, in seconds (0: only on events). */
  readonly imageRecheckSeconds: number;
  /** The tenant the watcher's events belong to. */
  readonly containerTenant: string;
  /** The organization's own mail domains, protected from lookalikes (with the people file's). */
  readonly emailProtect: readonly string[];
  /** Partners' and suppliers' mail domains, protected from lookalikes. */
  readonly emailPartners: readonly string[];
  /** The people file `vigil email analyze --people` reads: people, organization and partners. */
  readonly emailPeople: string | null;
  /** The tenant mail from the SMTP journaling listener belongs to. */
  readonly emailTenant: string;
  /** The SMTP journaling listener's port; null: off. */
  readonly smtpPort: number | null;
  readonly smtpHost: string;
  /** PEM files: STARTTLS is offered with both. */
  readonly smtpTlsCert: string | null;
  readonly smtpTlsKey: string | null;
  /** Refuse mail until the client has switched to TLS. */
  readonly smtpRequireTls: boolean;
  /** Larger messages are refused with 552. */
  readonly smtpMaxBytes: number;
  /** Client addresses allowed to send journal mail; empty: any. */
  readonly smtpAllow: readonly string[];
  /**
   * What this process runs: everything (`all`, single node), only the front doors (`ingest`), or
   * the API and UI of a scale-out cluster (`api`).
   */
  readonly role: ServerRole;
  /** NATS JetStream servers the `ingest` and `api` roles publish to. */
  readonly nats: readonly string[];
  /** `api` role: the partitions of the event stream (the servers' mapping and the workers' `--partitions`). */
  readonly partitions: number;
  /** `api` role: replicas of the streams it creates when missing. */
  readonly replicas: number;
  /**
   * `ingest` role: the accepted tokens, each as the SHA-256 hex of the token, optionally prefixed
   * with `tenant=`; an ingest node has no store to look tokens up in.
   */
  readonly ingestTokens: readonly string[];
  /**
   * `ingest` role: the tokens that may read `GET /api/v1/metrics`, each as the SHA-256 hex of the
   * token (ingest tokens cannot); none: the endpoint is off.
   */
  readonly metricsTokens: readonly string[];
  /** Settings given in the file, the environment or a flag: these are not changed from the UI. */
  readonly explicit: readonly Setting[];
}

export const SERVER_ROLES = ['all', 'ingest', 'api'] as const;
export type ServerRole = (typeof SERVER_ROLES)[number];

export type Setting = Exclude<keyof ServerConfig, 'explicit'>;

export const DEFAULTS: ServerConfig = {
  dataDir: './vigil-data',
  host: '127.0.0.1',
  port: 8080,
  tlsCert: null,
  tlsKey: null,
  clickhouseUrl: null,
  clickhouseCluster: null,
  retentionDays: 90,
  rules: [],
  maxBodyBytes: 64 * 1024 * 1024,
  maxInflightBytes: 256 * 1024 * 1024,
  maxBacklogBytes: 512 * 1024 * 1024,
  syslogTcpPort: null,
  syslogUdpPort: null,
  syslogTenant: 'default',
  fsync: true,
  pipelineWorkers: -1,
  playbooks: [],
  dockerHost: null,
  containerWatch: false,
  kubeWatch: false,
  kubeconfig: null,
  imagePolicy: null,
  imageRecheckSeconds: 600,
  containerTenant: 'default',
  emailProtect: [],
  emailPartners: [],
  emailPeople: null,
  emailTenant: 'default',
  smtpPort: null,
  smtpHost: '127.0.0.1',
  smtpTlsCert: null,
  smtpTlsKey: null,
  smtpRequireTls: false,
  smtpMaxBytes: 50 * 1024 * 1024,
  smtpAllow: [],
  role: 'all',
  nats: [],
  partitions: 6,
  replicas: 3,
  ingestTokens: [],
  metricsTokens: [],
  explicit: [],
};

type Kind = 'string' | 'int' | 'list' | 'csv' | 'bool' | 'nullable';
/** Config keys as written in YAML, environment (VIGIL_ + upper snake case) and flags (kebab case). */
const KEYS: Record<Setting, { yaml: string; kind: Kind }> = {
  dataDir: { yaml: 'data', kind: 'string' },
  host: { yaml: 'host', kind: 'string' },
  port: { yaml: 'port', kind: 'int' },
  tlsCert: { yaml: 'tls_cert', kind: 'nullable' },
  tlsKey: { yaml: 'tls_key', kind: 'nullable' },
  clickhouseUrl: { yaml: 'clickhouse_url', kind: 'nullable' },
  clickhouseCluster: { yaml: 'clickhouse_cluster', kind: 'nullable' },
  retentionDays: { yaml: 'retention_days', kind: 'int' },
  rules: { yaml: 'rules', kind: 'list' },
  maxBodyBytes: { yaml: 'max_body_bytes', kind: 'int' },
  maxInflightBytes: { yaml: 'max_inflight_bytes', kind: 'int' },
  maxBacklogBytes: { yaml: 'max_backlog_bytes', kind: 'int' },
  syslogTcpPort: { yaml: 'syslog_tcp_port', kind: 'int' },
  syslogUdpPort: { yaml: 'syslog_udp_port', kind: 'int' },
  syslogTenant: { yaml: 'syslog_tenant', kind: 'string' },
  fsync: { yaml: 'fsync', kind: 'bool' },
  pipelineWorkers: { yaml: 'pipeline_workers', kind: 'int' },
  playbooks: { yaml: 'playbooks', kind: 'list' },
  dockerHost: { yaml: 'docker_host', kind: 'nullable' },
  containerWatch: { yaml: 'container_watch', kind: 'bool' },
  kubeWatch: { yaml: 'kube_watch', kind: 'bool' },
  kubeconfig: { yaml: 'kubeconfig', kind: 'nullable' },
  imagePolicy: { yaml: 'image_policy', kind: 'nullable' },
  imageRecheckSeconds: { yaml: 'image_recheck_seconds', kind: 'int' },
  containerTenant: { yaml: 'container_tenant', kind: 'string' },
  emailProtect: { yaml: 'email_protect', kind: 'list' },
  emailPartners: { yaml: 'email_partners', kind: 'list' },
  emailPeople: { yaml: 'email_people', kind: 'nullable' },
  emailTenant: { yaml: 'email_tenant', kind: 'string' },
  smtpPort: { yaml: 'smtp_port', kind: 'int' },
  smtpHost: { yaml: 'smtp_host', kind: 'string' },
  smtpTlsCert: { yaml: 'smtp_tls_cert', kind: 'nullable' },
  smtpTlsKey: { yaml: 'smtp_tls_key', kind: 'nullable' },
  smtpRequireTls: { yaml: 'smtp_require_tls', kind: 'bool' },
  smtpMaxBytes: { yaml: 'smtp_max_bytes', kind: 'int' },
  smtpAllow: { yaml: 'smtp_allow', kind: 'list' },
  role: { yaml: 'role', kind: 'string' },
  nats: { yaml: 'nats', kind: 'csv' },
  partitions: { yaml: 'partitions', kind: 'int' },
  replicas: { yaml: 'replicas', kind: 'int' },
  ingestTokens: { yaml: 'ingest_tokens', kind: 'csv' },
  metricsTokens: { yaml: 'metrics_tokens', kind: 'csv' },
};

export class ConfigError extends VigilError {
  constructor(message: string) {
    super('config.invalid', message);
    this.name = 'ConfigError';
  }
}

function coerce(key: string, kind: string, v: unknown, from: string): unknown {
  if (v === null || v === undefined) return kind === 'nullable' ? null : undefined;
  switch (kind) {
    case 'int': {
      const n = typeof v === 'number' ? v : Number(String(v).trim());
      if (!Number.isSafeInteger(n) || n < 0)
        throw new ConfigError(`${from}: ${key} must be a non-negative integer, not ${JSON.stringify(v)}`);
      return n;
    }
    case 'bool':
      if (typeof v === 'boolean') return v;
      if (/^(1|true|yes|on)$/i.test(String(v))) return true;
      if (/^(0|false|no|off)$/i.test(String(v))) return false;
      throw new ConfigError(`${from}: ${key} must be true or false`);
    case 'list':
      if (Array.isArray(v)) return v.map(String);
      return String(v)
        .split(/[,:]/)
        .map((s) => s.trim())
        .filter(Boolean);
    case 'csv':
      // Items that contain colons themselves (URLs): split on commas only.
      if (Array.isArray(v)) return v.map(String);
      return String(v)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    default:
      if (typeof v === 'object') throw new ConfigError(`${from}: ${key} must be a string`);
      return String(v);
  }
}

/**
 * The server's configuration: defaults, then the YAML file, then VIGIL_* environment variables,
 * then command-line flags; later sources win. Unknown YAML keys are errors, not silently ignored.
 */
export function loadConfig(options: {
  file?: string | null;
  env?: NodeJS.ProcessEnv;
  flags?: Partial<Record<Setting, unknown>>;
}): ServerConfig {
  const out: Record<string, unknown> = { ...DEFAULTS };
  const explicit = new Set<Setting>();
  if (options.file) {
    let doc: unknown;
    try {
      doc = parse(readFileSync(options.file, 'utf8'));
    } catch (e) {
      throw new ConfigError(`${options.file}: ${(e as Error).message.split('\n')[0]}`);
    }
    if (doc !== null && (typeof doc !== 'object' || Array.isArray(doc)))
      throw new ConfigError(`${options.file}: expected a map of settings`);
    const byYaml = new Map(Object.entries(KEYS).map(([k, v]) => [v.yaml, { key: k, kind: v.kind }]));
    for (const [yk, v] of Object.entries((doc ?? {}) as Record<string, unknown>)) {
      const entry = byYaml.get(yk);
      if (entry === undefined)
        throw new ConfigError(
          `${options.file}: unknown setting "${yk}" (known: ${[...byYaml.keys()].join(', ')})`,
        );
      out[entry.key] = coerce(yk, entry.kind, v, options.file);
      explicit.add(entry.key as Setting);
    }
  }
  const env = options.env ?? {};
  for (const [key, { yaml, kind }] of Object.entries(KEYS)) {
    const name = `VIGIL_${yaml.toUpperCase()}`;
    if (env[name] !== undefined && env[name] !== '') {
      out[key] = coerce(name, kind, env[name], 'environment');
      explicit.add(key as Setting);
    }
  }
  for (const [key, v] of Object.entries(options.flags ?? {})) {
    const spec = KEYS[key as Setting];
    if (spec !== undefined && v !== undefined) {
      out[key] = coerce(key, spec.kind, v, 'flag');
      explicit.add(key as Setting);
    }
  }
  const config = { ...out, explicit: [...explicit] } as unknown as ServerConfig;
  if (config.port > 65535) throw new ConfigError(`port ${config.port} is out of range`);
  if ((config.tlsCert === null) !== (config.tlsKey === null))
    throw new ConfigError('TLS needs both tls_cert and tls_key');
  if ((config.smtpTlsCert === null) !== (config.smtpTlsKey === null))
    throw new ConfigError('STARTTLS needs both smtp_tls_cert and smtp_tls_key');
  if (config.smtpPort !== null && config.smtpPort > 65535)
    throw new ConfigError(`smtp_port ${config.smtpPort} is out of range`);
  if (config.smtpRequireTls && config.smtpTlsCert === null)
    throw new ConfigError('smtp_require_tls needs smtp_tls_cert and smtp_tls_key');
  checkRole(config);
  checkClusterAndMetrics(config);
  return { ...config, dataDir: resolve(config.dataDir) };
}

const TOKEN_HASH = /^(?:([a-z0-9][a-z0-9_-]{0,62})=)?[0-9a-f]{64}$/;

/** The scale-out roles' own rules: what each needs. */
function checkRole(config: ServerConfig): void {
  if (!(SERVER_ROLES as readonly string[]).includes(config.role))
    throw new ConfigError(
      `role must be one of ${SERVER_ROLES.join(', ')}, not ${JSON.stringify(config.role)}`,
    );
  for (const t of config.ingestTokens)
    if (!TOKEN_HASH.test(t))
      throw new ConfigError(
        'each ingest_tokens entry is the SHA-256 hex of a token, optionally prefixed with "tenant="',
      );
  if (config.partitions < 1 || config.partitions > 1024)
    throw new ConfigError(`partitions must be 1..1024, not ${config.partitions}`);
  if (config.replicas < 1 || config.replicas > 5)
    throw new ConfigError(`replicas must be 1..5 (JetStream's limit), not ${config.replicas}`);
  if (config.role === 'all') return;
  if (config.nats.length === 0)
    throw new ConfigError(`role ${config.role} needs nats (the JetStream servers)`);
  if (config.role === 'ingest') {
    if (config.ingestTokens.length === 0)
      throw new ConfigError('role ingest needs ingest_tokens: it has no store to look tokens up in');
    return;
  }
  // role api: one store, named explicitly (the default data folder is not a choice made).
  const data = config.explicit.includes('dataDir');
  if (data && config.clickhouseUrl !== null)
    throw new ConfigError(
      'role api takes data or clickhouse_url, not both: data is the embedded store this node writes as the single writer; clickhouse_url is a ClickHouse server the workers or `vigil writer` fill',
    );
  if (!data && config.clickhouseUrl === null)
    throw new ConfigError(
      'role api needs its store: data DIR (the embedded store; this node is then also the single writer, so no `vigil writer` may run) or clickhouse_url URL (a ClickHouse server)',
    );
}

/** clickhouse_cluster needs a server to spread over; metrics_tokens are digests, kept apart from ingest's. */
function checkClusterAndMetrics(config: ServerConfig): void {
  if (config.clickhouseCluster !== null) {
    if (config.clickhouseUrl === null)
      throw new ConfigError('clickhouse_cluster needs clickhouse_url: the embedded store is one process');
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(config.clickhouseCluster))
      throw new ConfigError(
        "clickhouse_cluster must be a cluster name from the servers' remote_servers (letters, digits, _)",
      );
  }
  const ingest = new Set(config.ingestTokens.map((t) => t.slice(t.indexOf('=') + 1)));
  for (const t of config.metricsTokens) {
    if (!/^[0-9a-f]{64}$/.test(t))
      throw new ConfigError(
        'each metrics_tokens entry is the SHA-256 hex of a token (printf %s TOKEN | sha256sum)',
      );
    if (ingest.has(t))
      throw new ConfigError(
        'a token is in both ingest_tokens and metrics_tokens: give metrics its own token',
      );
  }
}
