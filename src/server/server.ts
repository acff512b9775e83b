import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IncidentRepository, IncidentService } from '../correlate/index.js';
import { Detector } from '../detect/hunt/detector.js';
import { ColumnMapper, Mappings } from '../normalize/index.js';
import { IntakeLog, Processor } from '../pipeline/index.js';
import { availableParallelism } from 'node:os';
import { openStore, sqlTime, type Store } from '../store/index.js';
import { createApp } from './app.js';
import { TokenStore } from './auth.js';
import { RecordPurge, Retention } from './retention.js';
import { LiveRules } from './rule-set.js';
import { SignInLimiter, UserStore } from './users.js';
import type { ServerConfig } from './config.js';
import type { Services } from './context.js';
import { LocalPipeline } from './pipeline-control.js';
import { startContainerWatch } from './containers.js';
import { listenHttp, startConfiguredSyslog } from './front-doors.js';
import { ResponseService } from './response.js';
import { EmailService } from './email.js';

/** The repository's own rule pack, from src/ or dist/src/. */
export function defaultRulesDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return resolve(here, here.includes(join('dist', 'src')) ? '../../../rules' : '../../rules');
}

export interface RunningServer {
  readonly url: string;
  readonly services: Services;
  /** Set on the first start, when no token existed: shown once, never logged. */
  readonly bootstrapToken: string | null;
  close(): Promise<void>;
}

async function bootstrapAdmin(tokens: TokenStore, fromEnv: string | undefined): Promise<string | null> {
  if (fromEnv !== undefined && fromEnv !== '') {
    if ((await tokens.verify(fromEnv)) === null)
      await tokens.create('default', 'admin', 'VIGIL_ADMIN_TOKEN', fromEnv);
    return null;
  }
  if ((await tokens.count()) > 0) return null;
  return (await tokens.create('default', 'admin', 'first admin')).token;
}

async function recordRules(store: Store, detector: Detector): Promise<void> {
  const now = sqlTime(Date.now());
  const rows = detector.rules.map((r) =>
    JSON.stringify({
      tenant: '',
      rule_id: r.id ?? r.title,
      title: r.title,
      level: r.type === 'filter' ? '' : r.level,
      status: r.status ?? '',
      tags: r.tags,
      source: `${r.source.file}:${r.source.line}`,
      yaml: '',
      enabled: 1,
      updated: now,
    }),
  );
  if (rows.length > 0) await store.insert('rules', Buffer.from(rows.join('\n')));
}

/** Starts `vigil serve`: store, ingest log, pipeline and HTTP API, in one process. */
export async function startServer(
  config: ServerConfig,
  options: {
    env?: NodeJS.ProcessEnv;
    log?: (m: string) => void;
    /** Load the example playbooks, made safe for a demo (`--sample-data` without a playbooks setting). */
    examplePlaybooks?: boolean;
  } = {},
): Promise<RunningServer> {
  const log = options.log ?? ((m: string) => console.error(`[vigil] ${m}`));
  const mappings = Mappings.load();
  const workers =
    config.pipelineWorkers >= 0
      ? config.pipelineWorkers
      : Math.min(4, Math.max(0, availableParallelism() - 1));
  const rules = new LiveRules(
    config.rules.length > 0 ? config.rules : [defaultRulesDir()],
    config.dataDir,
    mappings,
    workers,
    log,
  );
  const loaded = await rules.load();
  const detector = rules.detector;
  log(`rules: ${loaded.compiled} compiled of ${rules.all.length} loaded (${loaded.errors.length} errors)`);

  const store = await openStore({
    dataDir: config.dataDir,
    clickhouseUrl: config.clickhouseUrl,
    clickhouseCluster: config.clickhouseCluster,
    retentionDays: null,
  });
  const retention = await Retention.open(store, config);
  const intake = IntakeLog.open(join(config.dataDir, 'ingest-log'), {
    maxLagBytes: config.maxBacklogBytes,
    fsync: config.fsync,
  });
  const columns = ColumnMapper.load();
  const pool = rules.pool;
  pool?.ready.then(
    () => log(`pipeline: ${workers} worker thread${workers === 1 ? '' : 's'}`),
    (e: unknown) =>
      log(`pipeline workers failed to start, working on the main thread: ${(e as Error).message}`),
  );
  const incidentBuilder = new IncidentService(store, log);
  await incidentBuilder.restore();
  const incidents = new IncidentRepository(store);
  const response = await ResponseService.open({
    config,
    store,
    incidents,
    log,
    examples: options.examplePlaybooks === true,
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  // The engine matches in memory and returns at once: the pipeline never waits for a response.
  incidentBuilder.onIncident = (tenant, incident, change) => response.incident(tenant, incident, change);
  const processor = new Processor(
    intake.wal,
    store,
    detector,
    mappings,
    columns,
    join(config.dataDir, 'ingest-log', 'checkpoint.json'),
    { log, pool, incidents: incidentBuilder },
  );
  processor.setSuppressions(await incidents.suppressions(null));
  processor.onAlerts = (tenant, alerts) => response.alerts(tenant, alerts);
  intake.onAppend = (position, batch) => processor.remember(position, batch);
  processor.start();
  const api = await openApi(
    config,
    {
      store,
      retention,
      intake,
      pipeline: new LocalPipeline(processor, intake),
      rules,
      ruleErrors: loaded.errors,
      mappings,
      columns,
      incidents,
      incidentBuilder,
      response,
      log,
    },
    options.env,
  );
  const syslog = await startConfiguredSyslog(config, intake, log);
  const containers = startContainerWatch(config, intake, log);
  await api.email.startListener(config);
  api.services.recordPurge.start();
  return {
    url: api.url,
    services: api.services,
    bootstrapToken: api.bootstrapToken,
    async close() {
      await api.closeHttp();
      await syslog?.close();
      await containers?.stop();
      await api.email.close();
      await processor.stop();
      await api.services.recordPurge.stop();
      await response.stop();
      await rules.pool?.close();
      await store.close();
    },
  };
}

/** What a role brings to the API: the store and its parts, and where ingest and the pipeline are. */
export type ApiParts = Pick<
  Services,
  | 'store'
  | 'retention'
  | 'intake'
  | 'pipeline'
  | 'rules'
  | 'ruleErrors'
  | 'mappings'
  | 'columns'
  | 'incidents'
  | 'incidentBuilder'
  | 'response'
  | 'log'
>;

/**
 * The API over a store, the same for role all and role api: mail analysis, the token table (and
 * the first admin), the rules on record, the routes and the HTTP listener.
 */
export async function openApi(
  config: ServerConfig,
  parts: ApiParts,
  env: NodeJS.ProcessEnv | undefined,
): Promise<{
  readonly url: string;
  readonly services: Services;
  readonly bootstrapToken: string | null;
  readonly email: EmailService;
  closeHttp(): Promise<void>;
}> {
  const { store, log } = parts;
  const email = await EmailService.open(config, store, parts.intake, log);
  const tokens = new TokenStore(store);
  const bootstrapToken = await bootstrapAdmin(tokens, (env ?? process.env).VIGIL_ADMIN_TOKEN);
  await recordRules(store, parts.rules.detector);
  const services: Services = {
    ...parts,
    // Started by the role once it is up, so that a failed start leaves no timer behind.
    recordPurge: new RecordPurge(parts.retention, parts, log),
    config,
    tokens,
    users: new UserStore(store),
    signIns: new SignInLimiter(),
    detector: parts.rules.detector,
    email,
    inflightBytes: 0,
    retroHuntBusy: false,
  };
  const http = await listenHttp(config, createApp(services));
  return { url: http.url, services, bootstrapToken, email, closeHttp: () => http.close() };
}
