import {
  SearchSyntaxError,
  type Bound,
  type QueryNode,
  type TermNode,
  type Value,
  type WildcardMark,
} from './ast.js';

export const LIMITS = { length: 10_000, depth: 64, clauses: 1_000 } as const;

/** Characters a backslash escapes inside a word; before anything else it is a plain backslash (Windows paths). */
const ESCAPABLE = new Set(['*', '?', ':', '(', ')', '"', ' ', '[', ']', '{', '}', '\\']);
const WORD_END = new Set([' ', '\t', '\n', '\r', '(', ')', '"']);

/**
 * Lucene/KQL-like syntax: `field:value`, `"phrases"`, `*` and `?` wildcards, `AND`/`OR`/`NOT`
 * (also `&&`, `||`, `!` and a leading `-`), parentheses, implicit AND, ranges `[a TO b]`,
 * `{a TO b}`, `>=n`, and `field:(a OR b)`. Precedence: NOT, then AND, then OR. Keywords are
 * upper case: a lower-case `and` is a search term.
 */
export function parseQuery(query: string): QueryNode {
  if (query.length > LIMITS.length)
    throw new SearchSyntaxError(`the query is longer than ${LIMITS.length} characters`, LIMITS.length);
  const p = new Parser(query);
  p.skipSpace();
  if (p.atEnd()) return { k: 'all' };
  const node = p.parseOr(null, 0);
  p.skipSpace();
  if (!p.atEnd())
    throw new SearchSyntaxError(p.peek() === ')' ? "unexpected ')'" : 'unexpected input', p.pos);
  return node;
}

class Parser {
  pos = 0;
  private clauses = 0;

  constructor(private readonly s: string) {}

  atEnd(): boolean {
    return this.pos >= this.s.length;
  }
  peek(): string {
    return this.s[this.pos] ?? '';
  }
  skipSpace(): void {
    while (/\s/.test(this.peek()) && !this.atEnd()) this.pos++;
  }

  /** A keyword at the cursor, followed by a word boundary. */
  private keyword(...words: string[]): string | null {
    for (const w of words) {
      if (!this.s.startsWith(w, this.pos)) continue;
      const after = this.s[this.pos + w.length] ?? ' ';
      const symbolic = !/[A-Z]/.test(w);
      if (symbolic || WORD_END.has(after) || after === '(') return w;
    }
    return null;
  }

  parseOr(field: string | null, depth: number): QueryNode {
    const items = [this.parseAnd(field, depth)];
    for (;;) {
      this.skipSpace();
      const k = this.keyword('OR', '||');
      if (k === null) break;
      this.pos += k.length;
      items.push(this.parseAnd(field, depth));
    }
    return items.length === 1 ? items[0]! : { k: 'or', items };
  }

  private parseAnd(field: string | null, depth: number): QueryNode {
    const items = [this.parseUnary(field, depth)];
    for (;;) {
      this.skipSpace();
      if (this.atEnd() || this.peek() === ')' || this.keyword('OR', '||') !== null) break;
      const k = this.keyword('AND', '&&');
      if (k !== null) this.pos += k.length;
      items.push(this.parseUnary(field, depth));
    }
    return items.length === 1 ? items[0]! : { k: 'and', items };
  }

  private parseUnary(field: string | null, depth: number): QueryNode {
    this.skipSpace();
    const start = this.pos;
    const k = this.keyword('NOT', '!');
    if (k !== null || (this.peek() === '-' && !WORD_END.has(this.s[this.pos + 1] ?? ' '))) {
      this.pos += k?.length ?? 1;
      if (depth >= LIMITS.depth)
        throw new SearchSyntaxError(`negations nest deeper than ${LIMITS.depth}`, start);
      return { k: 'not', item: this.parseUnary(field, depth + 1) };
    }
    return this.parsePrimary(field, depth);
  }

  private parsePrimary(field: string | null, depth: number): QueryNode {
    this.skipSpace();
    if (this.atEnd()) throw new SearchSyntaxError('expected a search term', this.pos);
    if (this.peek() === '(') {
      if (depth >= LIMITS.depth)
        throw new SearchSyntaxError(`parentheses nest deeper than ${LIMITS.depth}`, this.pos);
      this.pos++;
      const inner = this.parseOr(field, depth + 1);
      this.skipSpace();
      if (this.peek() !== ')') throw new SearchSyntaxError("expected ')'", this.pos);
      this.pos++;
      return inner;
    }
    if (this.peek() === ')') throw new SearchSyntaxError("unexpected ')'", this.pos);
    if (++this.clauses > LIMITS.clauses)
      throw new SearchSyntaxError(`more than ${LIMITS.clauses} clauses`, this.pos);
    if (field === null) {
      const name = this.fieldName();
      if (name !== null) {
        if (this.peek() === '(') {
          if (depth >= LIMITS.depth)
            throw new SearchSyntaxError(`parentheses nest deeper than ${LIMITS.depth}`, this.pos);
          this.pos++;
          const inner = this.parseOr(name, depth + 1);
          this.skipSpace();
          if (this.peek() !== ')') throw new SearchSyntaxError("expected ')'", this.pos);
          this.pos++;
          return inner;
        }
        return this.term(name);
      }
    }
    return this.term(field);
  }

  /** `name:` at the cursor (name without unescaped specials); consumes it and returns the name. */
  private fieldName(): string | null {
    const m = /^([A-Za-z_@$][\w.@$-]*):/.exec(this.s.slice(this.pos, this.pos + 260));
    if (m === null) return null;
    this.pos += m[0].length;
    if (this.atEnd() || /\s/.test(this.peek()))
      throw new SearchSyntaxError(`expected a value after "${m[1]}:"`, this.pos);
    return m[1]!;
  }

  private term(field: string | null): TermNode {
    return { k: 'term', field, value: this.value(field) };
  }

  private value(field: string | null): Value {
    const c = this.peek();
    const start = this.pos;
    if (c === '"') return { k: 'text', text: this.phrase(), phrase: true };
    if (c === '[' || c === '{') {
      if (field === null) throw new SearchSyntaxError('a range needs a field (field:[a TO b])', start);
      return this.range();
    }
    if (c === '>' || c === '<') {
      if (field === null) throw new SearchSyntaxError('a comparison needs a field (field:>10)', start);
      const op = this.s.startsWith('=', this.pos + 1) ? `${c}=` : c;
      this.pos += op.length;
      const bound = { value: this.plainWord(), inclusive: op.length === 2 };
      if (bound.value === '') throw new SearchSyntaxError(`expected a value after ${op}`, this.pos);
      return op.startsWith('>')
        ? { k: 'range', low: bound, high: null }
        : { k: 'range', low: null, high: bound };
    }
    const parts = this.word();
    if (parts.length === 0) throw new SearchSyntaxError('expected a search term', start);
    if (parts.length === 1 && typeof parts[0] !== 'string' && parts[0]!.wildcard === '*' && field !== null)
      return { k: 'exists' };
    if (parts.every((x) => typeof x === 'string')) return { k: 'text', text: parts.join(''), phrase: false };
    return { k: 'wildcard', parts };
  }

  private phrase(): string {
    const start = this.pos;
    this.pos++;
    let out = '';
    while (!this.atEnd()) {
      const c = this.s[this.pos]!;
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c === '\\' && (this.s[this.pos + 1] === '"' || this.s[this.pos + 1] === '\\')) {
        out += this.s[this.pos + 1];
        this.pos += 2;
        continue;
      }
      out += c;
      this.pos++;
    }
    throw new SearchSyntaxError('unterminated "phrase"', start);
  }

  /** A word, with wildcards as markers and escapes resolved. */
  private word(): (string | WildcardMark)[] {
    const parts: (string | WildcardMark)[] = [];
    let text = '';
    while (!this.atEnd() && !WORD_END.has(this.peek())) {
      const c = this.s[this.pos]!;
      if (c === '\\' && ESCAPABLE.has(this.s[this.pos + 1] ?? '')) {
        text += this.s[this.pos + 1];
        this.pos += 2;
        continue;
      }
      if (c === '*' || c === '?') {
        if (text !== '') parts.push(text);
        text = '';
        parts.push({ wildcard: c });
      } else text += c;
      this.pos++;
    }
    if (text !== '') parts.push(text);
    return parts;
  }

  private plainWord(): string {
    if (this.peek() === '"') return this.phrase();
    const start = this.pos;
    while (!this.atEnd() && !WORD_END.has(this.peek()) && !']}'.includes(this.peek())) this.pos++;
    return this.s.slice(start, this.pos);
  }

  private range(): Value {
    const open = this.peek();
    const start = this.pos;
    this.pos++;
    this.skipSpace();
    const low = this.plainWord();
    this.skipSpace();
    if (!this.s.startsWith('TO', this.pos)) throw new SearchSyntaxError("expected 'TO' in a range", this.pos);
    this.pos += 2;
    this.skipSpace();
    const high = this.plainWord();
    this.skipSpace();
    const close = this.peek();
    if (close !== ']' && close !== '}')
      throw new SearchSyntaxError("expected ']' or '}' to close the range", this.pos);
    this.pos++;
    if (low === '' || high === '')
      throw new SearchSyntaxError('a range needs two bounds (use * for open)', start);
    const bound = (v: string, inclusive: boolean): Bound | null =>
      v === '*' ? null : { value: v, inclusive };
    return { k: 'range', low: bound(low, open === '['), high: bound(high, close === ']') };
  }
}

/** The positive literal values of a query, for highlighting results. */
export function searchTerms(node: QueryNode): string[] {
  const out: string[] = [];
  const walk = (n: QueryNode, negated: boolean): void => {
    if (n.k === 'and' || n.k === 'or') n.items.forEach((i) => walk(i, negated));
    else if (n.k === 'not') walk(n.item, !negated);
    else if (n.k === 'term' && !negated) {
      if (n.value.k === 'text') out.push(n.value.text);
      else if (n.value.k === 'wildcard')
        for (const p of n.value.parts) if (typeof p === 'string' && p.length > 1) out.push(p);
    }
  };
  walk(node, false);
  return [...new Set(out)];
}
