import { ENTITY_TYPES, type EntityType } from '../correlate/index.js';
import type { Subject } from './subject.js';

/**
 * Step parameters are templates: text with `{{ name }}` or `{{ name | filter }}` placeholders,
 * filled from a fixed set of variables. There are no expressions, loops or calls: a placeholder
 * names a value and nothing else.
 *
 * `{{ entities.TYPE }}` fans out: the step runs once per value of that entity type. With a filter
 * (`| join`, `| first`, `| count`) it is one value and does not fan out.
 */
export type Filter = 'join' | 'first' | 'count';
const FILTERS: readonly Filter[] = ['join', 'first', 'count'];

export interface Placeholder {
  readonly path: string;
  readonly filter: Filter | null;
}

export interface Template {
  readonly source: string;
  readonly parts: readonly (string | Placeholder)[];
  /** The entity type this template fans out over, if any. */
  readonly fanOut: EntityType | null;
  /** Whether it names `alert.*`, which only alert-triggered runs fill. */
  readonly usesAlert: boolean;
}

const SCALARS = [
  'incident.id',
  'incident.title',
  'incident.severity',
  'incident.risk',
  'incident.alerts',
  'incident.change',
  'alert.id',
  'alert.title',
  'alert.rule',
  'alert.level',
  'alert.host',
  'playbook.id',
  'playbook.title',
  'playbook.version',
  'run.id',
  'tenant',
] as const;
const LISTS = ['incident.hosts', 'incident.users', 'incident.tactics', 'incident.rules'] as const;
const ENTITY_NAMES = ENTITY_TYPES.filter((t) => t !== 'detection' && t !== 'telemetry');

const PLACEHOLDER = /^\s*([a-z_]+(?:\.[a-z_]+)*)\s*(?:\|\s*([a-z]+)\s*)?$/;
const MAX_TEMPLATE = 20_000;
/** A rendered parameter is capped: a huge entity list must not become a huge request. */
export const MAX_RENDERED = 64 * 1024;

export function compileTemplate(
  source: string,
): { ok: true; template: Template } | { ok: false; error: string } {
  if (source.length > MAX_TEMPLATE)
    return { ok: false, error: `a parameter is at most ${MAX_TEMPLATE} characters` };
  const parts: (string | Placeholder)[] = [];
  let fanOut: EntityType | null = null;
  let usesAlert = false;
  let pos = 0;
  while (pos < source.length) {
    const open = source.indexOf('{{', pos);
    if (open < 0) {
      parts.push(source.slice(pos));
      break;
    }
    if (open > pos) parts.push(source.slice(pos, open));
    const close = source.indexOf('}}', open + 2);
    if (close < 0) return { ok: false, error: `"{{" without "}}" at character ${open + 1}` };
    const inner = source.slice(open + 2, close);
    const m = PLACEHOLDER.exec(inner);
    if (!m)
      return {
        ok: false,
        error: `"{{${inner}}}" is not a placeholder: write {{ name }} or {{ name | filter }}`,
      };
    const path = m[1]!;
    const filter = (m[2] ?? null) as Filter | null;
    if (filter !== null && !FILTERS.includes(filter))
      return { ok: false, error: `unknown filter "${filter}" (known: ${FILTERS.join(', ')})` };
    if (path.startsWith('entities.')) {
      const type = path.slice('entities.'.length);
      if (!(ENTITY_NAMES as readonly string[]).includes(type))
        return { ok: false, error: `unknown entity type "${type}" (known: ${ENTITY_NAMES.join(', ')})` };
      if (filter === null) {
        if (fanOut !== null && fanOut !== type)
          return {
            ok: false,
            error: `a step fans out over one entity type; this names ${fanOut} and ${type}`,
          };
        fanOut = type as EntityType;
      }
    } else if ((LISTS as readonly string[]).includes(path)) {
      // Lists render joined unless a filter says otherwise.
    } else if ((SCALARS as readonly string[]).includes(path)) {
      if (filter !== null) return { ok: false, error: `"${path}" is one value: filters apply to lists` };
    } else
      return {
        ok: false,
        error: `unknown variable "${path}" (known: ${[...SCALARS, ...LISTS].join(', ')}, entities.TYPE)`,
      };
    if (path.startsWith('alert.')) usesAlert = true;
    parts.push({ path, filter });
    pos = close + 2;
  }
  return { ok: true, template: { source, parts, fanOut, usesAlert } };
}

/** What templates are filled from. */
export interface TemplateScope {
  readonly subject: Subject;
  readonly playbook: { readonly id: string; readonly title: string; readonly version: number };
  readonly runId: string;
}

function valueOf(scope: TemplateScope, path: string): string | readonly string[] {
  const s = scope.subject;
  switch (path) {
    case 'incident.id':
      return s.id;
    case 'incident.title':
      return s.title;
    case 'incident.severity':
      return s.severity;
    case 'incident.risk':
      return String(s.risk);
    case 'incident.alerts':
      return String(s.alertCount);
    case 'incident.change':
      return s.change;
    case 'incident.hosts':
      return s.hosts;
    case 'incident.users':
      return s.users;
    case 'incident.tactics':
      return s.tactics;
    case 'incident.rules':
      return s.rules.map((r) => r.title);
    case 'alert.id':
      return s.alert?.id ?? '';
    case 'alert.title':
      return s.alert?.title ?? '';
    case 'alert.rule':
      return s.alert?.rule ?? '';
    case 'alert.level':
      return s.alert?.level ?? '';
    case 'alert.host':
      return s.alert?.host ?? '';
    case 'playbook.id':
      return scope.playbook.id;
    case 'playbook.title':
      return scope.playbook.title;
    case 'playbook.version':
      return String(scope.playbook.version);
    case 'run.id':
      return scope.runId;
    case 'tenant':
      return s.tenant;
    default:
      return s.entities.get(path.slice('entities.'.length) as EntityType) ?? [];
  }
}

/** Fills a template. `fanValue` is this instance's value of the fan-out entity type. */
export function renderTemplate(t: Template, scope: TemplateScope, fanValue?: string): string {
  let out = '';
  for (const part of t.parts) {
    if (typeof part === 'string') out += part;
    else {
      const v = valueOf(scope, part.path);
      if (typeof v === 'string') out += v;
      else if (part.filter === 'count') out += String(v.length);
      else if (part.filter === 'first') out += v[0] ?? '';
      else if (part.filter === null && part.path.startsWith('entities.')) out += fanValue ?? '';
      else out += v.join(', ');
    }
    if (out.length > MAX_RENDERED) return out.slice(0, MAX_RENDERED);
  }
  return out;
}
