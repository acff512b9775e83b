import { ENTITY_TYPES, type Entity, type EntityType } from '../correlate/index.js';
import { LEVELS, type Level } from '../detect/sigma/model.js';
import type { AlertInput, IncidentInput } from './subject.js';

/**
 * Incidents and alerts from JSON (what `vigil incidents show --format json` prints, or an alert
 * as the API returns it), for trying playbooks from the command line. Every field is checked;
 * a problem names the field. Only own fields are read, never through a prototype.
 */
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: Obj, key: string): unknown => (Object.hasOwn(o, key) ? o[key] : undefined);
const isLevel = (v: unknown): v is Level =>
  typeof v === 'string' && (LEVELS as readonly string[]).includes(v);
const isType = (v: unknown): v is EntityType =>
  typeof v === 'string' && (ENTITY_TYPES as readonly string[]).includes(v);

function strings(o: Obj, key: string): string[] {
  const v = own(o, key);
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
    throw new Error(`${key}: a list of strings`);
  return v as string[];
}

function text(o: Obj, key: string): string {
  const v = own(o, key);
  if (typeof v !== 'string' || v === '') throw new Error(`${key}: required text`);
  return v;
}

function entities(o: Obj): Entity[] {
  const v = own(o, 'entities');
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new Error('entities: a list of {type, value}');
  return v.map((e: unknown, i) => {
    const type = isObj(e) ? own(e, 'type') : undefined;
    const value = isObj(e) ? own(e, 'value') : undefined;
    if (!isType(type) || typeof value !== 'string')
      throw new Error(`entities[${i}]: {type, value} with a known type`);
    const role = isObj(e) ? own(e, 'role') : undefined;
    return { type, value, role: role === 'parent' || role === 'hub-parent' ? role : 'self' };
  });
}

export function incidentFromJson(value: unknown): IncidentInput {
  if (!isObj(value)) throw new Error('an incident is a JSON object');
  const risk = own(value, 'risk');
  const score =
    typeof risk === 'number'
      ? risk
      : isObj(risk) && typeof own(risk, 'score') === 'number'
        ? (own(risk, 'score') as number)
        : NaN;
  if (!(score >= 0 && score <= 100)) throw new Error('risk: a score from 0 to 100 (or {score})');
  const severity = own(value, 'severity');
  if (!isLevel(severity)) throw new Error(`severity: one of ${LEVELS.join(', ')}`);
  const rulesRaw = own(value, 'rules') ?? [];
  if (!Array.isArray(rulesRaw)) throw new Error('rules: a list of {id, title}');
  const rules = rulesRaw.map((r: unknown, i) => {
    const id = isObj(r) ? own(r, 'id') : undefined;
    const title = isObj(r) ? own(r, 'title') : undefined;
    const level = isObj(r) ? own(r, 'level') : undefined;
    if (typeof id !== 'string' || typeof title !== 'string') throw new Error(`rules[${i}]: {id, title}`);
    return { id, title, level: isLevel(level) ? level : severity, count: 1 };
  });
  const alertCount = own(value, 'alertCount') ?? 1;
  if (typeof alertCount !== 'number' || !Number.isInteger(alertCount) || alertCount < 0)
    throw new Error('alertCount: a whole number');
  return {
    id: text(value, 'id'),
    title: text(value, 'title'),
    severity,
    risk: { score },
    hosts: strings(value, 'hosts'),
    users: strings(value, 'users'),
    tactics: strings(value, 'tactics'),
    rules,
    alertCount,
    entities: entities(value).map((e) => ({ type: e.type, value: e.value, alerts: 1 })),
  };
}

export function alertFromJson(value: unknown): AlertInput {
  if (!isObj(value)) throw new Error('an alert is a JSON object');
  const level = own(value, 'level');
  if (!isLevel(level)) throw new Error(`level: one of ${LEVELS.join(', ')}`);
  const host = own(value, 'host') ?? '';
  if (typeof host !== 'string') throw new Error('host: text');
  return {
    id: text(value, 'id'),
    ruleId: text(value, 'ruleId'),
    title: text(value, 'title'),
    level,
    tags: strings(value, 'tags'),
    host,
    entities: entities(value),
  };
}
