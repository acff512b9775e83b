import {
  consumerName,
  EVENTS_STREAM,
  ROWS_STREAM,
  WRITER_CONSUMER,
  type EventBus,
} from '../bus/jetstream.js';
import { PartitionLeases, type LeaseView } from '../bus/leases.js';

export interface StreamStatus {
  readonly name: string;
  readonly messages: number;
  readonly bytes: number;
  /** Last sequence ever stored: the count of messages published, for throughput. */
  readonly lastSeq: number;
  readonly leader: string | null;
  readonly replicas: readonly { name: string; current: boolean; lag: number }[];
}

export interface PartitionStatus {
  readonly partition: number;
  /** Messages not yet delivered (the backlog) and delivered but not acked. */
  readonly pending: number | null;
  readonly ackPending: number | null;
  readonly redelivered: number | null;
  readonly owner: string;
}

export interface ClusterStatus {
  readonly at: number;
  readonly servers: readonly string[];
  readonly events: StreamStatus | null;
  readonly rows: StreamStatus | null;
  readonly writer: { pending: number; ackPending: number } | null;
  readonly partitions: readonly PartitionStatus[];
  readonly workers: readonly string[];
}

async function streamStatus(bus: EventBus, name: string): Promise<StreamStatus | null> {
  const info = await bus.jsm.streams.info(name).catch(() => null);
  if (info === null) return null;
  return {
    name,
    messages: info.state.messages,
    bytes: info.state.bytes,
    lastSeq: info.state.last_seq,
    leader: info.cluster?.leader ?? null,
    replicas: (info.cluster?.replicas ?? []).map((r) => ({
      name: r.name,
      current: r.current,
      lag: r.lag ?? 0,
    })),
  };
}

/** A snapshot of the bus: streams, each partition's lag and owner, live workers. */
export async function clusterStatus(bus: EventBus, partitions: number): Promise<ClusterStatus> {
  const leases = new PartitionLeases(bus, 'vigil-status', partitions, Infinity);
  const owners: LeaseView[] = await leases.read().catch(() => []);
  const out: PartitionStatus[] = [];
  for (let p = 0; p < partitions; p++) {
    const c = await bus.jsm.consumers.info(EVENTS_STREAM, consumerName(p)).catch(() => null);
    out.push({
      partition: p,
      pending: c?.num_pending ?? null,
      ackPending: c?.num_ack_pending ?? null,
      redelivered: c?.num_redelivered ?? null,
      owner: owners.find((o) => o.partition === p)?.owner ?? '',
    });
  }
  const w = await bus.jsm.consumers.info(ROWS_STREAM, WRITER_CONSUMER).catch(() => null);
  const workers = new Set(out.map((p) => p.owner).filter((o) => o !== ''));
  return {
    at: Date.now(),
    servers: bus.nc.info?.connect_urls ?? [],
    events: await streamStatus(bus, EVENTS_STREAM),
    rows: await streamStatus(bus, ROWS_STREAM),
    writer: w === null ? null : { pending: w.num_pending, ackPending: w.num_ack_pending },
    partitions: out,
    workers: [...workers].sort(),
  };
}

/** Messages per second into the event stream between two snapshots. */
export function ingestRate(before: ClusterStatus, after: ClusterStatus): number | null {
  if (before.events === null || after.events === null || after.at <= before.at) return null;
  return ((after.events.lastSeq - before.events.lastSeq) * 1000) / (after.at - before.at);
}

export function formatStatus(s: ClusterStatus, rate: number | null): string {
  const lines: string[] = [];
  for (const st of [s.events, s.rows]) {
    if (st === null) continue;
    const reps = st.replicas.map((r) => `${r.name}${r.current ? '' : ` (behind ${r.lag})`}`).join(', ');
    lines.push(
      `stream ${st.name}: ${st.messages} messages, ${st.bytes} bytes, ${st.lastSeq} published; leader ${st.leader ?? '-'}; replicas ${reps || '-'}`,
    );
  }
  if (s.events === null) lines.push('stream VIGIL_EVENTS: missing (no worker or ingest node has started)');
  if (rate !== null) lines.push(`ingest: ${rate.toFixed(1)} messages/s into ${EVENTS_STREAM}`);
  if (s.writer !== null) lines.push(`writer: ${s.writer.pending} pending, ${s.writer.ackPending} unacked`);
  lines.push('partition  owner                 pending  unacked  redelivered');
  for (const p of s.partitions)
    lines.push(
      `${String(p.partition).padEnd(10)} ${(p.owner || '-').padEnd(21)} ${String(p.pending ?? '-').padStart(7)}  ${String(p.ackPending ?? '-').padStart(7)}  ${String(p.redelivered ?? '-').padStart(11)}`,
    );
  lines.push(`workers holding partitions: ${s.workers.join(', ') || '-'}`);
  return lines.join('\n');
}
