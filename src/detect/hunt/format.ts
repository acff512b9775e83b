import { stringifyJson } from '../../ingest/evtx/render/json.js';
import { csvCell } from '../../core/csv.js';
import type { JsonObject } from '../../ingest/types.js';
import type { FieldValue } from '../sigma/engine/event-view.js';
import type { CorrelationHit, Detection } from './detector.js';
import type { HuntOutput } from './run.js';

function isoTime(ms: number | null): string | null {
  if (ms === null || !Number.isFinite(ms)) return null;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

function scalar(v: FieldValue | undefined): string | number | null {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v.map(String).join(',');
  return typeof v === 'number' ? v : String(v);
}

function ruleSummary(d: Detection) {
  const r = d.rule;
  return {
    id: r.id ?? null,
    title: r.title,
    level: r.level,
    status: r.status ?? null,
    tags: [...r.tags],
    file: r.source.file,
  };
}

/** One detection as a JSON line: the rule, where and when, and the event itself. */
export function detectionJson(d: Detection): JsonObject {
  const f = d.fields;
  return {
    type: 'detection',
    rule: ruleSummary(d),
    timestamp: isoTime(d.time),
    computer: scalar(f.get('Computer')),
    channel: scalar(f.get('Channel')),
    event_id: scalar(f.get('EventID')),
    record_id: d.origin.recordId ?? scalar(f.get('EventRecordID')),
    source: d.origin.source,
    offset: d.origin.offset,
    event: d.event,
  } as JsonObject;
}

export function correlationJson(c: CorrelationHit<Detection>): JsonObject {
  return {
    type: 'correlation',
    rule: {
      id: c.rule.id ?? null,
      title: c.rule.title,
      level: c.rule.level,
      tags: [...c.rule.tags],
      correlation: c.rule.correlation.type,
      file: c.rule.source.file,
    },
    first: isoTime(c.first),
    last: isoTime(c.last),
    group: c.group as JsonObject,
    value: c.value,
    detections: c.hits.map((h) => ({
      rule_id: h.event.rule.id ?? null,
      timestamp: isoTime(h.time),
      computer: scalar(h.event.fields.get('Computer')),
      record_id: h.event.origin.recordId ?? null,
      source: h.event.origin.source,
    })),
  } as JsonObject;
}

export function jsonLine(out: HuntOutput): string {
  return (
    stringifyJson(out.kind === 'detection' ? detectionJson(out.detection) : correlationJson(out.hit)) + '\n'
  );
}

/** Fields worth a glance in a timeline, in order of usefulness. */
const DETAIL_FIELDS = [
  'CommandLine',
  'Image',
  'ParentImage',
  'ParentCommandLine',
  'TargetFilename',
  'TargetObject',
  'Details',
  'ImageLoaded',
  'QueryName',
  'DestinationHostname',
  'DestinationIp',
  'DestinationPort',
  'SourceIp',
  'ServiceName',
  'ImagePath',
  'TaskName',
  'ScriptBlockText',
  'TargetUserName',
  'SubjectUserName',
  'User',
  'IpAddress',
  'LogonType',
  'PipeName',
  'GrantedAccess',
  'TargetImage',
  'Hashes',
];

export function details(fields: ReadonlyMap<string, FieldValue>, max = 6): string {
  const parts: string[] = [];
  for (const name of DETAIL_FIELDS) {
    const v = scalar(fields.get(name));
    if (v === null || v === '') continue;
    const text = String(v).replace(/\s+/g, ' ');
    parts.push(`${name}: ${text.length > 200 ? `${text.slice(0, 197)}...` : text}`);
    if (parts.length >= max) break;
  }
  return parts.join(' ¦ ');
}

export const CSV_HEADER = [
  'Timestamp',
  'Computer',
  'Channel',
  'EventID',
  'Level',
  'RecordID',
  'RuleTitle',
  'Details',
  'RuleID',
  'RuleFile',
  'SourceFile',
];

/** A Hayabusa-style timeline row. */
export function csvRow(out: HuntOutput): string {
  let cells: unknown[];
  if (out.kind === 'detection') {
    const d = out.detection;
    cells = [
      isoTime(d.time),
      scalar(d.fields.get('Computer')),
      scalar(d.fields.get('Channel')),
      scalar(d.fields.get('EventID')),
      d.rule.level,
      d.origin.recordId ?? scalar(d.fields.get('EventRecordID')),
      d.rule.title,
      details(d.fields),
      d.rule.id,
      d.rule.source.file,
      d.origin.source,
    ];
  } else {
    const c = out.hit;
    const group = Object.entries(c.group)
      .map(([k, v]) => `${k}: ${String(v)}`)
      .join(' ¦ ');
    cells = [
      isoTime(c.first),
      scalar(c.hits[0]?.event.fields.get('Computer')),
      '',
      '',
      c.rule.level,
      '',
      c.rule.title,
      `${c.rule.correlation.type} ${c.value ?? ''} ¦ ${group} ¦ ${c.hits.length} detections until ${isoTime(c.last)}`,
      c.rule.id,
      c.rule.source.file,
      '',
    ];
  }
  return cells.map(csvCell).join(',') + '\n';
}
