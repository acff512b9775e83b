import type { EventBus } from '../bus/jetstream.js';
import { PartitionLeases } from '../bus/leases.js';
import {
  encodeRuleChanges,
  encodeSuppressions,
  sameRuleChanges,
  type ClusterControl,
} from '../cluster/control.js';
import { clusterStatus, type ClusterStatus } from '../cluster/status.js';
import type { RowsWriter } from '../cluster/writer.js';
import type { TenantSuppression } from '../detect/suppressions.js';
import { HttpError } from './http.js';
import { one, type Metric } from './metrics.js';
import type { PipelineControl, PipelineStatus, Propagation } from './pipeline-control.js';
import type { LiveRules } from './rule-set.js';

/** How long a rule or suppression change waits for the workers to report it applied. */
const PROPAGATION_WAIT_MS = 10_000;

/**
 * Role api: the pipeline is the scale-out workers. Status and metrics read the streams,
 * partitions and leases; rule and suppression changes are published on the control stream
 * (src/cluster/control.ts), and the answer waits a while for the workers holding partitions to
 * report them applied. With the embedded store, this process is also the single writer.
 */
export class ClusterPipeline implements PipelineControl {
  constructor(
    private readonly bus: EventBus,
    private readonly control: ClusterControl,
    private readonly partitions: number,
    private readonly rules: LiveRules,
    private readonly writer: RowsWriter | null,
    private readonly waitMs = PROPAGATION_WAIT_MS,
  ) {}

  /**
   * At start, before the rules load: the cluster's rule changes win over this node's files
   * (another api node may have made them); when there are none yet, this node's are published.
   */
  async adoptRules(): Promise<void> {
    const current = await this.control.rules();
    if (current === null) await this.control.publishRules(this.rules.changes());
    else if (!sameRuleChanges(current.value, this.rules.changes())) this.rules.applyChanges(current.value);
  }

  /** Publishes the analysts' exceptions when they differ from the stream's; returns the sequence in force. */
  async publishSuppressions(list: readonly TenantSuppression[]): Promise<number> {
    const current = await this.control.suppressions();
    if (current !== null && encodeSuppressions(current.value).equals(encodeSuppressions(list)))
      return current.seq;
    return this.control.publishSuppressions(list);
  }

  async useRules(): Promise<Propagation> {
    const changes = this.rules.changes();
    const seq = await this.published('rules', async () => {
      const current = await this.control.rules();
      if (current !== null && encodeRuleChanges(current.value).equals(encodeRuleChanges(changes)))
        return current.seq;
      return this.control.publishRules(changes);
    });
    return this.propagation('rules', seq);
  }

  async setSuppressions(list: readonly TenantSuppression[]): Promise<Propagation> {
    const seq = await this.published('suppressions', () => this.publishSuppressions(list));
    return this.propagation('suppressions', seq);
  }

  async status(): Promise<PipelineStatus> {
    const c = await this.cluster();
    const reports = await this.control.reportsOf(c.workers);
    return {
      role: 'api',
      // Work-queue streams hold exactly what is not processed yet: events not yet prepared by a
      // worker, rows not yet stored by the writer.
      backlogBytes: c.events!.bytes + c.rows!.bytes,
      backlogMessages: c.events!.messages + c.rows!.messages,
      // The in-process single writer; it stands by while another holds the writer lease.
      writer: this.writer === null ? null : { active: this.writer.active, ...this.writer.stats },
      cluster: {
        streams: [c.events, c.rows],
        writer: c.writer,
        partitions: c.partitions,
        workers: c.workers.map((w) => {
          const r = reports.find((x) => x.worker === w);
          return {
            worker: w,
            partitions: c.partitions.filter((p) => p.owner === w).map((p) => p.partition),
            rules: r?.rules ?? 0,
            suppressions: r?.suppressions ?? 0,
            ruleErrors: r?.ruleErrors ?? 0,
          };
        }),
      },
    };
  }

  async metrics(): Promise<Metric[]> {
    let c: ClusterStatus | null = null;
    try {
      c = await this.cluster();
    } catch {
      // Reported as vigil_cluster_up 0.
    }
    const out: Metric[] = [
      {
        name: 'vigil_cluster_up',
        help: 'Whether JetStream answered for the event and rows streams.',
        type: 'gauge',
        samples: one(c === null ? 0 : 1),
      },
    ];
    const w = this.writer?.stats;
    if (w !== undefined)
      out.push(
        {
          name: 'vigil_events_stored_total',
          help: 'Events stored by the writer in this process.',
          type: 'counter',
          samples: one(w.events),
        },
        {
          name: 'vigil_alerts_total',
          help: 'Alerts stored by the writer in this process.',
          type: 'counter',
          samples: one(w.alerts),
        },
        {
          name: 'vigil_records_damaged_total',
          help: 'Rows messages that could not be read (dropped).',
          type: 'counter',
          samples: one(w.damaged),
        },
        {
          name: 'vigil_pipeline_seconds_total',
          help: 'Time spent on store inserts by the writer in this process (stage=insert).',
          type: 'counter',
          samples: [{ labels: { stage: 'insert' }, value: w.insertMs / 1000 }],
        },
      );
    if (c === null) return out;
    const streams = [c.events!, c.rows!];
    out.push(
      {
        name: 'vigil_ingest_backlog_bytes',
        help: 'Bytes in the event and rows streams: accepted, not yet stored.',
        type: 'gauge',
        samples: one(c.events!.bytes + c.rows!.bytes),
      },
      {
        name: 'vigil_cluster_stream_messages',
        help: 'Messages waiting in each work-queue stream.',
        type: 'gauge',
        samples: streams.map((s) => ({ labels: { stream: s.name }, value: s.messages })),
      },
      {
        name: 'vigil_cluster_partition_pending',
        help: 'Event messages of each partition not yet delivered to a worker.',
        type: 'gauge',
        samples: c.partitions.map((p) => ({
          labels: { partition: `${p.partition}` },
          value: p.pending ?? 0,
        })),
      },
      {
        name: 'vigil_cluster_partition_unacked',
        help: 'Event messages of each partition delivered and not yet acked.',
        type: 'gauge',
        samples: c.partitions.map((p) => ({
          labels: { partition: `${p.partition}` },
          value: p.ackPending ?? 0,
        })),
      },
      {
        name: 'vigil_cluster_partitions_unowned',
        help: 'Partitions no worker holds a lease on.',
        type: 'gauge',
        samples: one(c.partitions.filter((p) => p.owner === '').length),
      },
      {
        name: 'vigil_cluster_workers',
        help: 'Workers holding partitions.',
        type: 'gauge',
        samples: one(c.workers.length),
      },
    );
    return out;
  }

  /** The bus's status; both streams must answer, or the backlog is unknown. */
  private async cluster(): Promise<ClusterStatus> {
    const c = await clusterStatus(this.bus, this.partitions);
    if (c.events === null || c.rows === null)
      throw new HttpError(
        503,
        'JetStream does not answer for the event streams: the cluster status is unknown',
        {},
        {
          'retry-after': '5',
        },
      );
    return c;
  }

  private async published(what: string, publish: () => Promise<number>): Promise<number> {
    try {
      return await publish();
    } catch (e) {
      throw new HttpError(
        503,
        `the ${what} change is saved on this node but JetStream did not take it, so the workers do not have it (${(e as Error).message}); send the request again`,
        {},
        { 'retry-after': '5' },
      );
    }
  }

  /** Waits (bounded) until every worker holding a partition reports `seq` applied. */
  private async propagation(kind: 'rules' | 'suppressions', seq: number): Promise<Propagation> {
    const leases = new PartitionLeases(this.bus, 'vigil-api', this.partitions, Infinity);
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      const views = await leases.read().catch(() => []);
      const workers = [...new Set(views.map((v) => v.owner).filter((o) => o !== ''))].sort();
      const reports = await this.control.reportsOf(workers);
      const pending = workers.filter((w) => (reports.find((r) => r.worker === w)?.[kind] ?? 0) < seq);
      if (pending.length === 0 || Date.now() >= deadline) return { seq, workers, pending };
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
