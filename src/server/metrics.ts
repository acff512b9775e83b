import type { ProcessorStats } from '../pipeline/index.js';
import type { Services } from './context.js';
import type { RecordPurge } from './retention.js';

/** One Prometheus metric: its help, type and samples (label set → value). */
export interface Metric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  readonly samples: readonly { labels?: Record<string, string>; value: number }[];
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** The Prometheus text exposition format (version 0.0.4). */
export function renderMetrics(metrics: readonly Metric[]): string {
  const out: string[] = [];
  for (const m of metrics) {
    out.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`);
    for (const s of m.samples) {
      const labels = Object.entries(s.labels ?? {});
      const set =
        labels.length === 0 ? '' : `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
      out.push(`${m.name}${set} ${Number.isFinite(s.value) ? s.value : 0}`);
    }
  }
  return out.join('\n') + '\n';
}

export const one = (value: number) => [{ value }];

/** The single node's pipeline: what its processor did, and the ingest log not yet processed. */
export function pipelineMetrics(p: ProcessorStats, backlogBytes: number): Metric[] {
  return [
    {
      name: 'vigil_events_stored_total',
      help: 'Events stored by the pipeline.',
      type: 'counter',
      samples: one(p.events),
    },
    {
      name: 'vigil_alerts_total',
      help: 'Alerts raised and stored.',
      type: 'counter',
      samples: one(p.alerts),
    },
    {
      name: 'vigil_alerts_suppressed_total',
      help: "Detections an analyst's exception kept from becoming alerts.",
      type: 'counter',
      samples: one(p.suppressed),
    },
    {
      name: 'vigil_batches_total',
      help: 'Ingest log records processed.',
      type: 'counter',
      samples: one(p.batches),
    },
    {
      name: 'vigil_records_damaged_total',
      help: 'Ingest log records that could not be read back.',
      type: 'counter',
      samples: one(p.damaged),
    },
    {
      name: 'vigil_pipeline_seconds_total',
      help: 'Time spent on normalize/detect/rows (stage=enrich) and on store inserts (stage=insert).',
      type: 'counter',
      samples: [
        { labels: { stage: 'enrich' }, value: p.enrichMs / 1000 },
        { labels: { stage: 'insert' }, value: p.insertMs / 1000 },
      ],
    },
    {
      name: 'vigil_ingest_backlog_bytes',
      help: 'Accepted bytes the pipeline has not processed yet.',
      type: 'gauge',
      samples: one(backlogBytes),
    },
  ];
}

/**
 * What `vigil serve` exposes: the pipeline's metrics (the local pipeline on role all, the cluster
 * on role api), then incidents, response, rules and the process.
 */
export function serverMetrics(s: Services, startedAt: number, pipeline: readonly Metric[]): Metric[] {
  const b = s.incidentBuilder;
  const r = s.response.engine.stats;
  const mem = process.memoryUsage();
  const incidents: Metric[] =
    b === null
      ? []
      : [
          {
            name: 'vigil_incidents_open',
            help: 'Incidents open in memory (all tenants).',
            type: 'gauge',
            samples: one(b.stats.incidents),
          },
          {
            name: 'vigil_incidents_unwritten',
            help: 'Incident changes not yet written to the store.',
            type: 'gauge',
            samples: one(b.unwritten),
          },
          {
            name: 'vigil_incident_merges_total',
            help: 'Incidents merged by a bridging alert.',
            type: 'counter',
            samples: one(b.stats.merges),
          },
        ];
  return [
    ...pipeline,
    ...incidents,
    {
      name: 'vigil_response_triggers_total',
      help: 'Response triggers heard.',
      type: 'counter',
      samples: one(r.triggers),
    },
    {
      name: 'vigil_response_runs_total',
      help: 'Response runs started.',
      type: 'counter',
      samples: one(r.runs),
    },
    {
      name: 'vigil_response_dropped_total',
      help: 'Response triggers dropped at a full queue (recorded with the reason).',
      type: 'counter',
      samples: one(r.dropped),
    },
    {
      name: 'vigil_rules_loaded',
      help: 'Rules loaded.',
      type: 'gauge',
      samples: one(s.detector.rules.length),
    },
    {
      name: 'vigil_rules_compiled',
      help: 'Detection rules compiled for a mapped logsource.',
      type: 'gauge',
      samples: one(s.detector.compiledRuleCount),
    },
    {
      name: 'vigil_retention_days',
      help: 'Days events and alerts are kept (0: forever).',
      type: 'gauge',
      samples: one(s.retention.days),
    },
    ...purgeMetrics(s.recordPurge.stats),
    { name: 'process_resident_memory_bytes', help: 'Resident memory.', type: 'gauge', samples: one(mem.rss) },
    { name: 'nodejs_heap_used_bytes', help: 'V8 heap in use.', type: 'gauge', samples: one(mem.heapUsed) },
    {
      name: 'process_start_time_seconds',
      help: 'When the process started (Unix seconds).',
      type: 'gauge',
      samples: one(Math.floor(startedAt / 1000)),
    },
  ];
}

/** The retention pass over incidents and response records: what went, and whether it still runs. */
export function purgeMetrics(p: RecordPurge['stats']): Metric[] {
  return [
    {
      name: 'vigil_records_purged_total',
      help: 'Incidents, response records and suppressions deleted by the retention pass, by kind.',
      type: 'counter',
      samples: Object.entries(p.purged).map(([kind, value]) => ({ labels: { kind }, value })),
    },
    {
      name: 'vigil_record_purge_passes_total',
      help: 'Retention passes over incidents and response records, by outcome.',
      type: 'counter',
      samples: [
        { labels: { outcome: 'ok' }, value: p.passes.ok },
        { labels: { outcome: 'failed' }, value: p.passes.failed },
      ],
    },
    {
      name: 'vigil_record_purge_last_success_seconds',
      help: 'When the last retention pass succeeded (Unix seconds; 0 before the first).',
      type: 'gauge',
      samples: one(Math.floor(p.lastSuccess / 1000)),
    },
  ];
}
