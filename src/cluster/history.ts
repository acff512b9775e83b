import { partitionOf, ROWS_STREAM, ROWS_SUBJECT, type EventBus } from '../bus/jetstream.js';
import type { Store } from '../store/index.js';

/**
 * A partition's recent history, read back from the store when a worker takes the partition over:
 * what it replays to rebuild the correlation and analytics state the previous owner held.
 */
export interface HistoryEvent {
  readonly tenant: string;
  readonly eventId: string;
  /** When Vigil received it (ms): the fallback time of an event without its own. */
  readonly received: number;
  /** The original record, as stored. */
  readonly raw: string;
}

/**
 * Correlation windows run on event time, and logs may arrive late (a backfilled file): so the
 * replay covers the events received since `receivedSince` whose time is within `windowMs` of the
 * partition's newest event time among them, and at most `limit` of those, the newest.
 */
export interface HistoryPlanRequest {
  readonly partition: number;
  readonly partitions: number;
  readonly receivedSince: number;
  readonly windowMs: number;
  readonly limit: number;
}

/** A host of the partition, as stored, and where its replay starts in event time (ms). */
export type HostStart = readonly [tenant: string, host: string, from: number];

export interface HistoryPlan {
  readonly hosts: readonly HostStart[];
  /** Where the replay starts in event time (ms), after the limit is applied. */
  readonly from: number;
  readonly receivedSince: number;
}

export interface Cursor {
  readonly t: number;
  readonly id: string;
}

export interface HistoryPageRequest {
  readonly hosts: readonly HostStart[];
  readonly from: number;
  readonly receivedSince: number;
  readonly after: Cursor | null;
  readonly rows: number;
  /** Raw bytes per page (a NATS reply must fit the server's max_payload). */
  readonly maxBytes: number;
}

export interface HistoryPage {
  readonly events: readonly HistoryEvent[];
  /** Null once the history is read to its end. */
  readonly next: Cursor | null;
}

export interface HistorySource {
  plan(request: HistoryPlanRequest): Promise<HistoryPlan>;
  page(request: HistoryPageRequest): Promise<HistoryPage>;
}

const PAIRS = 'arrayZip({tenants:Array(String)}, {hosts:Array(String)})';

/** The hosts, each from its own start; the first terms let the table's key prune. */
const IN_HOSTS = `tenant IN {tenants:Array(String)} AND lower(host) IN {lowered:Array(String)}
  AND ts >= fromUnixTimestamp64Milli({from:Int64})
  AND has(${PAIRS}, (tenant, host))
  AND ts >= fromUnixTimestamp64Milli({starts:Array(Int64)}[indexOf(${PAIRS}, (tenant, host))])`;

const RECEIVED = 'received >= fromUnixTimestamp64Milli({recv:Int64})';

/** ClickHouse's lower() changes ASCII letters only. */
const asciiLower = (s: string) => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());

function hostParams(hosts: HistoryPlan['hosts'], from: number) {
  return {
    tenants: hosts.map((h) => h[0]),
    hosts: hosts.map((h) => h[1]),
    lowered: hosts.map((h) => asciiLower(h[1])),
    starts: hosts.map((h) => h[2]),
    from,
  };
}

/** Reads the store directly: a worker that inserts into a ClickHouse server, or the writer. */
export function storeHistory(store: Store): HistorySource {
  return {
    async plan(r) {
      // One host may be stored under several spellings (WS01, ws01): they are one host.
      const seen = await store.query<{ tenant: string; spellings: string[]; latest: string | number }>(
        `SELECT tenant, groupUniqArray(host) AS spellings, toUnixTimestamp64Milli(max(ts)) AS latest
         FROM events WHERE ${RECEIVED} GROUP BY tenant, lower(host)`,
        { recv: r.receivedSince },
      );
      const mine = seen.filter((h) => partitionOf(h.tenant, h.spellings[0]!, r.partitions) === r.partition);
      // Each host from its own newest event: a late upload of old logs has its own window.
      const hosts: HostStart[] = mine.flatMap((h) =>
        h.spellings.map((host) => [h.tenant, host, Math.max(0, Number(h.latest) - r.windowMs)] as const),
      );
      const plan = { hosts, from: Math.min(...hosts.map((h) => h[2])), receivedSince: r.receivedSince };
      if (hosts.length === 0 || r.limit <= 0) return { ...plan, hosts: [], from: 0 };
      const [oldest] = await store.query<{ t: string | number }>(
        `SELECT toUnixTimestamp64Milli(ts) AS t FROM events
         WHERE ${IN_HOSTS} AND ${RECEIVED}
         ORDER BY ts DESC LIMIT 1 OFFSET {skip:UInt64}`,
        { ...hostParams(hosts, plan.from), recv: r.receivedSince, skip: r.limit - 1 },
      );
      return oldest === undefined ? plan : { ...plan, from: Math.max(plan.from, Number(oldest.t)) };
    },

    async page(r) {
      if (r.hosts.length === 0) return { events: [], next: null };
      const after = r.after ?? { t: r.from - 1, id: '' };
      const rows = await store.query<{
        tenant: string;
        event_id: string;
        t: string | number;
        r: string | number;
        raw: string;
      }>(
        `SELECT tenant, event_id, toUnixTimestamp64Milli(ts) AS t, toUnixTimestamp64Milli(received) AS r, raw
         FROM events
         WHERE ${IN_HOSTS} AND ${RECEIVED}
           AND (ts, event_id) > (fromUnixTimestamp64Milli({at:Int64}), {id:String})
         ORDER BY ts, event_id LIMIT {n:UInt32}`,
        { ...hostParams(r.hosts, r.from), recv: r.receivedSince, at: after.t, id: after.id, n: r.rows },
      );
      const events: HistoryEvent[] = [];
      let bytes = 0;
      let last: Cursor | null = null;
      for (const row of rows) {
        bytes += row.raw.length + row.event_id.length + row.tenant.length + 64;
        if (events.length > 0 && bytes > r.maxBytes) break;
        events.push({ tenant: row.tenant, eventId: row.event_id, received: Number(row.r), raw: row.raw });
        last = { t: Number(row.t), id: row.event_id };
      }
      const more = events.length < rows.length || rows.length === r.rows;
      return { events, next: more ? last : null };
    },
  };
}

const PLAN = 'vigil.history.plan';
const PAGE = 'vigil.history.page';

/** A reply that fits the server's max_payload (1 MiB by default), with room for JSON escapes. */
function replyBudget(bus: EventBus): number {
  const max = bus.nc.info?.max_payload ?? 1 << 20;
  return Math.max(16 << 10, Math.floor(max / 3));
}

/**
 * Answers history requests for the store this process holds: the single writer does, since the
 * embedded store can be opened by one process only. Several writers form one queue group.
 */
export function serveHistory(
  bus: EventBus,
  store: Store,
  log?: (m: string) => void,
): { stop(): Promise<void> } {
  const source = storeHistory(store);
  const sub = bus.nc.subscribe('vigil.history.*', { queue: 'vigil-history' });
  const done = (async () => {
    for await (const m of sub) {
      try {
        const body = m.json<Record<string, unknown>>();
        const answer =
          m.subject === PLAN
            ? await source.plan(planRequest(body))
            : m.subject === PAGE
              ? await source.page({ ...pageRequest(body), maxBytes: replyBudget(bus) })
              : { error: `unknown history request ${m.subject}` };
        m.respond(JSON.stringify(answer));
      } catch (e) {
        log?.(`history request failed: ${(e as Error).message}`);
        m.respond(JSON.stringify({ error: (e as Error).message }));
      }
    }
  })();
  return {
    async stop() {
      sub.unsubscribe();
      await done;
    },
  };
}

function int(v: unknown, what: string, min = 0): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min)
    throw new Error(`history request: ${what} must be an integer ≥ ${min}`);
  return v;
}

function planRequest(b: Record<string, unknown>): HistoryPlanRequest {
  const partitions = int(b.partitions, 'partitions', 1);
  const partition = int(b.partition, 'partition');
  if (partition >= partitions) throw new Error('history request: partition out of range');
  return {
    partition,
    partitions,
    receivedSince: int(b.receivedSince, 'receivedSince'),
    windowMs: int(b.windowMs, 'windowMs'),
    limit: int(b.limit, 'limit'),
  };
}

function pageRequest(b: Record<string, unknown>): Omit<HistoryPageRequest, 'maxBytes'> {
  const hosts = b.hosts;
  if (
    !Array.isArray(hosts) ||
    !hosts.every(
      (h): h is [string, string, number] =>
        Array.isArray(h) &&
        h.length === 3 &&
        typeof h[0] === 'string' &&
        typeof h[1] === 'string' &&
        Number.isSafeInteger(h[2]),
    )
  )
    throw new Error('history request: hosts must be [tenant, host, from] triples');
  const after = b.after as Partial<Cursor> | null | undefined;
  const cursor =
    after === null || after === undefined
      ? null
      : { t: int(after.t, 'after.t'), id: typeof after.id === 'string' ? after.id : '' };
  return {
    hosts,
    from: int(b.from, 'from'),
    receivedSince: int(b.receivedSince, 'receivedSince'),
    after: cursor,
    rows: Math.min(int(b.rows, 'rows', 1), 5000),
  };
}

/**
 * Asks the writer over NATS, for a worker that does not hold the store. Before planning, it waits
 * until the writer has stored every rows message of the partition, so that the replay sees all
 * that the previous owner finished.
 */
export function busHistory(bus: EventBus, options: { drainWaitMs?: number; timeoutMs?: number } = {}) {
  const timeout = options.timeoutMs ?? 30_000;
  const ask = async <T>(subject: string, body: unknown): Promise<T> => {
    const reply = await bus.nc.request(subject, JSON.stringify(body), { timeout });
    const answer = reply.json<T & { error?: string }>();
    if (typeof answer.error === 'string') throw new Error(`writer: ${answer.error}`);
    return answer;
  };
  const source: HistorySource = {
    async plan(r) {
      await waitForRows(bus, r.partition, options.drainWaitMs ?? 30_000);
      return ask<HistoryPlan>(PLAN, r);
    },
    page(r) {
      const { maxBytes: _ignored, ...rest } = r;
      return ask<HistoryPage>(PAGE, rest);
    },
  };
  return source;
}

async function waitForRows(bus: EventBus, partition: number, maxMs: number): Promise<void> {
  const subject = `${ROWS_SUBJECT}.${partition}`;
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline) {
    const info = await bus.jsm.streams.info(ROWS_STREAM, { subjects_filter: subject });
    if ((info.state.subjects?.[subject] ?? 0) === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Reads a whole replay, page by page. */
export async function* readHistory(
  source: HistorySource,
  request: HistoryPlanRequest,
  rowsPerPage = 1000,
): AsyncGenerator<readonly HistoryEvent[]> {
  const plan = await source.plan(request);
  let after: Cursor | null = null;
  for (;;) {
    const page = await source.page({
      hosts: plan.hosts,
      from: plan.from,
      receivedSince: plan.receivedSince,
      after,
      rows: rowsPerPage,
      maxBytes: 8 << 20,
    });
    if (page.events.length > 0) yield page.events;
    if (page.next === null) return;
    after = page.next;
  }
}
