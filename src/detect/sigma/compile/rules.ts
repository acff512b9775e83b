import type { DetectionRule, FilterRule, Logsource, SigmaRule } from '../model.js';
import { RuleError, RuleSyntaxError } from '../parse/errors.js';
import { compileDetection } from './detection.js';
import type { CompileOptions } from './field-item.js';
import { and, not, or, type Pred } from './predicate.js';

/** One way a logsource appears in events: its preconditions and field names. */
export interface LogsourceVariant {
  readonly name: string;
  readonly conditions: readonly { readonly field: string; readonly values: readonly (string | number)[] }[];
  /** Sigma field name → field name in this variant's events, where they differ. */
  readonly fields: Readonly<Record<string, string>>;
}

export type VariantResolver = (logsource: Logsource) => readonly LogsourceVariant[];

/** A detection rule compiled for one logsource variant. */
export interface CompiledRule {
  readonly rule: DetectionRule;
  readonly variant: string;
  readonly pred: Pred;
  readonly channels: readonly string[] | null;
  readonly eventIds: readonly string[] | null;
  /** Sigma field name → event field name for this variant. */
  readonly fieldMap: Readonly<Record<string, string>>;
}

export interface CompileOutcome {
  readonly compiled: CompiledRule[];
  readonly errors: RuleError[];
  /** Rules that compiled with a caveat (unknown logsource, wildcard placeholder, ...). */
  readonly notes: { rule: DetectionRule; note: string }[];
}

export interface RulesCompileOptions {
  readonly placeholders?: ReadonlyMap<string, readonly string[]>;
  readonly unknownPlaceholders?: 'reject' | 'wildcard';
}

const NO_VARIANT: LogsourceVariant = { name: 'any', conditions: [], fields: {} };

function preconditionOf(v: LogsourceVariant): Pred {
  return and(
    v.conditions.map((c) =>
      or(
        c.values.map((value) => ({
          k: 'str' as const,
          field: c.field,
          op: 'eq' as const,
          text: String(value).toLowerCase(),
          pattern: [String(value).toLowerCase()],
          re: null,
          cased: false,
        })),
      ),
    ),
  );
}

function valuesOf(v: LogsourceVariant, field: string): string[] | null {
  const c = v.conditions.find((x) => x.field === field);
  return c ? c.values.map((x) => String(x).toLowerCase()) : null;
}

function ruleKeys(rule: SigmaRule): string[] {
  return [rule.id, rule.name].filter((x): x is string => x !== undefined);
}

/**
 * Compiles detection rules against the logsource variants they apply to, with the filters that
 * target them. A rule that fails is reported (file:line, reason) and the rest still compile.
 */
export function compileRules(
  rules: readonly SigmaRule[],
  resolve: VariantResolver,
  options: RulesCompileOptions = {},
): CompileOutcome {
  const outcome: CompileOutcome = { compiled: [], errors: [], notes: [] };
  const filtersByRule = new Map<string, FilterRule[]>();
  for (const r of rules) {
    if (r.type !== 'filter') continue;
    for (const target of r.rules) {
      const list = filtersByRule.get(target);
      if (list) list.push(r);
      else filtersByRule.set(target, [r]);
    }
  }
  for (const rule of rules) {
    if (rule.type !== 'detection') continue;
    let variants = resolve(rule.logsource);
    if (variants.length === 0) {
      outcome.notes.push({
        rule,
        note: `logsource ${JSON.stringify(rule.logsource)} has no mapping; matched against every event`,
      });
      variants = [NO_VARIANT];
    }
    const filters = ruleKeys(rule).flatMap((k) => filtersByRule.get(k) ?? []);
    const done: CompiledRule[] = [];
    let current: SigmaRule = rule;
    try {
      for (const variant of variants) {
        const opts: CompileOptions = {
          mapField: (f) => variant.fields[f] ?? f,
          placeholders: options.placeholders ?? new Map(),
          unknownPlaceholders: options.unknownPlaceholders ?? 'wildcard',
          onNote: (note) => outcome.notes.push({ rule, note }),
        };
        current = rule;
        let pred = compileDetection(rule.detection, opts, rule.source.line);
        for (const f of filters) {
          current = f;
          pred = and([pred, not(compileDetection(f.detection, opts, f.source.line))]);
        }
        done.push({
          rule,
          variant: variant.name,
          pred: and([preconditionOf(variant), pred]),
          channels: valuesOf(variant, 'Channel'),
          eventIds: valuesOf(variant, 'EventID'),
          fieldMap: variant.fields,
        });
      }
      outcome.compiled.push(...done);
    } catch (e) {
      if (!(e instanceof RuleSyntaxError)) throw e;
      const what = current === rule ? '' : ` (in filter ${current.title} for rule ${rule.id ?? rule.title})`;
      outcome.errors.push(new RuleError(e.message + what, current.source.file, e.line));
    }
  }
  return outcome;
}
