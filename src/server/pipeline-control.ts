import type { Detector } from '../detect/hunt/detector.js';
import type { TenantSuppression } from '../detect/suppressions.js';
import type { EnrichPool, IntakeLog, Processor } from '../pipeline/index.js';
import { pipelineMetrics, type Metric } from './metrics.js';

/** Where a rule or suppression change went on a cluster: the workers that have it, and those that do not yet. */
export interface Propagation {
  /** The control message's sequence; workers report the sequence they applied. */
  readonly seq: number;
  /** Workers holding partitions when the answer was given. */
  readonly workers: readonly string[];
  /** Those of them that had not applied it within the wait. */
  readonly pending: readonly string[];
}

/** The pipeline part of `GET /api/v1/status`. */
export interface PipelineStatus {
  /** Accepted but not stored yet (0: everything accepted is searchable). */
  readonly backlogBytes: number;
  readonly [detail: string]: unknown;
}

/**
 * What the routes ask of the pipeline, wherever it runs: in this process (role all: the
 * Processor behind the ingest log) or on the scale-out workers (role api).
 */
export interface PipelineControl {
  status(): Promise<PipelineStatus>;
  /** The pipeline's Prometheus metrics. */
  metrics(): Promise<Metric[]>;
  /**
   * Puts a rebuilt rule set in force for the next events. Null when it is in force on return
   * (one process); on a cluster, how far it reached.
   */
  useRules(detector: Detector, pool: EnrichPool | undefined): Promise<Propagation | null>;
  /** The analysts' exceptions for every tenant, in force for the next events. */
  setSuppressions(list: readonly TenantSuppression[]): Promise<Propagation | null>;
}

/** Role all: the processor in this process, reading the ingest log. */
export class LocalPipeline implements PipelineControl {
  constructor(
    private readonly processor: Processor,
    private readonly log: IntakeLog,
  ) {}

  async status(): Promise<PipelineStatus> {
    return { ...this.processor.stats, backlogBytes: this.log.wal.lagBytes() };
  }

  async metrics(): Promise<Metric[]> {
    return pipelineMetrics(this.processor.stats, this.log.wal.lagBytes());
  }

  async useRules(detector: Detector, pool: EnrichPool | undefined): Promise<null> {
    this.processor.useRules(detector, pool);
    return null;
  }

  async setSuppressions(list: readonly TenantSuppression[]): Promise<null> {
    this.processor.setSuppressions(list);
    return null;
  }
}
