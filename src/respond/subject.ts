import { createHash } from 'node:crypto';
import type { CorrelationAlert, EntityType, Incident } from '../correlate/index.js';
import { riskOf, tacticsOf } from '../correlate/risk.js';
import type { Level } from '../detect/sigma/model.js';

/** What the server hands over about an incident: the parts of an `Incident` playbooks read. */
export type IncidentInput = Pick<
  Incident,
  'id' | 'title' | 'severity' | 'hosts' | 'users' | 'tactics' | 'rules' | 'alertCount' | 'entities'
> & { readonly risk: { readonly score: number } };

/** What the server hands over about an alert. */
export type AlertInput = Pick<
  CorrelationAlert,
  'id' | 'ruleId' | 'title' | 'level' | 'tags' | 'host' | 'entities'
>;

export type IncidentChange = 'created' | 'escalated';

/**
 * One thing a playbook can respond to, incident or alert, in one shape: triggers, conditions and
 * templates read only this. An alert reads as a one-alert incident, so `incident.title` works for
 * both.
 */
export interface Subject {
  readonly kind: 'incident' | 'alert';
  readonly id: string;
  readonly tenant: string;
  readonly change: IncidentChange | 'alert';
  readonly title: string;
  readonly severity: Level;
  readonly risk: number;
  readonly hosts: readonly string[];
  readonly users: readonly string[];
  readonly tactics: readonly string[];
  readonly tags: readonly string[];
  readonly rules: readonly { readonly id: string; readonly title: string }[];
  readonly alertCount: number;
  readonly entities: ReadonlyMap<EntityType, readonly string[]>;
  /** The alert, when an alert triggered. */
  readonly alert: {
    readonly id: string;
    readonly rule: string;
    readonly title: string;
    readonly level: Level;
    readonly host: string;
  } | null;
  /**
   * Identifies the trigger: the same incident created twice, or the same alert seen twice, is one
   * trigger. An escalation is a trigger per severity reached.
   */
  readonly triggerKey: string;
}

/** Entity types whose values name one thing whatever their case (an incident lists `WS01`, its alerts `ws01`). */
const CASELESS: ReadonlySet<EntityType> = new Set(['host', 'user', 'domain', 'hash', 'ip', 'sender']);

function entityMap(pairs: Iterable<{ type: EntityType; value: string }>): Map<EntityType, string[]> {
  const map = new Map<EntityType, string[]>();
  const seen = new Set<string>();
  for (const { type, value } of pairs) {
    if (type === 'detection' || type === 'telemetry') continue;
    // One value once: a step fanning out over hosts must not act on WS01 and ws01 twice.
    const key = `${type}\u0000${CASELESS.has(type) ? value.toLowerCase() : value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    let list = map.get(type);
    if (list === undefined) map.set(type, (list = []));
    list.push(value);
  }
  return map;
}

export function subjectOfIncident(incident: IncidentInput, change: IncidentChange, tenant: string): Subject {
  const entities = entityMap([
    ...incident.hosts.map((value) => ({ type: 'host' as const, value })),
    ...incident.users.map((value) => ({ type: 'user' as const, value })),
    ...incident.entities,
  ]);
  return {
    kind: 'incident',
    id: incident.id,
    tenant,
    change,
    title: incident.title,
    severity: incident.severity,
    risk: incident.risk.score,
    hosts: incident.hosts,
    users: incident.users,
    tactics: incident.tactics,
    tags: [],
    rules: incident.rules.map((r) => ({ id: r.id, title: r.title })),
    alertCount: incident.alertCount,
    entities,
    alert: null,
    triggerKey:
      change === 'created'
        ? `incident:${incident.id}:created`
        : `incident:${incident.id}:escalated:${incident.severity}`,
  };
}

export function subjectOfAlert(alert: AlertInput, tenant: string): Subject {
  const tactics = tacticsOf(alert.tags);
  // The same score a one-alert incident would get, so min_confidence means one thing.
  const risk = riskOf({ levels: [alert.level], tactics, hosts: 1, ruleFires: [] });
  const entities = entityMap([
    ...(alert.host === '' ? [] : [{ type: 'host' as const, value: alert.host }]),
    ...alert.entities.filter((e) => e.role === 'self'),
  ]);
  return {
    kind: 'alert',
    id: alert.id,
    tenant,
    change: 'alert',
    title: alert.title,
    severity: alert.level,
    risk: risk.score,
    hosts: alert.host === '' ? [] : [alert.host],
    users: entities.get('user') ?? [],
    tactics,
    tags: alert.tags,
    rules: [{ id: alert.ruleId, title: alert.title }],
    alertCount: 1,
    entities,
    alert: { id: alert.id, rule: alert.ruleId, title: alert.title, level: alert.level, host: alert.host },
    triggerKey: `alert:${alert.id}`,
  };
}

/** Short stable ids from their parts. */
export function digest(...parts: readonly string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\u0000');
  return h.digest('hex').slice(0, 24);
}

/** A subject as run records keep it (JSON). */
export type SubjectSnapshot = Omit<Subject, 'entities'> & {
  readonly entities: Readonly<Record<string, readonly string[]>>;
};

export function snapshotOf(s: Subject): SubjectSnapshot {
  return { ...s, entities: Object.fromEntries(s.entities) };
}

export function subjectOf(s: SubjectSnapshot): Subject {
  return { ...s, entities: new Map(Object.entries(s.entities)) as Map<EntityType, readonly string[]> };
}
