import { EventBus, parseServers } from '../bus/jetstream.js';
import { PartitionLeases } from '../bus/leases.js';
import { ClusterControl, ControlFollower, sameRuleChanges } from '../cluster/control.js';
import { normalizedHost } from '../cluster/partition-pipeline.js';
import { RowsWriter } from '../cluster/writer.js';
import { IncidentRepository, IncidentService } from '../correlate/index.js';
import { ColumnMapper, Mappings } from '../normalize/index.js';
import { openStore, type Store } from '../store/index.js';
import { ClusterPipeline } from './cluster-pipeline.js';
import type { ServerConfig } from './config.js';
import type { Services } from './context.js';
import { BusIntake } from './intake.js';
import { ResponseService } from './response.js';
import { Retention } from './retention.js';
import { reloadRules } from './routes/rules.js';
import { LiveRules } from './rule-set.js';
import { defaultRulesDir, openApi, type RunningServer } from './server.js';

/**
 * The writer's view of incident building: the same builder, and the response engine hears each
 * stored message's alerts first, as the single node's processor tells it (retro-hunt findings,
 * linked through the builder itself, are not announced, as on a single node).
 */
function announcing(
  builder: IncidentService,
  onAlerts: (tenant: string, alerts: Parameters<ResponseService['alerts']>[1]) => void,
  log: (m: string) => void,
): IncidentService {
  return new Proxy(builder, {
    get(target, key, receiver) {
      if (key === 'record')
        return (inputs: Parameters<IncidentService['record']>[0], now?: number) => {
          for (const g of inputs)
            if (g.alerts.length > 0)
              try {
                onAlerts(g.tenant, g.alerts);
              } catch (e) {
                log(`alert listener failed: ${(e as Error).message}`);
              }
          return target.record(inputs, now);
        };
      const v: unknown = Reflect.get(target, key, receiver);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/**
 * `vigil serve --role api`: the API and the UI of a scale-out cluster. It runs no ingest log and
 * no pipeline: the ingest routes publish to JetStream (answering after the ack, as ingest nodes
 * do, but with the token table), the workers detect, and rule and suppression changes reach them
 * through the control stream. With `data` (the embedded store, one process per folder) this node
 * is also the single writer: it stores the workers' rows and builds incidents. With
 * `clickhouse_url` it reads the shared server, and `vigil writer --clickhouse-url` builds them.
 */
export async function startApiNode(
  config: ServerConfig,
  options: { env?: NodeJS.ProcessEnv; log?: (m: string) => void; examplePlaybooks?: boolean } = {},
): Promise<RunningServer> {
  const log = options.log ?? ((m: string) => console.error(`[vigil] ${m}`));
  const env = options.env ?? process.env;
  const mappings = Mappings.load();
  const columns = ColumnMapper.load();
  // No pipeline here, so no pipeline threads: the rule set serves the rule list, checks and retro-hunts.
  const rules = new LiveRules(
    config.rules.length > 0 ? config.rules : [defaultRulesDir()],
    config.dataDir,
    mappings,
    0,
    log,
  );
  const bus = await EventBus.connect(parseServers(config.nats.join(',')), {
    name: 'vigil-api',
    replicas: config.replicas,
    ackWaitMs: Number(env.VIGIL_ACK_WAIT_MS ?? 30_000),
  });
  let store: Store | null = null;
  try {
    // As `vigil writer` does: the streams exist before this node writes or publishes.
    await bus.ensureStreams();
    await PartitionLeases.ensureStream(bus, config.replicas);
    await ClusterControl.ensureStream(bus, config.replicas);
    const control = new ClusterControl(bus);
    const writes = config.clickhouseUrl === null;
    store = await openStore({
      dataDir: config.dataDir,
      clickhouseUrl: config.clickhouseUrl,
      clickhouseCluster: config.clickhouseCluster,
      retentionDays: null,
    });
    const retention = await Retention.open(store, config);
    // The writer rebuilds it from the store once it holds the writer lease.
    const incidentBuilder = writes ? new IncidentService(store, log) : null;
    const incidents = new IncidentRepository(store);
    const response = await ResponseService.open({
      config,
      store,
      incidents,
      log,
      examples: options.examplePlaybooks === true,
      env,
    });
    if (incidentBuilder !== null)
      incidentBuilder.onIncident = (tenant, incident, change) => response.incident(tenant, incident, change);
    const writer =
      incidentBuilder === null
        ? null
        : new RowsWriter(bus, store, {
            incidents: announcing(incidentBuilder, (t, a) => response.alerts(t, a), log),
            log,
          });
    const pipeline = new ClusterPipeline(bus, control, config.partitions, rules, writer);
    await pipeline.adoptRules();
    const loaded = await rules.load();
    log(`rules: ${loaded.compiled} compiled of ${rules.all.length} loaded (${loaded.errors.length} errors)`);
    await pipeline.publishSuppressions(await incidents.suppressions(null));
    writer?.start();

    const api = await openApi(
      config,
      {
        store,
        retention,
        intake: new BusIntake(bus, normalizedHost(mappings, columns)),
        pipeline,
        rules,
        ruleErrors: loaded.errors,
        mappings,
        columns,
        incidents,
        incidentBuilder,
        response,
        log,
      },
      env,
    );
    const follower = followOtherApiNodes(control, api.services, log);
    await api.email.startListener(config);
    for (const [set, what] of [
      [config.syslogTcpPort !== null || config.syslogUdpPort !== null, 'syslog'],
      [config.containerWatch || config.kubeWatch, 'container watching'],
    ] as const)
      if (set) log(`${what} is not run on an api node: run it on an ingest node (or role all)`);
    log(
      `role api: ${writes ? `single writer of ${config.dataDir}` : `reading ${config.clickhouseUrl}`}, ${config.partitions} partitions`,
    );
    const opened = store;
    api.services.recordPurge.start();
    return {
      url: api.url,
      services: api.services,
      bootstrapToken: api.bootstrapToken,
      async close() {
        await api.closeHttp();
        await follower.stop();
        await api.email.close();
        await api.services.recordPurge.stop();
        await writer?.stop();
        await response.stop();
        await bus.close();
        await opened.close();
      },
    };
  } catch (e) {
    await bus.close();
    await store?.close();
    throw e;
  }
}

/**
 * Rule changes made on another api node: this node's files follow the cluster's, and its rule set
 * is rebuilt (the workers have the change already; nothing is published again, as it is equal).
 */
function followOtherApiNodes(control: ClusterControl, services: Services, log: (m: string) => void) {
  const follower = new ControlFollower(
    control,
    {
      rules: async (changes) => {
        if (sameRuleChanges(changes, services.rules.changes())) return 0;
        services.rules.applyChanges(changes);
        await reloadRules(services);
        log('rules changed on another api node: reloaded');
        return 0;
      },
      suppressions: () => {},
    },
    { worker: null, intervalMs: 2000, log },
  );
  follower.start();
  return follower;
}
