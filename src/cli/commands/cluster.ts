import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { checkPartitions, EventBus, parseServers } from '../../bus/jetstream.js';
import { PartitionLeases } from '../../bus/leases.js';
import { clusterStatus, formatStatus, ingestRate } from '../../cluster/status.js';
import { ClusterWorker, storeSink, writerSink } from '../../cluster/worker.js';
import { RowsWriter } from '../../cluster/writer.js';
import { metricsEndpointOptions, MetricsOptionError, serveMetrics } from '../../cluster/metrics-http.js';
import { workerCollector, writerCollector } from '../../cluster/metrics.js';
import { busHistory, storeHistory } from '../../cluster/history.js';
import { followControl } from '../../cluster/control.js';
import { IncidentService } from '../../correlate/index.js';
import { Detector } from '../../detect/hunt/detector.js';
import { enabledRules, loadRules } from '../../detect/sigma/load.js';
import { ColumnMapper, Mappings } from '../../normalize/index.js';
import { defaultRulesDir } from '../../server/server.js';
import { openStore } from '../../store/index.js';
import { readJsonFile, writeDurableJson } from '../../bus/wal.js';

interface BusFlags {
  nats: string;
  partitions: string;
  replicas: string;
}

const log = (m: string) => console.error(`[vigil] ${m}`);
const STARTED = Date.now();

interface MetricsFlags {
  metrics?: string;
  metricsTokenSha256?: string;
  metricsInsecure?: boolean;
  clickhouseUrl?: string;
  clickhouseCluster?: string;
}

/** `--metrics` (off by default: no open endpoints) and the ClickHouse cluster, for worker and writer. */
function metricsOptions(cmd: Command): Command {
  return cmd
    .option('--metrics <host:port>', 'serve Prometheus metrics at http://HOST:PORT/metrics (off by default)')
    .option(
      '--metrics-token-sha256 <hex>',
      'require a bearer token whose SHA-256 is HEX (or VIGIL_METRICS_TOKEN_SHA256)',
    )
    .option('--metrics-insecure', 'allow --metrics on a non-loopback address without a token')
    .option(
      '--clickhouse-cluster <name>',
      'with --clickhouse-url: create the tables ON CLUSTER NAME, replicated, behind Distributed tables',
    );
}

/** The checked metrics endpoint (null: off), or false after a clear error (exit code 2). */
function checkedOptions(flags: MetricsFlags, command: string) {
  if (flags.clickhouseCluster !== undefined && flags.clickhouseUrl === undefined) {
    console.error(`vigil ${command}: --clickhouse-cluster needs --clickhouse-url`);
    process.exitCode = 2;
    return false;
  }
  try {
    return metricsEndpointOptions({
      ...flags,
      // The environment's token applies only where metrics are asked for.
      metricsTokenSha256:
        flags.metricsTokenSha256 ??
        (flags.metrics === undefined ? undefined : process.env.VIGIL_METRICS_TOKEN_SHA256 || undefined),
    });
  } catch (e) {
    if (!(e instanceof MetricsOptionError)) throw e;
    console.error(`vigil ${command}: ${e.message}`);
    process.exitCode = 2;
    return false;
  }
}

async function openBus(flags: BusFlags, name: string): Promise<EventBus> {
  const bus = await EventBus.connect(parseServers(flags.nats), {
    name,
    replicas: Number(flags.replicas),
    ackWaitMs: Number(process.env.VIGIL_ACK_WAIT_MS ?? 30_000),
  });
  await bus.ensureStreams();
  await PartitionLeases.ensureStream(bus, Number(flags.replicas));
  return bus;
}

/** Runs until SIGTERM/SIGINT, then drains (finishes and acks what it holds). */
function untilSignal(stop: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const onSignal = () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      log('draining');
      void stop().then(resolve, (e: unknown) => {
        log(`drain failed: ${(e as Error).message}`);
        resolve();
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

function busOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--nats <urls>', 'NATS servers of the cluster, comma-separated')
    .option('--partitions <n>', 'partitions (must match the servers’ subject mapping)', '6')
    .option('--replicas <n>', 'stream replicas', '3');
}

export function registerClusterCommands(program: Command): void {
  metricsOptions(
    busOptions(
      program
        .command('worker')
        .description(
          'Scale-out worker: consumes partitions of the event stream, runs the pipeline, stores rows',
        )
        .option('--id <name>', 'worker name (default host-pid)')
        .option(
          '--clickhouse-url <url>',
          'insert straight into this ClickHouse server (else: through the writer)',
        )
        .option('-r, --rules <path...>', 'rule files or folders (default: the built-in pack)'),
    ),
  ).action(async (flags: BusFlags & MetricsFlags & { id?: string; rules?: string[] }) => {
    const metrics = checkedOptions(flags, 'worker');
    if (metrics === false) return;
    const partitions = checkPartitions(Number(flags.partitions));
    const id = flags.id ?? `${hostname()}-${process.pid}`;
    const mappings = Mappings.load();
    const loaded = await loadRules(flags.rules ?? [defaultRulesDir()]);
    const detector = new Detector(enabledRules(loaded.rules, new Set()), mappings);
    const bus = await openBus(flags, `vigil-worker-${id}`);
    const store = flags.clickhouseUrl
      ? await openStore({
          dataDir: '.',
          clickhouseUrl: flags.clickhouseUrl,
          clickhouseCluster: flags.clickhouseCluster ?? null,
          retentionDays: null,
        })
      : null;
    const worker = new ClusterWorker(
      bus,
      { detector, mappings, columns: ColumnMapper.load() },
      store === null ? writerSink(bus) : storeSink(store, bus),
      {
        id,
        partitions,
        leaseTtlMs: Number(process.env.VIGIL_LEASE_TTL_MS ?? 6000),
        history: store === null ? busHistory(bus) : storeHistory(store),
        log,
      },
    );
    // Rule changes and suppressions made on an api node are in force before any partition is taken.
    const control = await followControl(bus, worker, {
      base: loaded.rules,
      mappings,
      replicas: Number(flags.replicas),
      log,
    });
    await worker.start();
    log(`worker ${id} up: ${partitions} partitions, ${loaded.rules.length} rules`);
    const endpoint =
      metrics === null ? null : await serveMetrics(metrics, workerCollector(bus, worker, STARTED));
    if (endpoint !== null) log(`metrics at ${endpoint.url}`);
    await untilSignal(async () => {
      await control.stop();
      await worker.stop();
      await endpoint?.close();
      await bus.close();
      await store?.close();
    });
    log(`worker ${id} stopped: ${JSON.stringify(worker.stats)}`);
  });

  metricsOptions(
    busOptions(
      program
        .command('writer')
        .description('Scale-out single writer: stores the workers’ rows in the embedded store (one process)')
        .option('-d, --data <dir>', 'data directory of the embedded store', './vigil-data')
        .option('--clickhouse-url <url>', 'a ClickHouse server instead'),
    ),
  ).action(async (flags: BusFlags & MetricsFlags & { data: string }) => {
    const metrics = checkedOptions(flags, 'writer');
    if (metrics === false) return;
    const store = await openStore({
      dataDir: flags.data,
      clickhouseUrl: flags.clickhouseUrl ?? null,
      clickhouseCluster: flags.clickhouseCluster ?? null,
      retentionDays: null,
    });
    const incidents = new IncidentService(store, log);
    const bus = await openBus(flags, 'vigil-writer');
    const writer = new RowsWriter(bus, store, { incidents, log });
    writer.start();
    log(`writer up, storing into ${flags.clickhouseUrl ?? flags.data}`);
    const endpoint =
      metrics === null ? null : await serveMetrics(metrics, writerCollector(bus, writer, STARTED));
    if (endpoint !== null) log(`metrics at ${endpoint.url}`);
    await untilSignal(async () => {
      await writer.stop();
      await endpoint?.close();
      await bus.close();
      await store.close();
    });
    log(`writer stopped: ${JSON.stringify(writer.stats)}`);
  });

  const cluster = program.command('cluster').description('Scale-out cluster operations');
  busOptions(
    cluster
      .command('status')
      .description('Streams, partitions (owner, backlog, unacked), workers and the ingest rate')
      .option('--format <format>', 'text or json', 'text')
      .option(
        '--state <file>',
        'where the previous snapshot is kept, for the rate',
        join('.', '.vigil-cluster-status.json'),
      ),
  ).action(async (flags: BusFlags & { format: string; state: string }) => {
    const partitions = checkPartitions(Number(flags.partitions));
    const bus = await EventBus.connect(parseServers(flags.nats), { name: 'vigil-status' });
    try {
      const status = await clusterStatus(bus, partitions);
      const before = await readJsonFile<Parameters<typeof ingestRate>[0]>(flags.state).catch(() => null);
      const rate = before === null ? null : ingestRate(before, status);
      await writeDurableJson(flags.state, status).catch(() => {});
      process.stdout.write(
        flags.format === 'json'
          ? JSON.stringify({ ...status, rate }) + '\n'
          : formatStatus(status, rate) + '\n',
      );
    } finally {
      await bus.close();
    }
  });
}
