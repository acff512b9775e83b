import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { partitionMapping } from '../../src/bus/jetstream.js';

/** Debian's nats-server (2.9.x); the scale-out tests skip without it. */
export const NATS_SERVER = '/usr/sbin/nats-server';
export const natsPresent = existsSync(NATS_SERVER) && spawnSync(NATS_SERVER, ['--version']).status === 0;

export interface NatsNode {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  /** Whether its process is running. */
  readonly running: boolean;
  /** Its process id while it runs (for CPU and memory readings). */
  readonly pid: number | undefined;
}

export interface NatsCluster {
  readonly nodes: readonly NatsNode[];
  /** Client URLs of all nodes, comma-separated (what `--nats` takes). */
  readonly urls: string;
  /** SIGKILL: no clean shutdown, no leadership hand-off. */
  kill(name: string): Promise<void>;
  /** Starts a killed node again on the same ports and store directory. */
  restart(name: string): Promise<void>;
  /** The node leading a stream's Raft group, from its monitoring endpoint. */
  streamLeader(stream: string): Promise<string | null>;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

/** A process killed by a signal has a signalCode and no exitCode. */
const alive = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;

interface NodeState {
  name: string;
  port: number;
  monitor: number;
  config: string;
  child: ChildProcess | null;
  log: string;
}

/**
 * A real 3-node JetStream cluster on 127.0.0.1: one config file per node (client, cluster and
 * monitoring ports, a store directory, routes to the others, and Vigil's partition mapping).
 */
export async function startNatsCluster(options: { partitions: number; size?: number }): Promise<NatsCluster> {
  const size = options.size ?? 3;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-nats-'));
  const ports = await Promise.all(Array.from({ length: size * 3 }, () => freePort()));
  const nodes: NodeState[] = [];
  const routes = Array.from({ length: size }, (_, i) => `nats-route://127.0.0.1:${ports[i * 3 + 1]!}`);
  const [from, to] = partitionMapping(options.partitions);
  for (let i = 0; i < size; i++) {
    const name = `n${i + 1}`;
    const store = join(dir, name);
    mkdirSync(store);
    const config = join(dir, `${name}.conf`);
    writeFileSync(
      config,
      [
        `server_name: ${name}`,
        `listen: 127.0.0.1:${ports[i * 3]!}`,
        `http: 127.0.0.1:${ports[i * 3 + 2]!}`,
        'max_payload: 8MB',
        `jetstream { store_dir: ${JSON.stringify(store)}, max_memory_store: 64MB, max_file_store: 2GB }`,
        `cluster { name: vigil, listen: 127.0.0.1:${ports[i * 3 + 1]!}, routes: [${routes.filter((_, j) => j !== i).join(', ')}] }`,
        `mappings = { ${JSON.stringify(from)}: ${JSON.stringify(to)} }`,
        '',
      ].join('\n'),
    );
    nodes.push({ name, port: ports[i * 3]!, monitor: ports[i * 3 + 2]!, config, child: null, log: '' });
  }

  const launch = (n: NodeState) => {
    const child = spawn(NATS_SERVER, ['-c', n.config], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (d: Buffer) => (n.log = (n.log + d.toString()).slice(-8000)));
    n.child = child;
  };
  const healthy = async (n: NodeState) => {
    for (let i = 0; ; i++) {
      if (n.child === null || !alive(n.child)) throw new Error(`nats-server ${n.name} exited: ${n.log}`);
      try {
        const r = await fetch(`http://127.0.0.1:${n.monitor}/healthz?js-enabled-only=true`);
        if (r.status === 200) return;
      } catch {
        // not listening yet
      }
      if (i > 300) throw new Error(`nats-server ${n.name} did not come up: ${n.log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const byName = (name: string) => {
    const n = nodes.find((x) => x.name === name);
    if (n === undefined) throw new Error(`no NATS node ${name}`);
    return n;
  };
  const killNode = async (n: NodeState) => {
    const child = n.child;
    if (child === null || !alive(child)) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  };

  for (const n of nodes) launch(n);
  try {
    await Promise.all(nodes.map(healthy));
    await waitForMeta(nodes);
  } catch (e) {
    for (const n of nodes) await killNode(n);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  return {
    nodes: nodes.map((n) => ({
      name: n.name,
      port: n.port,
      url: `nats://127.0.0.1:${n.port}`,
      get running() {
        return n.child !== null && alive(n.child);
      },
      get pid() {
        return n.child?.pid;
      },
    })),
    urls: nodes.map((n) => `nats://127.0.0.1:${n.port}`).join(','),
    kill: (name) => killNode(byName(name)),
    async restart(name) {
      const n = byName(name);
      await killNode(n);
      launch(n);
      await healthy(n);
    },
    async streamLeader(stream) {
      for (const n of nodes) {
        if (n.child === null || !alive(n.child)) continue;
        try {
          const r = await fetch(`http://127.0.0.1:${n.monitor}/jsz?streams=true`);
          const body = (await r.json()) as JszBody;
          for (const acc of body.account_details ?? [])
            for (const s of acc.stream_detail ?? [])
              if (s.name === stream && s.cluster?.leader) return s.cluster.leader;
        } catch {
          // this node is not answering: ask the next
        }
      }
      return null;
    },
    async stop() {
      for (const n of nodes) await killNode(n);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface JszBody {
  meta_cluster?: {
    leader?: string;
    replicas?: { name: string; current?: boolean; offline?: boolean }[];
  };
  account_details?: { stream_detail?: { name: string; cluster?: { leader?: string } }[] }[];
}

/**
 * JetStream answers API calls once the meta group has a leader, but places an R3 stream only once
 * the leader sees every other node current ("no suitable peers for placement" before that, which
 * a loaded machine made visible): wait for both, as the leader reports them.
 */
async function waitForMeta(nodes: readonly NodeState[]): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${nodes[0]!.monitor}/jsz`);
      const meta = ((await r.json()) as JszBody).meta_cluster;
      const leader = nodes.find((n) => n.name === meta?.leader);
      if (leader !== undefined) {
        const seen = ((await (await fetch(`http://127.0.0.1:${leader.monitor}/jsz`)).json()) as JszBody)
          .meta_cluster?.replicas;
        const current = (seen ?? []).filter((p) => p.current === true && p.offline !== true);
        if (current.length >= nodes.length - 1) return;
      }
    } catch {
      // not ready
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the JetStream meta group did not form (no leader, or peers not current)');
}
