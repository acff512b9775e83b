import { ENTITY_TYPES, type EntityType } from '../correlate/index.js';
import { LEVELS, levelRank, type Level } from '../detect/sigma/model.js';
import { globMatch } from './glob.js';
import type { Subject } from './subject.js';

/**
 * Playbook conditions: one comparison per line, all of which must hold.
 *
 *   [not] FIELD OP VALUE
 *
 * FIELD is a number (`risk`, `alerts`), a severity (`severity`), text (`title`, `kind`, `change`)
 * or a list (`hosts`, `users`, `tactics`, `tags`, `rules`, `entities.TYPE`); `LIST.count` is a
 * number. OP is one of == != < <= > >= for numbers and severities, == != matches (a glob) for
 * text, and contains / matches (some element equals / matches a glob) for lists. VALUE is a word,
 * a number, or a quoted string. Nothing is evaluated as code.
 */
type FieldKind = 'number' | 'level' | 'text' | 'list';

const FIELDS: Readonly<Record<string, FieldKind>> = {
  risk: 'number',
  alerts: 'number',
  severity: 'level',
  title: 'text',
  kind: 'text',
  change: 'text',
  hosts: 'list',
  users: 'list',
  tactics: 'list',
  tags: 'list',
  rules: 'list',
};

const ORDER_OPS = ['==', '!=', '<', '<=', '>', '>='] as const;
type Op = (typeof ORDER_OPS)[number] | 'contains' | 'matches';

export interface Condition {
  readonly text: string;
  readonly negate: boolean;
  readonly field: string;
  readonly count: boolean;
  readonly kind: FieldKind;
  readonly op: Op;
  readonly value: string | number;
}

const TOKEN =
  /^\s*(not\s+)?([a-z_]+(?:\.[a-z_]+)*)(?:\s*(==|!=|<=|>=|<|>)|\s+(contains|matches)(?=\s))\s*(.*?)\s*$/;
const MAX_CONDITION = 500;

function fieldKind(path: string): { field: string; count: boolean; kind: FieldKind } | string {
  let count = false;
  let field = path;
  if (field.endsWith('.count')) {
    count = true;
    field = field.slice(0, -'.count'.length);
  }
  let kind: FieldKind | undefined = FIELDS[field];
  if (kind === undefined && field.startsWith('entities.')) {
    const type = field.slice('entities.'.length);
    if (!(ENTITY_TYPES as readonly string[]).includes(type) || type === 'detection' || type === 'telemetry')
      return `unknown entity type "${type}" (known: ${ENTITY_TYPES.filter((t) => t !== 'detection' && t !== 'telemetry').join(', ')})`;
    kind = 'list';
  }
  if (kind === undefined)
    return `unknown field "${field}" (known: ${Object.keys(FIELDS).join(', ')}, entities.TYPE, and LIST.count)`;
  if (count) {
    if (kind !== 'list') return `"${field}" is not a list: only lists have .count`;
    return { field, count, kind: 'number' };
  }
  return { field, count, kind };
}

function literal(raw: string): string | null {
  if (raw === '') return null;
  const q = raw[0];
  if (q === '"' || q === "'") {
    if (raw.length < 2 || raw[raw.length - 1] !== q) return null;
    const inner = raw.slice(1, -1);
    return inner.includes(q) ? null : inner;
  }
  return /\s/.test(raw) ? null : raw;
}

/** Parses one condition, or says what is wrong with it. */
export function parseCondition(
  text: unknown,
): { ok: true; condition: Condition } | { ok: false; error: string } {
  if (typeof text !== 'string')
    return { ok: false, error: 'a condition is one line of text, such as "risk >= 70"' };
  if (text.length > MAX_CONDITION)
    return { ok: false, error: `a condition is at most ${MAX_CONDITION} characters` };
  const m = TOKEN.exec(text);
  if (!m)
    return {
      ok: false,
      error: `cannot read condition "${text}": expected FIELD OP VALUE, such as "risk >= 70"`,
    };
  const [, not, path, symbolOp, wordOp, rawValue] = m;
  const f = fieldKind(path!);
  if (typeof f === 'string') return { ok: false, error: f };
  const op = (symbolOp ?? wordOp) as Op;
  const value = literal(rawValue!);
  if (value === null)
    return {
      ok: false,
      error: `condition "${text}": the value must be one word, a number, or a quoted string`,
    };
  const base = { text, negate: not !== undefined, field: f.field, count: f.count, kind: f.kind, op };
  switch (f.kind) {
    case 'number': {
      if (!(ORDER_OPS as readonly string[]).includes(op))
        return { ok: false, error: `condition "${text}": a number is compared with ${ORDER_OPS.join(' ')}` };
      const n = Number(value);
      if (!/^-?\d+(\.\d+)?$/.test(value) || !Number.isFinite(n))
        return { ok: false, error: `condition "${text}": "${value}" is not a number` };
      return { ok: true, condition: { ...base, value: n } };
    }
    case 'level':
      if (!(ORDER_OPS as readonly string[]).includes(op))
        return {
          ok: false,
          error: `condition "${text}": a severity is compared with ${ORDER_OPS.join(' ')}`,
        };
      if (!(LEVELS as readonly string[]).includes(value.toLowerCase()))
        return {
          ok: false,
          error: `condition "${text}": "${value}" is not a severity (${LEVELS.join(', ')})`,
        };
      return { ok: true, condition: { ...base, value: value.toLowerCase() } };
    case 'text':
      if (op !== '==' && op !== '!=' && op !== 'matches')
        return { ok: false, error: `condition "${text}": text is compared with ==, != or matches` };
      return { ok: true, condition: { ...base, value } };
    case 'list':
      if (op !== 'contains' && op !== 'matches')
        return {
          ok: false,
          error: `condition "${text}": a list is tested with contains or matches (or compare ${f.field}.count)`,
        };
      return { ok: true, condition: { ...base, value } };
  }
}

function listOf(s: Subject, field: string): readonly string[] {
  switch (field) {
    case 'hosts':
      return s.hosts;
    case 'users':
      return s.users;
    case 'tactics':
      return s.tactics;
    case 'tags':
      return s.tags;
    case 'rules':
      return s.rules.flatMap((r) => [r.id, r.title]);
    default:
      return s.entities.get(field.slice('entities.'.length) as EntityType) ?? [];
  }
}

function compare(a: number, op: Op, b: number): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    default:
      return false;
  }
}

export function evaluateCondition(c: Condition, s: Subject): boolean {
  let result: boolean;
  if (c.count) result = compare(listOf(s, c.field).length, c.op, c.value as number);
  else if (c.kind === 'number')
    result = compare(c.field === 'risk' ? s.risk : s.alertCount, c.op, c.value as number);
  else if (c.kind === 'level') result = compare(levelRank(s.severity), c.op, levelRank(c.value as Level));
  else if (c.kind === 'text') {
    const v = c.field === 'title' ? s.title : c.field === 'kind' ? s.kind : s.change;
    const want = String(c.value);
    result =
      c.op === 'matches' ? globMatch(want, v) : (v.toLowerCase() === want.toLowerCase()) === (c.op === '==');
  } else {
    const want = String(c.value);
    const list = listOf(s, c.field);
    result =
      c.op === 'contains'
        ? list.some((x) => x.toLowerCase() === want.toLowerCase())
        : list.some((x) => globMatch(want, x));
  }
  return c.negate ? !result : result;
}
