import type { ConditionExpr, Detection, SearchNode } from '../model.js';
import { RuleSyntaxError } from '../parse/errors.js';
import { compileItem, type CompileOptions } from './field-item.js';
import { and, not, or, type Pred } from './predicate.js';

function globToRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '.*')}$`);
}

/** Combinations of `k` out of `items`, bounded: `N of` with large N is hostile or a typo. */
function atLeast(k: number, items: Pred[], line: number): Pred {
  if (k > items.length) return or([]);
  let count = 1;
  for (let i = 0; i < k; i++) count = (count * (items.length - i)) / (i + 1);
  if (count > 1000)
    throw new RuleSyntaxError(`\`${k} of\` over ${items.length} identifiers is too large to evaluate`, line);
  const out: Pred[] = [];
  const pick = (start: number, chosen: Pred[]): void => {
    if (chosen.length === k) {
      out.push(and(chosen));
      return;
    }
    for (let i = start; i < items.length; i++) pick(i + 1, [...chosen, items[i]!]);
  };
  pick(0, []);
  return or(out);
}

/** Compiles a detection (search identifiers + condition) into one predicate. */
export function compileDetection(detection: Detection, opts: CompileOptions, line: number): Pred {
  const cache = new Map<string, Pred>();
  const node = (n: SearchNode): Pred => {
    switch (n.kind) {
      case 'map':
        return and(n.items.map((i) => compileItem(i, opts)));
      case 'list':
        return or(n.items.map(node));
      case 'keywords':
        return compileItem(n, opts);
    }
  };
  const search = (name: string): Pred => {
    let p = cache.get(name);
    if (p === undefined) {
      p = node(detection.searches.get(name)!);
      cache.set(name, p);
    }
    return p;
  };
  const names = [...detection.searches.keys()];
  const condition = (expr: ConditionExpr): Pred => {
    switch (expr.kind) {
      case 'and':
        return and(expr.items.map(condition));
      case 'or':
        return or(expr.items.map(condition));
      case 'not':
        return not(condition(expr.item));
      case 'ref':
        return search(expr.name);
      case 'of': {
        const chosen =
          expr.pattern === 'them'
            ? names.filter((n) => !n.startsWith('_'))
            : names.filter((n) => globToRegExp(expr.pattern).test(n));
        const preds = chosen.map(search);
        if (expr.quantifier === 'all') return and(preds);
        if (expr.quantifier === 1) return or(preds);
        return atLeast(expr.quantifier, preds, line);
      }
    }
  };
  return or(detection.conditions.map(condition));
}
