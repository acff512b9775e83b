import type { ConditionExpr } from '../model.js';
import { RuleSyntaxError } from './errors.js';

/**
 * The Sigma condition grammar, loosest to tightest binding: `or`, `and`, `not`, `N of pattern`,
 * parentheses. Identifiers may hold `*` wildcards only inside `of` patterns.
 */
type Token = { t: 'word'; v: string; at: number } | { t: '(' | ')' | 'end'; at: number };

const WORD = /[A-Za-z0-9_*?.-]+/y;

function tokenize(text: string, line: number): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ t: c, at: i });
      i++;
    } else {
      WORD.lastIndex = i;
      const m = WORD.exec(text);
      if (!m) {
        if (c === '|')
          throw new RuleSyntaxError(
            'aggregation expressions (`| count() ...`) are not supported; use a correlation rule',
            line,
          );
        throw new RuleSyntaxError(
          `unexpected character ${JSON.stringify(c)} in condition at column ${i + 1}`,
          line,
        );
      }
      tokens.push({ t: 'word', v: m[0], at: i });
      i += m[0].length;
    }
  }
  tokens.push({ t: 'end', at: text.length });
  return tokens;
}

class ConditionParser {
  private i = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly text: string,
    private readonly line: number,
  ) {}

  private peek(): Token {
    return this.tokens[this.i]!;
  }

  private keyword(tok: Token): string | null {
    return tok.t === 'word' ? tok.v.toLowerCase() : null;
  }

  private fail(message: string, tok: Token): never {
    throw new RuleSyntaxError(
      `${message} at column ${tok.at + 1} of condition ${JSON.stringify(this.text)}`,
      this.line,
    );
  }

  parse(): ConditionExpr {
    const expr = this.or();
    const tok = this.peek();
    if (tok.t !== 'end') this.fail(`unexpected ${tok.t === 'word' ? JSON.stringify(tok.v) : tok.t}`, tok);
    return expr;
  }

  private or(): ConditionExpr {
    const items = [this.and()];
    while (this.keyword(this.peek()) === 'or') {
      this.i++;
      items.push(this.and());
    }
    return items.length === 1 ? items[0]! : { kind: 'or', items };
  }

  private and(): ConditionExpr {
    const items = [this.not()];
    while (this.keyword(this.peek()) === 'and') {
      this.i++;
      items.push(this.not());
    }
    return items.length === 1 ? items[0]! : { kind: 'and', items };
  }

  private not(): ConditionExpr {
    if (this.keyword(this.peek()) === 'not') {
      this.i++;
      return { kind: 'not', item: this.not() };
    }
    return this.primary();
  }

  private primary(): ConditionExpr {
    const tok = this.peek();
    if (tok.t === '(') {
      this.i++;
      const inner = this.or();
      const close = this.peek();
      if (close.t !== ')') this.fail('missing closing parenthesis', close);
      this.i++;
      return inner;
    }
    if (tok.t !== 'word')
      this.fail(tok.t === 'end' ? 'condition ends too early' : `unexpected ${tok.t}`, tok);
    const word = tok.v.toLowerCase();
    const next = this.tokens[this.i + 1]!;
    if ((word === 'all' || word === 'any' || /^\d+$/.test(word)) && this.keyword(next) === 'of') {
      this.i += 2;
      const target = this.peek();
      if (target.t !== 'word') this.fail(`\`${word} of\` needs an identifier pattern or \`them\``, target);
      this.i++;
      const quantifier = word === 'all' ? 'all' : word === 'any' ? 1 : Number(word);
      if (quantifier === 0) this.fail('`0 of` never matches', tok);
      return { kind: 'of', quantifier, pattern: target.v };
    }
    if (word === 'and' || word === 'or' || word === 'not' || word === 'of')
      this.fail(`unexpected \`${word}\``, tok);
    if (tok.v.includes('*'))
      this.fail(`wildcard identifier ${JSON.stringify(tok.v)} needs \`1 of\` or \`all of\``, tok);
    this.i++;
    return { kind: 'ref', name: tok.v };
  }
}

export function parseCondition(text: string, line: number): ConditionExpr {
  return new ConditionParser(tokenize(text, line), text, line).parse();
}
