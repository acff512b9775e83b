import { ANY_CHAR, ANY_RUN } from '../sigma/model.js';
import { isClass, type Pattern } from '../sigma/compile/glob.js';
import type { NumOp, Pred, StrPred } from '../sigma/compile/predicate.js';

/**
 * Sigma over stored events, in ClickHouse SQL. Stored events keep each field as text in the
 * `fields` map (lists joined by newlines, long values cut), so not every test can be exact in SQL.
 * Each predicate therefore compiles to a bound: `over` selects at least every event the engine
 * would match, `under` at most those. A rule runs as its `over` query, and the engine, given each
 * candidate's original record, decides; a NOT flips the bound of what it negates.
 */
export type Bound = 'over' | 'under';

/** Values longer than this were cut when stored (see store/rows.ts). */
const STORED_TEXT_LIMIT = 32 * 1024;
const NUM_OPS: Record<NumOp, string> = { eq: '=', lt: '<', lte: '<=', gt: '>', gte: '>=' };

export interface CompiledSql {
  readonly where: string;
  readonly params: Record<string, unknown>;
}

class SigmaSql {
  readonly params: Record<string, unknown> = {};
  private n = 0;

  constructor(private readonly prefix: string) {}

  param(type: string, value: unknown): string {
    const name = `${this.prefix}${this.n++}`;
    this.params[name] = value;
    return `{${name}:${type}}`;
  }

  value(field: string): string {
    return field === '_source' ? 'source' : `fields[${this.param('String', field)}]`;
  }

  present(field: string): string {
    return field === '_source' ? 'notEmpty(source)' : `mapContains(fields, ${this.param('String', field)})`;
  }

  pred(p: Pred, bound: Bound): string {
    const other: Bound = bound === 'over' ? 'under' : 'over';
    switch (p.k) {
      case 'and':
      case 'or':
        return `(${p.items.map((i) => this.pred(i, bound)).join(p.k === 'and' ? ' AND ' : ' OR ')})`;
      case 'not':
        return `NOT ${this.pred(p.item, other)}`;
      case 'const':
        return p.value ? '1' : '0';
      case 'str':
        if (p.field === null)
          return `arrayExists(v -> ${bound === 'under' ? 'notEmpty(v) AND ' : ''}${this.str(p, 'v', bound)}, mapValues(fields))`;
        // An absent field and an empty list both read as '': an empty value proves nothing.
        return bound === 'under'
          ? `(notEmpty(${this.value(p.field)}) AND ${this.str(p, this.value(p.field), bound)})`
          : this.str(p, this.value(p.field), bound);
      case 'null':
        return `NOT ${this.present(p.field)}`;
      case 'exists':
        // A field whose value was null is not stored: presence proves it, absence does not.
        return bound === 'over' ? '1' : this.present(p.field);
      case 'num': {
        const v = this.value(p.field);
        const test = `coalesce(toFloat64OrNull(trimBoth(${v})) ${NUM_OPS[p.op]} ${this.param('Float64', p.value)}, 0)`;
        return bound === 'over'
          ? `(${this.present(p.field)} AND (isNull(toFloat64OrNull(trimBoth(${v}))) OR ${test}))`
          : `(${test} AND position(${v}, '\\n') = 0)`;
      }
      case 'cidr': {
        const v = this.value(p.field);
        const isIp = `(isIPv4String(${v}) OR isIPv6String(${v}))`;
        const inRange = `if(${isIp}, isIPAddressInRange(${v}, ${this.param('String', p.cidr)}), 0)`;
        return bound === 'over' ? `(${this.present(p.field)} AND (NOT ${isIp} OR ${inRange}))` : inRange;
      }
      case 're':
      case 'time':
      case 'fieldref':
        // JavaScript regular expressions are not RE2, and the rest are rare: the engine decides.
        if (bound === 'under') return '0';
        if (p.k === 'fieldref') return `(${this.present(p.field)} AND ${this.present(p.other)})`;
        return p.field === null ? '1' : this.present(p.field);
    }
  }

  private str(p: StrPred, v: string, bound: Bound): string {
    const h = p.cased ? v : `lowerUTF8(${v})`;
    const t = this.param('String', p.text);
    const cut = `length(${v}) >= ${STORED_TEXT_LIMIT}`;
    const multi = `position(${v}, '\\n') > 0`;
    if (p.op === 'contains') {
      const exact = `position(${h}, ${t}) > 0`;
      return bound === 'over' ? `(${exact} OR ${cut})` : exact;
    }
    if (p.op === 'glob') {
      const like = (loose: boolean) =>
        `(${h} LIKE ${this.param('String', likePattern(p.pattern, p.cased, loose))})`;
      if (bound === 'over') return `(${like(true)} OR ${multi} OR ${cut})`;
      // A value cut in the store proves nothing about how the original ends.
      return p.pattern.some((x) => typeof x !== 'string' && x !== ANY_RUN)
        ? '0'
        : `(${like(false)} AND NOT ${multi} AND NOT ${cut})`;
    }
    const exact =
      p.op === 'eq' ? `${h} = ${t}` : p.op === 'prefix' ? `startsWith(${h}, ${t})` : `endsWith(${h}, ${t})`;
    // A cut value still starts as the original did; its end and its whole are not the original's.
    if (bound === 'under')
      return p.op === 'prefix' ? `(${exact} AND NOT ${multi})` : `(${exact} AND NOT ${multi} AND NOT ${cut})`;
    return `(${exact} OR ${cut} OR (${multi} AND position(${h}, ${t}) > 0))`;
  }
}

/**
 * A LIKE pattern. `loose` widens single-character wildcards and classes to `%`, which makes it an
 * over-approximation whatever LIKE's idea of a character is.
 */
function likePattern(p: Pattern, cased: boolean, loose: boolean): string {
  let out = '';
  for (const part of p) {
    if (part === ANY_RUN) out += '%';
    else if (part === ANY_CHAR || isClass(part)) out += loose ? '%' : '_';
    else out += (cased ? part : part.toLowerCase()).replace(/[\\%_]/g, '\\$&');
  }
  return out;
}

/** A compiled Sigma predicate as a parameterized WHERE condition over the events table. */
export function sigmaToSql(pred: Pred, bound: Bound, paramPrefix = 's'): CompiledSql {
  const c = new SigmaSql(paramPrefix);
  const where = c.pred(pred, bound);
  return { where, params: c.params };
}
