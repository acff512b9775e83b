/** Sigma rules as Vigil understands them: parsed, typed, with where each came from. */

export const LEVELS = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type Level = (typeof LEVELS)[number];

export function levelRank(level: Level): number {
  return LEVELS.indexOf(level);
}

export interface RuleSource {
  readonly file: string;
  readonly line: number;
}

export interface Logsource {
  readonly product?: string;
  readonly category?: string;
  readonly service?: string;
  readonly definition?: string;
}

/** A string value with Sigma wildcards: literal text, `*` (any run) and `?` (one character). */
export type GlobPart = string | typeof ANY_RUN | typeof ANY_CHAR;
export const ANY_RUN: unique symbol = Symbol('*');
export const ANY_CHAR: unique symbol = Symbol('?');

export type PlainValue = string | number | boolean | null;

/** One `field|mod1|mod2: values` item of a search identifier. */
export interface FieldItem {
  readonly kind: 'field';
  /** Empty for keyword searches written with modifiers (`'|all': [...]`). */
  readonly field: string;
  readonly modifiers: readonly string[];
  readonly values: readonly PlainValue[];
  readonly line: number;
}

/** A bare keyword list: matched against every value of the event. */
export interface KeywordItem {
  readonly kind: 'keywords';
  readonly values: readonly PlainValue[];
  readonly line: number;
}

/** A search identifier's definition: maps are AND of items, lists are OR of their elements. */
export type SearchNode =
  | { readonly kind: 'map'; readonly items: readonly FieldItem[]; readonly line: number }
  | { readonly kind: 'list'; readonly items: readonly SearchNode[]; readonly line: number }
  | KeywordItem;

export type ConditionExpr =
  | { readonly kind: 'and' | 'or'; readonly items: readonly ConditionExpr[] }
  | { readonly kind: 'not'; readonly item: ConditionExpr }
  | { readonly kind: 'ref'; readonly name: string }
  /** `1 of sel*`, `all of them`, `any of x*`: quantifier over identifiers matching a pattern. */
  | { readonly kind: 'of'; readonly quantifier: number | 'all'; readonly pattern: string };

export interface Detection {
  readonly searches: ReadonlyMap<string, SearchNode>;
  /** A list of conditions is OR-ed. */
  readonly conditions: readonly ConditionExpr[];
}

interface RuleBase {
  readonly id: string | undefined;
  readonly name: string | undefined;
  readonly title: string;
  readonly description: string | undefined;
  readonly status: string | undefined;
  readonly author: string | undefined;
  readonly date: string | undefined;
  readonly modified: string | undefined;
  readonly references: readonly string[];
  readonly tags: readonly string[];
  readonly source: RuleSource;
}

export interface DetectionRule extends RuleBase {
  readonly type: 'detection';
  readonly level: Level;
  readonly logsource: Logsource;
  readonly detection: Detection;
  readonly falsepositives: readonly string[];
  readonly fields: readonly string[];
}

/** A Sigma filter (meta-filter): suppresses matches of the listed rules. */
export interface FilterRule extends RuleBase {
  readonly type: 'filter';
  readonly logsource: Logsource;
  readonly rules: readonly string[];
  readonly detection: Detection;
}

export const CORRELATION_TYPES = [
  'event_count',
  'value_count',
  'temporal',
  'temporal_ordered',
  'value_sum',
  'value_avg',
  'value_percentile',
  'value_median',
] as const;
export type CorrelationType = (typeof CORRELATION_TYPES)[number];

export interface CorrelationCondition {
  readonly gt?: number;
  readonly gte?: number;
  readonly lt?: number;
  readonly lte?: number;
  readonly eq?: number;
  readonly neq?: number;
  /** The field aggregated by value_* correlations. */
  readonly field?: string;
  /** For value_percentile: which percentile (0-100). */
  readonly percentile?: number;
}

export interface CorrelationRule extends RuleBase {
  readonly type: 'correlation';
  readonly level: Level;
  readonly correlation: {
    readonly type: CorrelationType;
    /** Ids or names of the rules whose matches are correlated. */
    readonly rules: readonly string[];
    readonly groupBy: readonly string[];
    /** Milliseconds. */
    readonly timespan: number;
    readonly condition: CorrelationCondition | null;
    /** alias → (rule id or name → field in that rule's events). */
    readonly aliases: ReadonlyMap<string, ReadonlyMap<string, string>>;
    /** Whether the referenced rules also produce their own alerts. */
    readonly generate: boolean;
  };
  readonly falsepositives: readonly string[];
}

export type SigmaRule = DetectionRule | FilterRule | CorrelationRule;

/** The names a rule is referred to by, in filters and correlations: its id and its name. */
export function ruleKeys(rule: SigmaRule): string[] {
  return [rule.id, rule.name].filter((k): k is string => k !== undefined);
}
