import { ruleKeys, type DetectionRule, type FilterRule, type Logsource, type SigmaRule } from '../model.js';
import { RuleError, RuleSyntaxError } from '../parse/errors.js';
import { compileDetection } from './detection.js';
import type { CompileOptions } from './field-item.js';
import { DEFAULT_BUCKET_FIELDS } from '../engine/ruleset.js';
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
  /** The whole test: the variant's precondition and the detection. */
  readonly pred: Pred;
  /** The detection alone (with filters): what the engine indexes, since buckets cover the rest. */
  readonly detection: Pred;
  /** Required values of each of the outcome's `bucketFields`, or null for any. */
  readonly buckets: readonly (readonly string[] | null)[];
  /** Sigma field name → event field name for this variant. */
  readonly fieldMap: Readonly<Record<string, string>>;
}

export interface CompileOutcome {
  readonly compiled: CompiledRule[];
  /**
   * Fields the engine buckets rules by: `_source`, `Channel`, `EventID`, then every other field a
   * logsource variant's conditions name (`event.module`, `_path`...), so that an event meets only
   * the rules of its own kind of source.
   */
  readonly bucketFields: readonly string[];
  readonly errors: RuleError[];
  /** Rules that compiled with a caveat (unknown logsource, wildcard placeholder, ...). */
  readonly notes: { rule: DetectionRule; note: string }[];
}

export interface RulesCompileOptions {
  readonly placeholders?: ReadonlyMap<string, readonly string[]>;
  readonly unknownPlaceholders?: 'reject' | 'wildcard';
}

/** For logsources without a mapping: events whose shape no source file recognised. */
const UNMAPPED: LogsourceVariant = { name: 'unmapped', conditions: [], fields: {} };
const UNRECOGNISED_SHAPE: Pred = { k: 'null', field: '_source' };

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

/**
 * Compiles detection rules against the logsource variants they apply to, with the filters that
 * target them. A rule that fails is reported (file:line, reason) and the rest still compile.
 */
export function compileRules(
  rules: readonly SigmaRule[],
  resolve: VariantResolver,
  options: RulesCompileOptions = {},
): CompileOutcome {
  const outcome = { errors: [] as RuleError[], notes: [] as { rule: DetectionRule; note: string }[] };
  const compiled: { rule: Omit<CompiledRule, 'buckets'>; variant: LogsourceVariant }[] = [];
  const bucketFields = [...DEFAULT_BUCKET_FIELDS];
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
      const { product, category, service } = rule.logsource;
      const ls = JSON.stringify({ product, category, service });
      outcome.notes.push({
        rule,
        note: `logsource ${ls} has no mapping; matched only against events of an unrecognised shape`,
      });
      variants = [UNMAPPED];
    }
    const filters = ruleKeys(rule).flatMap((k) => filtersByRule.get(k) ?? []);
    const done: typeof compiled = [];
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
          rule: {
            rule,
            variant: variant.name,
            pred: and([variant === UNMAPPED ? UNRECOGNISED_SHAPE : preconditionOf(variant), pred]),
            detection: pred,
            fieldMap: variant.fields,
          },
          variant,
        });
      }
      compiled.push(...done);
      for (const { variant } of done)
        for (const c of variant.conditions) if (!bucketFields.includes(c.field)) bucketFields.push(c.field);
    } catch (e) {
      if (!(e instanceof RuleSyntaxError)) {
        // A defect must not stop the other rules from loading; report it like a bad rule.
        outcome.errors.push(
          new RuleError(
            `internal error while compiling: ${(e as Error).message}`,
            current.source.file,
            current.source.line,
          ),
        );
        continue;
      }
      const what = current === rule ? '' : ` (in filter ${current.title} for rule ${rule.id ?? rule.title})`;
      outcome.errors.push(new RuleError(e.message + what, current.source.file, e.line));
    }
  }
  return {
    ...outcome,
    bucketFields,
    compiled: compiled.map(({ rule, variant }) => ({
      ...rule,
      buckets: bucketFields.map((f) =>
        variant === UNMAPPED ? (f === '_source' ? [''] : null) : valuesOf(variant, f),
      ),
    })),
  };
}
