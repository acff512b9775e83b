import type { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { demoMailPolicy, generateScenario } from '../../demo/index.js';
import { makeBatch } from '../../pipeline/index.js';
import {
  ConfigError,
  loadConfig,
  startApiNode,
  startIngestNode,
  startServer,
  type ServerConfig,
} from '../../server/index.js';

interface ServeFlags {
  config?: string;
  data?: string;
  host?: string;
  port?: string;
  clickhouseUrl?: string;
  clickhouseCluster?: string;
  retentionDays?: string;
  rules?: string[];
  playbooks?: string[];
  tlsCert?: string;
  tlsKey?: string;
  sampleData?: boolean;
  role?: string;
  nats?: string;
  partitions?: string;
  replicas?: string;
}

const SAMPLE_SEED = 7;

/**
 * Loads a generated day (`vigil demo`'s, seed 7) once, through the same ingest log as any client.
 * Its mail goes through the same analysis as real mail: the raw messages, in order.
 */
async function loadSampleData(server: Awaited<ReturnType<typeof startServer>>): Promise<number> {
  const { store, intake, email } = server.services;
  const [row] = await store.query<{ n: string }>("SELECT count() AS n FROM events WHERE tenant = 'default'");
  if (Number(row?.n ?? 0) > 0) return 0;
  const all = generateScenario({ seed: SAMPLE_SEED, now: Date.now(), background: 20_000 }).events;
  const events = all.filter((e) => e.layer !== 'email').map((e) => e.record);
  for (let i = 0; i < events.length; i += 5000)
    await intake.append(makeBatch('default', `sample-data-${i}`, 'sample', events.slice(i, i + 5000)));
  const mail = all.filter((e) => e.layer === 'email' && e.raw !== undefined);
  for (const e of mail)
    await email.ingest('default', Buffer.from(e.raw!, 'utf8'), { via: 'sample', source: 'sample' });
  return events.length + mail.length;
}

/**
 * The sample organization's mail policy (its domain, its suppliers, their contacts) as a people
 * file in the data folder, used unless email_people is configured: the demo's mail is judged as
 * that organization would judge it.
 */
function withSampleMailPolicy(config: ServerConfig): ServerConfig {
  if (config.explicit.includes('emailPeople')) return config;
  const dir = join(config.dataDir, 'sample-data');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'email-people.yml');
  writeFileSync(file, stringify(demoMailPolicy(SAMPLE_SEED)));
  return { ...config, emailPeople: file };
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Run the Vigil server: ingest, detection, storage, search and the API, in one process')
    .option('-c, --config <file>', 'YAML configuration file (flags and VIGIL_* variables override it)')
    .option('-d, --data <dir>', 'data directory (embedded store and ingest log)')
    .option('--host <address>', 'address to listen on (default 127.0.0.1: local only)')
    .option('-p, --port <port>', 'HTTP port (default 8080)')
    .option('--clickhouse-url <url>', 'store events in a ClickHouse server instead of the embedded store')
    .option(
      '--clickhouse-cluster <name>',
      'with --clickhouse-url: create the tables ON CLUSTER NAME, replicated',
    )
    .option('--retention-days <days>', 'days to keep events and alerts (0 keeps them forever)')
    .option('-r, --rules <paths...>', "Sigma rule files or folders (default: Vigil's own rule pack)")
    .option('--playbooks <paths...>', 'playbook files or folders (default: DATA/playbooks, if it exists)')
    .option('--tls-cert <file>', 'TLS certificate (PEM); serves HTTPS with --tls-key')
    .option('--tls-key <file>', 'TLS private key (PEM)')
    .option(
      '--role <role>',
      'all (default: one node does everything), ingest (front doors to JetStream) or api (API and UI of a cluster)',
    )
    .option('--nats <urls>', 'NATS JetStream servers, comma-separated (roles ingest and api)')
    .option(
      '--partitions <n>',
      'partitions of the event stream, as the workers have them (role api; default 6)',
    )
    .option('--replicas <n>', 'replicas of the streams it creates when missing (role api; default 3)')
    .option('--sample-data', 'load generated sample events into an empty store, for a first look')
    .action(async (flags: ServeFlags) => {
      let config: ServerConfig;
      try {
        config = loadConfig({
          file: flags.config ?? process.env.VIGIL_CONFIG ?? null,
          env: process.env,
          flags: {
            dataDir: flags.data,
            host: flags.host,
            port: flags.port,
            clickhouseUrl: flags.clickhouseUrl,
            clickhouseCluster: flags.clickhouseCluster,
            retentionDays: flags.retentionDays,
            rules: flags.rules,
            playbooks: flags.playbooks,
            tlsCert: flags.tlsCert,
            tlsKey: flags.tlsKey,
            role: flags.role,
            nats: flags.nats,
            partitions: flags.partitions,
            replicas: flags.replicas,
          },
        });
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        console.error(`vigil serve: ${e.message}`);
        process.exitCode = 2;
        return;
      }
      if (config.role === 'ingest') {
        const node = await startIngestNode(config);
        console.log(`Vigil is listening on ${node.url} (role ingest, JetStream at ${config.nats.join(',')})`);
        const stopNode = () =>
          void node.close().then(
            () => process.exit(0),
            () => process.exit(1),
          );
        process.once('SIGINT', stopNode);
        process.once('SIGTERM', stopNode);
        return;
      }
      // The demo shows the example playbooks (outbound ones only plan) unless playbooks are configured.
      if (flags.sampleData === true) config = withSampleMailPolicy(config);
      const examplePlaybooks = flags.sampleData === true && !config.explicit.includes('playbooks');
      const server =
        config.role === 'api'
          ? await startApiNode(config, { examplePlaybooks })
          : await startServer(config, { examplePlaybooks });
      console.log(
        config.role === 'api'
          ? `Vigil is listening on ${server.url} (role api, ${server.services.store.kind} store, JetStream at ${config.nats.join(',')})`
          : `Vigil is listening on ${server.url} (data in ${config.dataDir}, ${server.services.store.kind} store)`,
      );
      if (server.bootstrapToken !== null) {
        console.log('');
        console.log('First start: an admin token was created. It is shown only this once; keep it safe:');
        console.log(`  ${server.bootstrapToken}`);
        console.log(`Open ${server.url}/ in a browser and sign in with it, or try the API:`);
        console.log(`  curl -H "Authorization: Bearer <token>" '${server.url}/api/v1/incidents?from=now-7d'`);
        console.log('');
      }
      if (flags.sampleData) {
        const n = await loadSampleData(server);
        if (n > 0) console.log(`Loaded ${n} generated sample events into tenant "default".`);
      }
      let stopping = false;
      const stop = () => {
        if (stopping) return;
        stopping = true;
        console.log('Stopping…');
        server.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}
