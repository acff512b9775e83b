import { compileRules, type LogsourceVariant } from '../compile/rules.js';
import type { Pred } from '../compile/predicate.js';
import { viewOf, type FieldValue } from '../engine/event-view.js';
import { evaluate } from '../engine/reference.js';
import { parseRules } from '../parse/rule.js';

/** Compiles the single detection rule in `yaml` (no logsource mapping); throws on any error. */
export function compileYaml(yaml: string, variants: readonly LogsourceVariant[] = []): Pred {
  const parsed = parseRules(yaml, 'test.yml');
  if (parsed.errors.length > 0) throw parsed.errors[0]!;
  const out = compileRules(parsed.rules, () => variants);
  if (out.errors.length > 0) throw out.errors[0]!;
  return out.compiled[0]!.pred;
}

/** A rule with one selection, built from a detection body. */
export function ruleWith(detection: string): string {
  return `title: t\nid: 00000000-0000-4000-8000-000000000000\nlogsource:\n  product: test\ndetection:\n${detection
    .trim()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}\nlevel: high\n`;
}

export function matches(pred: Pred, event: Record<string, FieldValue>): boolean {
  return evaluate(pred, viewOf(event));
}
