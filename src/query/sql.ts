import {
  SearchSyntaxError,
  type Bound,
  type QueryNode,
  type TermNode,
  type Value,
  type WildcardMark,
} from './ast.js';
import { parseQuery } from './parse.js';

export type ColumnKind = 'string' | 'number' | 'time' | 'ip' | 'strings';

export interface ColumnRef {
  /** A trusted SQL expression (from the resolver, never from the query). */
  readonly expr: string;
  readonly kind: ColumnKind;
  /** Stored lower-case and compared whole, so equality can use a bloom-filter index. */
  readonly exact?: boolean;
}

/** Maps a query field name to a column; null means "look it up in the `fields` map". */
export type FieldResolver = (field: string) => ColumnRef | null;

export interface CompiledSearch {
  readonly where: string;
  readonly params: Record<string, unknown>;
}

export interface CompileOptions {
  /** Epoch ms that `now-15m` counts from (default: the current time). */
  readonly now?: number;
  /** Parameter name prefix, so that several compiled fragments can share one query. */
  readonly paramPrefix?: string;
  /** The Map(String, String) column holding fields that have no column of their own. */
  readonly fieldsColumn?: string;
}

const HASH_COLUMNS = ['hash_md5', 'hash_sha1', 'hash_sha256', 'hash_imphash'];

/**
 * The hash columns a value can be in, by its length: fewer columns in the OR lets the bloom
 * filters skip more (with all four, ClickHouse keeps most granules).
 */
export function hashColumnsFor(value: string): readonly string[] {
  if (!/^[0-9a-fA-F]+$/.test(value)) return HASH_COLUMNS;
  switch (value.length) {
    case 32:
      return ['hash_md5', 'hash_imphash'];
    case 40:
      return ['hash_sha1'];
    case 64:
      return ['hash_sha256'];
    default:
      return HASH_COLUMNS;
  }
}
const IP_COLUMNS = ['source_ip', 'destination_ip'];

/**
 * Compiles a query to a ClickHouse WHERE clause. Every value, and every field name that is not a
 * column, is a query parameter: nothing from the query is ever spliced into the SQL text.
 * `field:value` is a case-insensitive equality (wildcards for partial matches); bare terms are
 * case-insensitive substrings of any field.
 */
export function compileSearch(
  query: QueryNode | string,
  resolve: FieldResolver,
  options: CompileOptions = {},
): CompiledSearch {
  const ast = typeof query === 'string' ? parseQuery(query) : query;
  const c = new Compiler(resolve, options);
  return { where: c.node(ast), params: c.params };
}

class Compiler {
  readonly params: Record<string, unknown> = {};
  private n = 0;
  private readonly prefix: string;
  private readonly fields: string;
  private readonly now: number;

  constructor(
    private readonly resolve: FieldResolver,
    options: CompileOptions,
  ) {
    this.prefix = options.paramPrefix ?? 'q';
    this.fields = options.fieldsColumn ?? 'fields';
    this.now = options.now ?? Date.now();
  }

  private param(type: string, value: unknown): string {
    const name = `${this.prefix}${this.n++}`;
    this.params[name] = value;
    return `{${name}:${type}}`;
  }

  node(n: QueryNode): string {
    switch (n.k) {
      case 'all':
        return '1';
      case 'and':
        return `(${n.items.map((i) => this.node(i)).join(' AND ')})`;
      case 'or':
        return `(${n.items.map((i) => this.node(i)).join(' OR ')})`;
      case 'not':
        return `NOT (${this.node(n.item)})`;
      case 'term':
        return this.term(n);
    }
  }

  private term(t: TermNode): string {
    if (t.field === null) return this.bare(t.value);
    const name = t.field.toLowerCase();
    if (name === 'hash')
      return this.any(
        (t.value.k === 'text' ? hashColumnsFor(t.value.text) : HASH_COLUMNS).map((expr) => ({
          expr,
          kind: 'string',
          exact: true,
        })),
        t.value,
      );
    if (name === 'ip')
      return this.any(
        IP_COLUMNS.map((expr) => ({ expr, kind: 'ip' })),
        t.value,
      );
    if (name === 'domain' && t.value.k === 'text') return this.domain(t.value.text);
    const col = this.resolve(t.field);
    if (col !== null) return this.column(col, t.value, t.field);
    return this.mapField(t.field, t.value);
  }

  private any(cols: readonly ColumnRef[], v: Value): string {
    return `(${cols.map((c) => this.column(c, v, c.expr)).join(' OR ')})`;
  }

  /** A domain and its subdomains, in the domain column and in URL hosts. */
  private domain(text: string): string {
    const d = this.param('String', text.toLowerCase().replace(/\.$/, ''));
    const hosts: string[] = [];
    const col = this.resolve('domain');
    const url = this.resolve('url');
    if (col !== null) hosts.push(col.expr);
    if (url !== null) hosts.push(`lower(domain(${url.expr}))`);
    if (hosts.length === 0) throw new SearchSyntaxError('domain: is not searchable here', 0);
    return `(${hosts.map((h) => `${h} = ${d} OR endsWith(${h}, concat('.', ${d}))`).join(' OR ')})`;
  }

  private bare(v: Value): string {
    const values = `mapValues(${this.fields})`;
    if (v.k === 'text')
      return `arrayExists(x -> positionCaseInsensitiveUTF8(x, ${this.param('String', v.text)}) > 0, ${values})`;
    if (v.k === 'wildcard')
      return `arrayExists(x -> x ILIKE ${this.param('String', likePattern(v.parts, true))}, ${values})`;
    throw new SearchSyntaxError('ranges and comparisons need a field', 0);
  }

  private mapField(field: string, v: Value): string {
    const key = this.param('String', field);
    const expr = `${this.fields}[${key}]`;
    if (v.k === 'exists') return `mapContains(${this.fields}, ${key})`;
    if (v.k === 'range') return this.numericRange(`toFloat64OrNull(${expr})`, v, field);
    return `(mapContains(${this.fields}, ${key}) AND ${this.stringMatch(expr, v, false)})`;
  }

  private column(col: ColumnRef, v: Value, field: string): string {
    switch (col.kind) {
      case 'time':
        return this.time(col.expr, v, field);
      case 'number':
        if (v.k === 'exists') return `${col.expr} != 0`;
        if (v.k === 'range') return this.numericRange(col.expr, v, field);
        if (v.k === 'text') return `${col.expr} = ${this.param('Float64', number(v.text, field))}`;
        return `toString(${col.expr}) LIKE ${this.param('String', likePattern(v.parts, false))}`;
      case 'strings':
        if (v.k === 'exists') return `notEmpty(${col.expr})`;
        if (v.k === 'range') throw new SearchSyntaxError(`${field} holds a list: ranges do not apply`, 0);
        return `arrayExists(x -> ${this.stringMatch('x', v, false)}, ${col.expr})`;
      case 'ip':
        if (v.k === 'text' && v.text.includes('/')) {
          const cidr = this.param('String', v.text);
          // Short-circuit AND keeps isIPAddressInRange away from values that are not addresses.
          return `((isIPv4String(${col.expr}) OR isIPv6String(${col.expr})) AND isIPAddressInRange(${col.expr}, ${cidr}))`;
        }
        return this.stringColumn(col, v, field);
      case 'string':
        return this.stringColumn(col, v, field);
    }
  }

  private stringColumn(col: ColumnRef, v: Value, field: string): string {
    if (v.k === 'exists') return `notEmpty(${col.expr})`;
    if (v.k === 'range') return this.numericRange(`toFloat64OrNull(${col.expr})`, v, field);
    return this.stringMatch(col.expr, v, col.exact === true);
  }

  private stringMatch(expr: string, v: Value, exact: boolean): string {
    if (v.k === 'text') {
      const text = this.param('String', v.text.toLowerCase());
      return exact ? `${expr} = ${text}` : `lower(${expr}) = ${text}`;
    }
    if (v.k === 'wildcard') {
      const pattern = likePattern(v.parts, false);
      return exact
        ? `${expr} LIKE ${this.param('String', pattern.toLowerCase())}`
        : `${expr} ILIKE ${this.param('String', pattern)}`;
    }
    throw new SearchSyntaxError('unsupported value', 0);
  }

  private numericRange(expr: string, v: Value & { k: 'range' }, field: string): string {
    const parts: string[] = [];
    if (v.low)
      parts.push(
        `${expr} ${v.low.inclusive ? '>=' : '>'} ${this.param('Float64', number(v.low.value, field))}`,
      );
    if (v.high)
      parts.push(
        `${expr} ${v.high.inclusive ? '<=' : '<'} ${this.param('Float64', number(v.high.value, field))}`,
      );
    return parts.length === 0 ? '1' : `(${parts.join(' AND ')})`;
  }

  private time(expr: string, v: Value, field: string): string {
    const at = (ms: number) => `fromUnixTimestamp64Milli(${this.param('Int64', ms)})`;
    if (v.k === 'exists') return '1';
    if (v.k === 'text') {
      const [start, end] = timeSpan(v.text, this.now, field);
      return `(${expr} >= ${at(start)} AND ${expr} < ${at(end)})`;
    }
    if (v.k === 'range') {
      const parts: string[] = [];
      const bound = (b: Bound, low: boolean) => {
        const [start, end] = timeSpan(b.value, this.now, field);
        // An inclusive upper bound of a day covers the whole day.
        if (low) parts.push(`${expr} ${b.inclusive ? '>=' : '>='} ${at(b.inclusive ? start : end)}`);
        else parts.push(`${expr} < ${at(b.inclusive ? end : start)}`);
      };
      if (v.low) bound(v.low, true);
      if (v.high) bound(v.high, false);
      return parts.length === 0 ? '1' : `(${parts.join(' AND ')})`;
    }
    throw new SearchSyntaxError(`${field}: wildcards do not apply to times`, 0);
  }
}

function number(text: string, field: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n))
    throw new SearchSyntaxError(`${field} needs a number, not "${text}"`, 0);
  return n;
}

const UNITS: Record<string, number> = { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8 };

/** The span a time value stands for: a day for a date, a millisecond for an instant. */
function timeSpan(text: string, now: number, field: string): [number, number] {
  const rel = /^now(?:([+-])(\d+)([smhdw]))?$/.exec(text);
  if (rel) {
    const t = now + (rel[1] === '-' ? -1 : 1) * Number(rel[2] ?? 0) * (UNITS[rel[3] ?? 's'] ?? 0);
    return [t, t + 1];
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const t = Date.parse(`${text}T00:00:00Z`);
    if (!Number.isNaN(t)) return [t, t + 8.64e7];
  }
  if (/^\d{10,13}$/.test(text)) {
    const t = text.length === 13 ? Number(text) : Number(text) * 1000;
    return [t, t + 1];
  }
  const t = Date.parse(text);
  if (Number.isNaN(t) || !/^\d{4}-/.test(text))
    throw new SearchSyntaxError(
      `${field} needs a time (2024-05-01, 2024-05-01T10:00:00Z, now-15m), not "${text}"`,
      0,
    );
  return [t, t + 1];
}

/** A LIKE pattern: literal %, _ and \ escaped; * → %, ? → _; `contains` wraps it in %. */
function likePattern(parts: readonly (string | WildcardMark)[], contains: boolean): string {
  const body = parts
    .map((p) =>
      typeof p === 'string' ? p.replace(/[\\%_]/g, (c) => `\\${c}`) : p.wildcard === '*' ? '%' : '_',
    )
    .join('');
  return contains ? `%${body}%` : body;
}
