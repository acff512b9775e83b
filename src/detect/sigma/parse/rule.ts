import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Node,
  type Pair,
  type YAMLMap,
} from 'yaml';
import {
  CORRELATION_TYPES,
  LEVELS,
  type ConditionExpr,
  type CorrelationCondition,
  type CorrelationRule,
  type CorrelationType,
  type Detection,
  type DetectionRule,
  type FieldItem,
  type FilterRule,
  type Level,
  type Logsource,
  type PlainValue,
  type SearchNode,
  type SigmaRule,
} from '../model.js';
import { parseCondition } from './condition.js';
import { RuleError, RuleSyntaxError } from './errors.js';
import { parseTimespan } from './timespan.js';

export interface ParseOutcome {
  rules: SigmaRule[];
  errors: RuleError[];
}

const NULL_SOURCES = new Set(['', '~', 'null', 'Null', 'NULL']);

/** Reads YAML with line numbers; every failure inside one document becomes a RuleSyntaxError. */
class DocReader {
  constructor(private readonly lines: LineCounter) {}

  line(node: Node | null | undefined): number {
    const at = node?.range?.[0];
    return at === undefined ? 1 : this.lines.linePos(at).line;
  }

  fail(message: string, node: Node | null | undefined): never {
    throw new RuleSyntaxError(message, this.line(node));
  }

  /** A scalar as Sigma sees it: numbers only when written as plain decimal numbers. */
  plain(node: Node | null, where: string): PlainValue {
    if (node === null) return null;
    if (!isScalar(node))
      this.fail(`${where}: expected a single value, found a ${isMap(node) ? 'map' : 'list'}`, node);
    const v = node.value;
    const source = (node as { source?: string }).source;
    if (typeof v === 'number') {
      if (source !== undefined && String(v) !== source) return source;
      return Number.isFinite(v) ? v : String(source ?? v);
    }
    if (v === null) return source !== undefined && !NULL_SOURCES.has(source) ? source : null;
    if (typeof v === 'string' || typeof v === 'boolean') return v;
    return String(v);
  }

  text(map: YAMLMap, key: string, required: boolean): string | undefined {
    const node = map.get(key, true) as Node | undefined;
    if (node === undefined || (isScalar(node) && node.value === null)) {
      if (required) this.fail(`missing \`${key}\``, map);
      return undefined;
    }
    if (!isScalar(node)) this.fail(`\`${key}\` must be a single value`, node);
    return String(node.value);
  }

  strings(map: YAMLMap, key: string): string[] {
    const node = map.get(key, true) as Node | undefined;
    if (node === undefined || (isScalar(node) && node.value === null)) return [];
    if (isScalar(node)) return [String(node.value)];
    if (!isSeq(node)) this.fail(`\`${key}\` must be a list`, node);
    return node.items.map((item) => {
      if (!isScalar(item)) this.fail(`\`${key}\` entries must be single values`, item as Node);
      return String(item.value);
    });
  }

  map(map: YAMLMap, key: string, required: boolean): YAMLMap | undefined {
    const node = map.get(key, true) as Node | undefined;
    if (node === undefined || (isScalar(node) && node.value === null)) {
      if (required) this.fail(`missing \`${key}\``, map);
      return undefined;
    }
    if (!isMap(node)) this.fail(`\`${key}\` must be a map`, node);
    return node;
  }
}

function pairKey(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value ?? '') : String(pair.key);
}

function parseLevel(r: DocReader, map: YAMLMap): Level {
  const level = r.text(map, 'level', false)?.toLowerCase();
  if (level === undefined) return 'medium';
  if (!(LEVELS as readonly string[]).includes(level))
    r.fail(
      `unknown level ${JSON.stringify(level)} (expected ${LEVELS.join(', ')})`,
      map.get('level', true) as Node,
    );
  return level as Level;
}

function parseLogsource(r: DocReader, map: YAMLMap, required: boolean): Logsource {
  const ls = r.map(map, 'logsource', required);
  if (!ls) return {};
  const out: Record<string, string> = {};
  for (const key of ['product', 'category', 'service', 'definition']) {
    const v = r.text(ls, key, false);
    if (v !== undefined) out[key] = key === 'definition' ? v : v.toLowerCase();
  }
  return out as Logsource;
}

function fieldItem(r: DocReader, pair: Pair): FieldItem {
  const key = pairKey(pair);
  const [field = '', ...modifiers] = key.split('|');
  const node = pair.value as Node | null;
  const line = r.line(pair.key as Node);
  let values: PlainValue[];
  if (isSeq(node)) {
    values = node.items.map((item) => r.plain(item as Node, `field ${JSON.stringify(key)}`));
    if (values.length === 0) r.fail(`field ${JSON.stringify(key)} has an empty list of values`, node);
  } else {
    values = [r.plain(node, `field ${JSON.stringify(key)}`)];
  }
  return { kind: 'field', field, modifiers: modifiers.map((m) => m.toLowerCase()), values, line };
}

function searchNode(r: DocReader, node: Node | null, name: string): SearchNode {
  if (isMap(node)) {
    if (node.items.length === 0) r.fail(`search identifier \`${name}\` is an empty map`, node);
    return { kind: 'map', items: node.items.map((p) => fieldItem(r, p)), line: r.line(node) };
  }
  if (isSeq(node)) {
    if (node.items.length === 0) r.fail(`search identifier \`${name}\` is an empty list`, node);
    const items = node.items as Node[];
    if (items.every((i) => isScalar(i))) {
      return {
        kind: 'keywords',
        values: items.map((i) => r.plain(i, `keyword in \`${name}\``)),
        line: r.line(node),
      };
    }
    return {
      kind: 'list',
      items: items.map((i) =>
        isScalar(i)
          ? { kind: 'keywords' as const, values: [r.plain(i, name)], line: r.line(i) }
          : searchNode(r, i, name),
      ),
      line: r.line(node),
    };
  }
  if (isScalar(node) && node.value !== null) {
    return { kind: 'keywords', values: [r.plain(node, name)], line: r.line(node) };
  }
  return r.fail(`search identifier \`${name}\` has no definition`, node);
}

function identifiersIn(expr: ConditionExpr, out: string[] = []): string[] {
  if (expr.kind === 'ref') out.push(expr.name);
  else if (expr.kind === 'not') identifiersIn(expr.item, out);
  else if (expr.kind === 'and' || expr.kind === 'or') for (const i of expr.items) identifiersIn(i, out);
  return out;
}

function globToRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '.*')}$`);
}

function parseDetection(r: DocReader, detectionMap: YAMLMap): Detection {
  const searches = new Map<string, SearchNode>();
  let conditionNode: Node | undefined;
  for (const pair of detectionMap.items) {
    const key = pairKey(pair);
    if (key === 'condition') conditionNode = pair.value as Node;
    else if (key === 'timeframe')
      continue; // legacy, only meaningful with aggregations
    else searches.set(key, searchNode(r, pair.value as Node | null, key));
  }
  if (conditionNode === undefined) r.fail('detection has no `condition`', detectionMap);
  const texts: { text: string; node: Node }[] = [];
  if (isSeq(conditionNode))
    for (const c of conditionNode.items)
      texts.push({ text: String(r.plain(c as Node, 'condition')), node: c as Node });
  else texts.push({ text: String(r.plain(conditionNode, 'condition')), node: conditionNode });
  const conditions = texts.map(({ text, node }) => {
    const expr = parseCondition(text, r.line(node));
    for (const name of identifiersIn(expr)) {
      if (!searches.has(name)) r.fail(`condition refers to unknown search identifier \`${name}\``, node);
    }
    return expr;
  });
  // `N of pattern` must match at least one identifier, or the rule is silently dead.
  const checkOf = (expr: ConditionExpr, node: Node): void => {
    if (expr.kind === 'of' && expr.pattern !== 'them') {
      const re = globToRegExp(expr.pattern);
      if (![...searches.keys()].some((k) => re.test(k)))
        r.fail(`\`${expr.pattern}\` matches no search identifier`, node);
    } else if (expr.kind === 'not') checkOf(expr.item, node);
    else if (expr.kind === 'and' || expr.kind === 'or') for (const i of expr.items) checkOf(i, node);
  };
  conditions.forEach((c, i) => checkOf(c, texts[i]!.node));
  return { searches, conditions };
}

function base(r: DocReader, map: YAMLMap, file: string) {
  const id = r.text(map, 'id', false);
  return {
    id,
    name: r.text(map, 'name', false),
    title: r.text(map, 'title', true)!,
    description: r.text(map, 'description', false),
    status: r.text(map, 'status', false)?.toLowerCase(),
    author: r.text(map, 'author', false),
    date: r.text(map, 'date', false),
    modified: r.text(map, 'modified', false),
    references: r.strings(map, 'references'),
    tags: r.strings(map, 'tags').map((t) => t.toLowerCase()),
    source: { file, line: r.line(map) },
  };
}

function parseDetectionRule(r: DocReader, map: YAMLMap, file: string): DetectionRule {
  return {
    type: 'detection',
    ...base(r, map, file),
    level: parseLevel(r, map),
    logsource: parseLogsource(r, map, true),
    detection: parseDetection(r, r.map(map, 'detection', true)!),
    falsepositives: r.strings(map, 'falsepositives'),
    fields: r.strings(map, 'fields'),
  };
}

function parseFilterRule(r: DocReader, map: YAMLMap, file: string): FilterRule {
  const filter = r.map(map, 'filter', true)!;
  const rules = r.strings(filter, 'rules');
  if (rules.length === 0) r.fail('filter lists no `rules` to apply to', filter);
  return {
    type: 'filter',
    ...base(r, map, file),
    logsource: parseLogsource(r, map, false),
    rules,
    detection: parseDetection(r, filter),
  };
}

const CONDITION_KEYS = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'] as const;

function parseCorrelationCondition(
  r: DocReader,
  node: Node | undefined,
  type: CorrelationType,
): CorrelationCondition | null {
  if (node === undefined) {
    if (type === 'temporal' || type === 'temporal_ordered') return null;
    return r.fail(`a ${type} correlation needs a \`condition\``, node);
  }
  if (!isMap(node)) return r.fail('correlation `condition` must be a map such as `gte: 10`', node);
  const out: Record<string, number | string> = {};
  for (const pair of node.items) {
    const key = pairKey(pair).toLowerCase();
    const v = r.plain(pair.value as Node, `condition ${key}`);
    if (key === 'field') out.field = String(v);
    else if ((CONDITION_KEYS as readonly string[]).includes(key) || key === 'percentile') {
      const n = typeof v === 'number' ? v : Number(v);
      if (!Number.isFinite(n)) r.fail(`condition \`${key}\` must be a number`, pair.value as Node);
      out[key] = n;
    } else r.fail(`unknown correlation condition \`${key}\``, pair.key as Node);
  }
  if (!CONDITION_KEYS.some((k) => k in out) && type !== 'temporal' && type !== 'temporal_ordered') {
    r.fail('correlation condition needs one of gt, gte, lt, lte, eq, neq', node);
  }
  if (type.startsWith('value_') || type === 'value_count') {
    if (out.field === undefined) r.fail(`a ${type} correlation needs \`condition.field\``, node);
  }
  return out as CorrelationCondition;
}

function parseCorrelationRule(r: DocReader, map: YAMLMap, file: string): CorrelationRule {
  const c = r.map(map, 'correlation', true)!;
  const typeText = r.text(c, 'type', true)!.toLowerCase();
  if (!(CORRELATION_TYPES as readonly string[]).includes(typeText)) {
    r.fail(
      `unknown correlation type ${JSON.stringify(typeText)} (expected ${CORRELATION_TYPES.join(', ')})`,
      c.get('type', true) as Node,
    );
  }
  const type = typeText as CorrelationType;
  const rules = r.strings(c, 'rules');
  if (rules.length === 0) r.fail('correlation lists no `rules`', c);
  if ((type === 'temporal' || type === 'temporal_ordered') && rules.length < 2)
    r.fail(`a ${type} correlation needs at least two rules`, c);
  const timespanText = r.text(c, 'timespan', true)!;
  const timespan = parseTimespan(timespanText);
  if (timespan === null)
    r.fail(
      `bad timespan ${JSON.stringify(timespanText)} (expected e.g. 30s, 5m, 1h, 2d)`,
      c.get('timespan', true) as Node,
    );
  const aliases = new Map<string, Map<string, string>>();
  const aliasNode = r.map(c, 'aliases', false);
  for (const pair of aliasNode?.items ?? []) {
    const perRule = pair.value as Node;
    if (!isMap(perRule)) r.fail(`alias \`${pairKey(pair)}\` must map rule names to fields`, perRule);
    aliases.set(
      pairKey(pair),
      new Map(perRule.items.map((p) => [pairKey(p), String(r.plain(p.value as Node, 'alias'))])),
    );
  }
  const generateText = r.text(c, 'generate', false);
  return {
    type: 'correlation',
    ...base(r, map, file),
    level: parseLevel(r, map),
    correlation: {
      type,
      rules,
      groupBy: r.strings(c, 'group-by'),
      timespan,
      condition: parseCorrelationCondition(r, c.get('condition', true) as Node | undefined, type),
      aliases,
      generate: generateText === 'true',
    },
    falsepositives: r.strings(map, 'falsepositives'),
  };
}

/**
 * Parses one YAML file of Sigma rules (several documents allowed). Each document that cannot be
 * read becomes a RuleError with its file and line; the others are returned.
 */
export function parseRules(text: string, file: string): ParseOutcome {
  const lines = new LineCounter();
  const outcome: ParseOutcome = { rules: [], errors: [] };
  let docs;
  try {
    docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  } catch (e) {
    outcome.errors.push(new RuleError(`YAML: ${(e as Error).message}`, file, 1));
    return outcome;
  }
  if (!Array.isArray(docs)) docs = [docs];
  const r: DocReader = new DocReader(lines);
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      outcome.errors.push(
        new RuleError(`YAML: ${e.message.split('\n')[0]}`, file, lines.linePos(e.pos[0]).line),
      );
      continue;
    }
    const root = doc.contents;
    if (root === null) continue;
    try {
      if (!isMap(root)) r.fail('a rule must be a YAML map', root);
      const map = root;
      if (map.has('correlation')) outcome.rules.push(parseCorrelationRule(r, map, file));
      else if (map.has('filter')) outcome.rules.push(parseFilterRule(r, map, file));
      else if (map.has('action'))
        r.fail('rule collections (`action: global/repeat/reset`) are not supported; split the file', map);
      else outcome.rules.push(parseDetectionRule(r, map, file));
    } catch (e) {
      if (!(e instanceof RuleSyntaxError)) throw e;
      outcome.errors.push(new RuleError(e.message, file, e.line));
    }
  }
  return outcome;
}
