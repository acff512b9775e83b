import { ANY_RUN, type FieldItem, type KeywordItem, type PlainValue } from '../model.js';
import { RuleSyntaxError } from '../parse/errors.js';
import { cidrMatcher } from './cidr.js';
import { base64, base64Offsets, utf16, utf8 } from './encode.js';
import {
  hasWildcards,
  lowerPattern,
  parseSigmaString,
  patternToRegExp,
  plainText,
  wrap,
  type Part,
} from './glob.js';
import { and, not, or, type NumOp, type Pred, type StrOp, type TimePart } from './predicate.js';

export interface CompileOptions {
  /** Sigma field name → the name in the events being matched. */
  readonly mapField: (field: string) => string;
  /** Values for `%name%` placeholders used with `expand`. */
  readonly placeholders: ReadonlyMap<string, readonly string[]>;
  /** 'reject' fails rules using undefined placeholders; 'wildcard' replaces them with `*`. */
  readonly unknownPlaceholders: 'reject' | 'wildcard';
  readonly onNote?: (note: string) => void;
}

const KNOWN = new Set([
  'contains',
  'startswith',
  'endswith',
  'all',
  'exists',
  'cased',
  'neq',
  'windash',
  're',
  'i',
  'm',
  's',
  'base64',
  'base64offset',
  'utf16le',
  'utf16be',
  'utf16',
  'wide',
  'lt',
  'lte',
  'gt',
  'gte',
  'minute',
  'hour',
  'day',
  'week',
  'month',
  'year',
  'cidr',
  'expand',
  'fieldref',
]);
const NUMERIC: Record<string, NumOp> = { lt: 'lt', lte: 'lte', gt: 'gt', gte: 'gte' };
const TIME_PARTS = new Set<TimePart>(['minute', 'hour', 'day', 'week', 'month', 'year']);
const DASHES = '-/\u2013\u2014\u2015';

/** An alternative being built: a pattern, or bytes waiting for a base64 modifier. */
type Alt = { kind: 'pattern'; parts: Part[] } | { kind: 'bytes'; bytes: Uint8Array };

function fail(message: string, line: number): never {
  throw new RuleSyntaxError(message, line);
}

/** Marks each `-` or `/` that starts a command-line flag as any of the dash characters. */
function windash(parts: Part[]): Part[] {
  const out: Part[] = [];
  let prev = ''; // the character before the current position, '' at the start
  for (const part of parts) {
    if (typeof part !== 'string') {
      // After a wildcard anything may precede, as at the start of the value.
      out.push(part);
      prev = '';
      continue;
    }
    let lit = '';
    for (let i = 0; i < part.length; i++) {
      const c = part[i]!;
      const next = part[i + 1] ?? '';
      if (DASHES.includes(c) && !/\w/.test(prev) && /\w/.test(next)) {
        if (lit) out.push(lit);
        lit = '';
        out.push({ oneOf: DASHES });
      } else lit += c;
      prev = c;
    }
    if (lit) out.push(lit);
  }
  return out;
}

function expandPlaceholders(raw: string, opts: CompileOptions, line: number): string[] {
  let results = [''];
  const re = /(\\)?%([A-Za-z0-9_.-]+)%/g;
  let last = 0;
  for (let m = re.exec(raw); m; m = re.exec(raw)) {
    const before = raw.slice(last, m.index);
    last = m.index + m[0].length;
    if (m[1]) {
      // `\%name%` is a literal percent sign followed by text
      results = results.map((r) => r + before + m![0].slice(1));
      continue;
    }
    const name = m[2]!;
    let values = opts.placeholders.get(name) ?? opts.placeholders.get(name.toLowerCase());
    if (values === undefined) {
      if (opts.unknownPlaceholders === 'reject')
        fail(`placeholder %${name}% has no values (define it in the placeholders file)`, line);
      opts.onNote?.(`placeholder %${name}% has no values; matched as a wildcard`);
      values = ['*'];
    }
    const next: string[] = [];
    for (const r of results) for (const v of values) next.push(r + before + v);
    if (next.length > 4096) fail('placeholder expansion yields more than 4096 values', line);
    results = next;
  }
  return results.map((r) => r + raw.slice(last));
}

/** One string test from a finished pattern. */
export function stringPred(field: string | null, parts: Part[], cased: boolean): Pred {
  const p = cased ? parts : lowerPattern(parts);
  const base = { k: 'str' as const, field, pattern: p, cased };
  const lit = (x: Part | undefined): x is string => typeof x === 'string';
  if (!hasWildcards(p)) return { ...base, op: 'eq', text: p.join(''), re: null };
  if (p.length === 1 && p[0] === ANY_RUN) return { ...base, op: 'glob', text: '', re: /^[\s\S]*$/ };
  if (p.length === 2 && p[0] === ANY_RUN && lit(p[1])) return { ...base, op: 'suffix', text: p[1], re: null };
  if (p.length === 2 && lit(p[0]) && p[1] === ANY_RUN) return { ...base, op: 'prefix', text: p[0], re: null };
  if (p.length === 3 && p[0] === ANY_RUN && lit(p[1]) && p[2] === ANY_RUN)
    return { ...base, op: 'contains', text: p[1], re: null };
  return { ...base, op: 'glob', text: '', re: patternToRegExp(p, false) };
}

function numberOf(v: PlainValue, line: number, what: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  if (!Number.isFinite(n)) fail(`${what} needs a number, got ${JSON.stringify(v)}`, line);
  return n;
}

function regexPred(field: string | null, source: string, flags: Set<string>, line: number): Pred {
  let text = source;
  let f = '';
  // A leading inline `(?i)` (PCRE) becomes the JavaScript flag.
  const inline = /^\(\?([imsx]+)\)/.exec(text);
  if (inline) {
    for (const c of inline[1]!) if (c !== 'x') flags.add(c);
    text = text.slice(inline[0].length);
  }
  for (const c of ['i', 'm', 's']) if (flags.has(c)) f += c;
  try {
    return { k: 're', field, re: new RegExp(text, f) };
  } catch (e) {
    return fail(`invalid regular expression ${JSON.stringify(source)}: ${(e as Error).message}`, line);
  }
}

/** Compiles one `field|modifiers: values` item (or a keyword list) into a predicate. */
export function compileItem(item: FieldItem | KeywordItem, opts: CompileOptions): Pred {
  const line = item.line;
  const declared = item.kind === 'field' ? item.modifiers : [];
  const isKeyword = item.kind === 'keywords' || item.field === '';
  // Keywords are searched for anywhere in the event's values, as the spec's full-text search.
  const positional = ['contains', 'startswith', 'endswith', 're', 'base64', 'base64offset'];
  const modifiers =
    isKeyword && !declared.some((m) => positional.includes(m)) ? [...declared, 'contains'] : declared;
  for (const m of modifiers) if (!KNOWN.has(m)) fail(`unknown modifier \`${m}\``, line);
  const has = (m: string): boolean => modifiers.includes(m);
  const field = item.kind === 'field' && item.field !== '' ? opts.mapField(item.field) : null;
  const values = item.values;
  const all = has('all');
  if (all && values.length < 2) opts.onNote?.(`\`all\` on a single value has no effect (line ${line})`);

  if (has('exists')) {
    if (field === null) fail('`exists` needs a field', line);
    const v = values[0];
    const want = v === true || v === 'true' || v === 'yes';
    if (values.length !== 1 || (!want && v !== false && v !== 'false' && v !== 'no'))
      fail('`exists` takes true or false', line);
    return want ? { k: 'exists', field } : not({ k: 'exists', field });
  }
  if (has('fieldref')) {
    if (field === null) fail('`fieldref` needs a field', line);
    const op: StrOp = has('contains')
      ? 'contains'
      : has('startswith')
        ? 'prefix'
        : has('endswith')
          ? 'suffix'
          : 'eq';
    const preds = values.map((v): Pred => ({
      k: 'fieldref',
      field,
      other: opts.mapField(String(v)),
      op,
      cased: has('cased'),
    }));
    const combined = all ? and(preds) : or(preds);
    return has('neq') ? and([{ k: 'exists', field }, not(combined)]) : combined;
  }

  const timePart = modifiers.find((m) => TIME_PARTS.has(m as TimePart)) as TimePart | undefined;
  const numOp = modifiers.map((m) => NUMERIC[m]).find((x) => x !== undefined);
  const perValue: Pred[] = values.map((v) => {
    if (timePart) {
      if (field === null) fail(`\`${timePart}\` needs a field`, line);
      return {
        k: 'time',
        field,
        part: timePart,
        op: numOp ?? 'eq',
        value: numberOf(v, line, `\`${timePart}\``),
      };
    }
    if (numOp) {
      if (field === null) fail(`\`${numOp}\` needs a field`, line);
      return { k: 'num', field, op: numOp, value: numberOf(v, line, `\`${numOp}\``) };
    }
    if (v === null) {
      if (field === null) fail('a keyword cannot be null', line);
      if (modifiers.some((m) => m !== 'all' && m !== 'cased')) fail('null cannot take modifiers', line);
      return { k: 'null', field };
    }
    if (has('cidr')) {
      if (field === null) fail('`cidr` needs a field', line);
      const test = cidrMatcher(String(v));
      if (test === null) fail(`invalid CIDR ${JSON.stringify(v)}`, line);
      return { k: 'cidr', field, cidr: String(v), test };
    }
    if (has('re')) {
      if (typeof v !== 'string') fail('`re` needs a string', line);
      return regexPred(field, v, new Set(modifiers.filter((m) => m === 'i' || m === 'm' || m === 's')), line);
    }
    return or(
      stringAlternatives(String(v), modifiers, opts, line).map((parts) =>
        stringPred(field, parts, has('cased')),
      ),
    );
  });
  let combined = all ? and(perValue) : or(perValue);
  if (has('neq')) combined = field === null ? not(combined) : and([{ k: 'exists', field }, not(combined)]);
  return combined;
}

/** Applies the string modifiers in order; each value may become several alternatives. */
function stringAlternatives(
  raw: string,
  modifiers: readonly string[],
  opts: CompileOptions,
  line: number,
): Part[][] {
  const sources = modifiers.includes('expand') ? expandPlaceholders(raw, opts, line) : [raw];
  let alts: Alt[] = sources.map((s) => ({ kind: 'pattern', parts: parseSigmaString(s) }));
  const plain = (a: Alt): string => {
    if (a.kind !== 'pattern') fail('text modifier applied to encoded bytes', line);
    const t = plainText(a.parts);
    if (t === null) fail('encoding modifiers cannot be applied to values with wildcards', line);
    return t;
  };
  const bytesOf = (a: Alt): Uint8Array => (a.kind === 'bytes' ? a.bytes : utf8(plain(a)));
  const mapPatterns = (f: (p: Part[]) => Part[]): void => {
    alts = alts.map((a) => {
      if (a.kind !== 'pattern') fail('wildcard modifiers must come after the base64 modifiers', line);
      return { kind: 'pattern', parts: f(a.parts) };
    });
  };
  for (const m of modifiers) {
    switch (m) {
      case 'contains':
        mapPatterns((p) => wrap(p, true, true));
        break;
      case 'startswith':
        mapPatterns((p) => wrap(p, false, true));
        break;
      case 'endswith':
        mapPatterns((p) => wrap(p, true, false));
        break;
      case 'windash':
        mapPatterns(windash);
        break;
      case 'utf16le':
      case 'wide':
        alts = alts.map((a) => ({ kind: 'bytes', bytes: utf16(plain(a), 'le', false) }));
        break;
      case 'utf16be':
        alts = alts.map((a) => ({ kind: 'bytes', bytes: utf16(plain(a), 'be', false) }));
        break;
      case 'utf16':
        alts = alts.map((a) => ({ kind: 'bytes', bytes: utf16(plain(a), 'le', true) }));
        break;
      case 'base64':
        alts = alts.map((a) => ({ kind: 'pattern', parts: [base64(bytesOf(a))] }));
        break;
      case 'base64offset':
        alts = alts.flatMap((a) =>
          base64Offsets(bytesOf(a)).map((s): Alt => ({ kind: 'pattern', parts: [s] })),
        );
        break;
      default:
        break; // all, cased, expand, neq: handled by the caller
    }
  }
  return alts.map((a) => {
    if (a.kind === 'bytes') fail('utf16 modifiers must be followed by base64 or base64offset', line);
    return a.parts;
  });
}
