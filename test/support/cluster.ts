/**
 * Shared plumbing of the scale-out e2e tests (test/e2e/cluster-*.test.ts): polling until a
 * condition holds, `vigil worker` processes with their logs, a 3-node JetStream cluster with the
 * test's own bus, and the records and stream checks several of those tests use alike.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventBus, EVENTS_STREAM, ROWS_STREAM, type BusOptions } from '../../src/bus/jetstream.js';
import { PartitionLeases } from '../../src/bus/leases.js';
import type { JsonObject } from '../../src/ingest/types.js';
import type { Store } from '../../src/store/index.js';
import { CLI, ROOT } from './cli.js';
import { startNatsCluster, type NatsCluster } from './nats.js';

export interface PollOptions {
  /** How long before giving up (default 180 s). */
  readonly limitMs?: number;
  /** The pause between two checks (default 500 ms). */
  readonly everyMs?: number;
  /** Keep polling through a check that throws (a node still starting), naming its last error on giving up. */
  readonly tolerateErrors?: boolean;
}

/** Checks until `check` answers other than false and returns that answer; `limitMs` overrides the default. */
export type WaitFor = <T>(what: string, check: () => Promise<T | false>, limitMs?: number) => Promise<T>;

/** A `waitFor` with the given defaults (each test keeps its own pace). */
export function poller(defaults: PollOptions = {}): WaitFor {
  const everyMs = defaults.everyMs ?? 500;
  return async <T>(what: string, check: () => Promise<T | false>, limitMs = defaults.limitMs ?? 180_000) => {
    const end = Date.now() + limitMs;
    let last: unknown;
    for (;;) {
      try {
        const answer = await check();
        if (answer !== false) return answer;
      } catch (e) {
        if (!defaults.tolerateErrors) throw e;
        last = e;
      }
      if (Date.now() > end) throw new Error(`gave up waiting for ${what}${last ? `: ${String(last)}` : ''}`);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  };
}

/** Every 500 ms for up to 180 s; a check that throws fails at once. */
export const waitFor: WaitFor = poller();

/** Short leases and ack waits, so a killed worker's partitions and messages move on within seconds. */
export const SHORT_LEASES_ENV: Readonly<Record<string, string>> = {
  VIGIL_ACK_WAIT_MS: '4000',
  VIGIL_LEASE_TTL_MS: '1500',
};

/** A process killed by a signal has a signalCode and no exitCode. */
const running = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;

/** `vigil worker` processes of one cluster, by id, each with the tail of its stderr. */
export class WorkerPool {
  private readonly children = new Map<string, ChildProcess>();
  private readonly logs = new Map<string, string>();
  /** Characters each worker has written in all, trimmed or not: marks in its log. */
  private readonly written = new Map<string, number>();

  /** `logChars`: how much of each worker's stderr is kept (default the last 20,000 characters). */
  constructor(
    private readonly natsUrls: string,
    private readonly options: { readonly partitions: number; readonly logChars?: number },
  ) {}

  /** Starts `vigil worker --nats … --id ID --partitions N` with short leases; `args` and `env` are added. */
  start(id: string, extra: { args?: readonly string[]; env?: Record<string, string> } = {}): void {
    const child = spawn(
      process.execPath,
      [
        CLI,
        'worker',
        '--nats',
        this.natsUrls,
        '--id',
        id,
        '--partitions',
        String(this.options.partitions),
        ...(extra.args ?? []),
      ],
      {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, ...SHORT_LEASES_ENV, ...extra.env },
      },
    );
    const keep = this.options.logChars ?? 20_000;
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.logs.set(id, ((this.logs.get(id) ?? '') + d).slice(-keep));
      this.written.set(id, (this.written.get(id) ?? 0) + d.length);
    });
    this.children.set(id, child);
  }

  /** The tail of what the worker wrote to stderr ('' before it wrote anything). */
  log(id: string): string {
    return this.logs.get(id) ?? '';
  }

  /** Where each worker's log ends now, to read only what comes after with `logSince`. */
  logMarks(): Map<string, number> {
    return new Map([...this.children.keys()].map((id) => [id, this.written.get(id) ?? 0]));
  }

  /** What the worker wrote after `mark` (all that is kept, if the log was trimmed past it). */
  logSince(id: string, mark: number): string {
    const log = this.log(id);
    const kept = (this.written.get(id) ?? 0) - log.length;
    return log.slice(Math.max(0, mark - kept));
  }

  /** Every worker's log, by id, in the order they started. */
  allLogs(): [string, string][] {
    return [...this.children.keys()].map((id) => [id, this.log(id)]);
  }

  /** SIGKILL: a crash, with no lease released and nothing acked. */
  kill(id: string): void {
    this.child(id).kill('SIGKILL');
  }

  /** SIGTERM, and waits until the worker has exited (a clean shutdown). */
  async stop(id: string): Promise<void> {
    const child = this.child(id);
    if (!running(child)) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }

  /** SIGKILL to every worker still running (teardown). */
  killAll(): void {
    for (const child of this.children.values()) if (running(child)) child.kill('SIGKILL');
  }

  private child(id: string): ChildProcess {
    const child = this.children.get(id);
    if (child === undefined) throw new Error(`no worker ${id}`);
    return child;
  }
}

export interface TestCluster {
  readonly nats: NatsCluster;
  /** The test's own connection, with the streams created. */
  readonly bus: EventBus;
  /** Closes the bus (closing it again is harmless, when a test closes it earlier) and stops NATS. */
  stop(): Promise<void>;
}

/**
 * A 3-node JetStream cluster mapping events to `partitions`, and a bus on it with the event and rows
 * streams (and the leases stream, unless `leases: false`). The streams default to 256 MiB each: the
 * test nodes' stores could not reserve the default 1 GiB.
 */
export async function startTestCluster(options: {
  readonly partitions: number;
  readonly bus?: BusOptions;
  readonly leases?: boolean;
  /** Keep trying to create the streams for this long (just after the cluster forms, placement may find no peers). */
  readonly streamsRetryMs?: number;
}): Promise<TestCluster> {
  const nats = await startNatsCluster({ partitions: options.partitions });
  let bus: EventBus | undefined;
  try {
    bus = await EventBus.connect(nats.urls.split(','), { maxBytes: 256 * 1024 ** 2, ...options.bus });
    const streams = bus;
    if (options.streamsRetryMs === undefined) await streams.ensureStreams();
    else
      await poller({ tolerateErrors: true })(
        'the streams created',
        () => streams.ensureStreams().then(() => true),
        options.streamsRetryMs,
      );
    if (options.leases !== false) await PartitionLeases.ensureStream(bus);
  } catch (e) {
    await bus?.close();
    await nats.stop();
    throw e;
  }
  const opened = bus;
  return {
    nats,
    bus: opened,
    async stop() {
      await opened.close();
      await nats.stop();
    },
  };
}

export interface ProcessStartOptions {
  readonly hosts: number;
  /** Default `host-`. */
  readonly hostPrefix?: string;
  /** Default `t`. */
  readonly idPrefix?: string;
}

/** A process start on host `<hostPrefix><id % hosts>`, with a unique test_id to count exactly-once by. */
export function processStart(id: number, options: ProcessStartOptions): JsonObject {
  return {
    '@timestamp': new Date(Date.UTC(2024, 4, 1, 10, 0, 0) + id * 1000).toISOString(),
    hostname: `${options.hostPrefix ?? 'host-'}${id % options.hosts}`,
    event: { category: ['process'], type: ['start'] },
    process: { executable: '/usr/bin/true', command_line: `true ${id}`, pid: 1000 + id },
    test_id: `${options.idPrefix ?? 't'}${id}`,
  };
}

/** `count` process starts from id `first`, as one NDJSON request body. */
export function processStartsNdjson(first: number, count: number, options: ProcessStartOptions): string {
  const lines = Array.from({ length: count }, (_, i) => JSON.stringify(processStart(first + i, options)));
  return lines.join('\n') + '\n';
}

/** Stored events, and how many distinct test_ids they carry (equal when each was stored once). */
export async function storedTestIds(store: Store): Promise<{ n: number; ids: number }> {
  const [row] = await store.query<{ n: string; ids: string }>(
    "SELECT count() AS n, uniqExact(JSONExtractString(raw, 'test_id')) AS ids FROM events",
  );
  return { n: Number(row!.n), ids: Number(row!.ids) };
}

/** Event ids stored more than once. */
export async function duplicatedEventIds(store: Store): Promise<number> {
  const [row] = await store.query<{ n: string }>(
    'SELECT count() AS n FROM (SELECT event_id FROM events GROUP BY event_id HAVING count() > 1)',
  );
  return Number(row!.n);
}

/** Both work-queue streams empty: every event was processed, its rows written and acked. */
export async function streamsDrained(bus: EventBus): Promise<boolean> {
  return (
    (await bus.jsm.streams.info(EVENTS_STREAM)).state.messages === 0 &&
    (await bus.jsm.streams.info(ROWS_STREAM)).state.messages === 0
  );
}
