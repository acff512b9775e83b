import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { FieldValue, Scalar } from './flat-event.js';
import { defaultMappingsDir, MappingError } from './mappings.js';

/** How a field's value becomes a column value. */
type Conversion = 'text' | 'int' | 'lower' | 'user' | 'hashes' | 'list' | 'single';
const CONVERSIONS: ReadonlySet<string> = new Set([
  'text',
  'int',
  'lower',
  'user',
  'hashes',
  'list',
  'single',
]);

interface ColumnRule {
  readonly column: string;
  readonly from: readonly string[];
  readonly as: Conversion;
}

/** Column values of one event; absent columns take the store's defaults. */
export type ColumnValues = Record<string, string | number | string[]>;

/** Sysmon's hash names (lower case, as written before `=` in `Hashes`) → their columns. */
const HASH_COLUMNS: ReadonlyMap<string, string> = new Map([
  ['md5', 'hash_md5'],
  ['sha1', 'hash_sha1'],
  ['sha256', 'hash_sha256'],
  ['imphash', 'hash_imphash'],
]);

/** The first value that is neither null nor empty text, of a list; a single value as it is. */
function first(v: FieldValue | undefined): Scalar | undefined {
  if (!Array.isArray(v)) return v as Scalar | undefined;
  const list = v as readonly Scalar[];
  for (let i = 0; i < list.length; i++) {
    const x = list[i]!;
    if (x !== null && x !== '') return x;
  }
  return undefined;
}

function text(v: Scalar | undefined): string | null {
  if (v === undefined || v === null) return null;
  const t = typeof v === 'string' ? v : String(v);
  return t === '' || t === '-' ? null : t;
}

const UINT32_MAX = 0xffffffff;

/** Whether `t[from..]` is one or more characters, each an ASCII digit (or hex digit). */
function allDigits(t: string, from: number, hex: boolean): boolean {
  if (t.length <= from) return false;
  for (let i = from; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) continue;
    const l = c | 0x20;
    if (hex && l >= 0x61 && l <= 0x66) continue;
    return false;
  }
  return true;
}

/** `123` or `0x1a2c` (Windows writes some ids in hex), as a number; anything else NaN. */
export function decimalOrHex(t: string): number {
  if (t.length > 2 && t.charCodeAt(0) === 0x30 && (t.charCodeAt(1) | 0x20) === 0x78 && allDigits(t, 2, true))
    return Number.parseInt(t, 16);
  return allDigits(t, 0, false) ? Number(t) : NaN;
}

function int(v: Scalar | undefined): number | null {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 && v <= UINT32_MAX ? v : null;
  const t = text(v)?.trim();
  if (t === undefined) return null;
  const n = decimalOrHex(t);
  return Number.isSafeInteger(n) && n <= UINT32_MAX ? n : null;
}

/** Calls `each` with every value of a field, one or a list. */
function forEachScalar(v: FieldValue, each: (x: Scalar) => void): void {
  if (Array.isArray(v)) for (const x of v as readonly Scalar[]) each(x);
  else each(v as Scalar);
}

/**
 * Fills the stored event's ECS-style columns from its flat Sigma view, by the table in
 * mappings/columns.yml. Values that do not fit a column (a port of 70000) leave it at its default:
 * the original is still in `fields` and `raw`.
 */
export class ColumnMapper {
  /** Field name → the rules that read it, with the field's rank in each rule's list. */
  private readonly readers = new Map<string, { readonly rule: number; readonly rank: number }[]>();
  private readonly names: number;
  /** Per event, reused: each rule's best-ranked present field so far, and its value. */
  private readonly bestRank: Int32Array;
  private readonly bestValue: (FieldValue | undefined)[];
  private readonly visit = (v: FieldValue, name: string): void => {
    if (v === undefined || v === null || v === '') return;
    const readers = this.readers.get(name);
    if (readers === undefined) return;
    for (const { rule, rank } of readers)
      if (rank < this.bestRank[rule]!) {
        this.bestRank[rule] = rank;
        this.bestValue[rule] = v;
      }
  };

  private constructor(private readonly rules: readonly ColumnRule[]) {
    let names = 0;
    rules.forEach((r, rule) =>
      r.from.forEach((name, rank) => {
        names++;
        let list = this.readers.get(name);
        if (list === undefined) this.readers.set(name, (list = []));
        list.push({ rule, rank });
      }),
    );
    this.names = names;
    this.bestRank = new Int32Array(rules.length).fill(NOT_FOUND);
    this.bestValue = new Array<FieldValue | undefined>(rules.length).fill(undefined);
  }

  static load(dir = defaultMappingsDir()): ColumnMapper {
    const file = join(dir, 'columns.yml');
    const lines = new LineCounter();
    const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter: lines, uniqueKeys: true });
    const fail = (message: string, node: Node | null | undefined): never => {
      throw new MappingError(message, file, node?.range ? lines.linePos(node.range[0]).line : 1);
    };
    if (doc.errors.length > 0) fail(`YAML: ${doc.errors[0]!.message.split('\n')[0]}`, null);
    const root = doc.contents;
    if (!isMap(root)) return fail('columns.yml must be a map of column → fields', root);
    const rules: ColumnRule[] = [];
    const names = (node: unknown): string[] => {
      if (!isSeq(node) || node.items.length === 0)
        return fail('expected a list of field names', node as Node);
      return node.items.map((i) =>
        isScalar(i) && typeof i.value === 'string'
          ? i.value
          : fail('a field name must be a string', i as Node),
      );
    };
    for (const pair of root.items) {
      const column = isScalar(pair.key) ? String(pair.key.value) : fail('bad column name', pair.key as Node);
      if (isSeq(pair.value)) rules.push({ column, from: names(pair.value), as: 'text' });
      else if (isMap(pair.value)) {
        const as = pair.value.get('as') ?? 'text';
        if (typeof as !== 'string' || !CONVERSIONS.has(as))
          fail(`unknown conversion ${String(as)}`, pair.value);
        rules.push({ column, from: names(pair.value.get('from', true)), as: as as Conversion });
      } else fail('expected a list of fields, or { from, as }', pair.value as Node);
    }
    return new ColumnMapper(rules);
  }

  /**
   * Each column from the first of its fields that is present (neither null nor empty text). An
   * event has fewer fields than the rules name: its own fields are looked up, each once.
   */
  map(fields: ReadonlyMap<string, FieldValue>): ColumnValues {
    const out: ColumnValues = {};
    if (fields.size >= this.names) {
      for (const rule of this.rules) {
        let v: FieldValue | undefined;
        for (const name of rule.from) {
          v = fields.get(name);
          if (v !== undefined && v !== null && v !== '') break;
        }
        // No field present: the last one read is absent, null or empty, which fills nothing.
        if (v === undefined || v === null || v === '') continue;
        convert(rule, v, out);
      }
      return out;
    }
    const { bestRank, bestValue } = this;
    bestRank.fill(NOT_FOUND);
    fields.forEach(this.visit);
    for (let i = 0; i < this.rules.length; i++) {
      if (bestRank[i] === NOT_FOUND) continue;
      const v = bestValue[i]!;
      bestValue[i] = undefined;
      convert(this.rules[i]!, v, out);
    }
    return out;
  }
}

const NOT_FOUND = 0x7fffffff;

function convert(rule: ColumnRule, v: FieldValue, out: ColumnValues): void {
  switch (rule.as) {
    case 'int': {
      const n = int(first(v));
      if (n !== null) out[rule.column] = n;
      return;
    }
    case 'list': {
      // Items split at `,` or `;`, trimmed, lower case; empty ones dropped.
      const items: string[] = [];
      forEachScalar(v, (x) => {
        const t = text(x);
        if (t === null) return;
        let start = 0;
        for (let i = 0; i <= t.length; i++) {
          const c = i === t.length ? 0x2c : t.charCodeAt(i);
          if (c !== 0x2c && c !== 0x3b) continue;
          const item = t.slice(start, i).trim().toLowerCase();
          if (item !== '') items.push(item);
          start = i + 1;
        }
      });
      if (items.length > 0) out[rule.column] = items;
      return;
    }
    case 'hashes': {
      // `SHA1=..,MD5=..,SHA256=..,IMPHASH=..`: the first value of each algorithm wins.
      forEachScalar(v, (x) => {
        const t = text(x);
        if (t !== null) hashesInto(t, out);
      });
      return;
    }
    case 'user': {
      const t = text(first(v));
      if (t === null) return;
      const slash = t.indexOf('\\');
      if (slash > 0) {
        out.user_domain = t.slice(0, slash);
        out[rule.column] = t.slice(slash + 1);
      } else out[rule.column] = t;
      return;
    }
    case 'single': {
      // Lower case, and only when the field holds one value: a column that names one file must
      // not pick an arbitrary one of several (a mail's attachments).
      if (Array.isArray(v)) {
        let n = 0;
        for (const x of v as readonly Scalar[]) if (text(x) !== null) n++;
        if (n !== 1) return;
      }
      const t = text(first(v));
      if (t !== null && out[rule.column] === undefined) out[rule.column] = t.toLowerCase();
      return;
    }
    case 'lower': {
      const t = text(first(v));
      if (t !== null && out[rule.column] === undefined) out[rule.column] = t.toLowerCase();
      return;
    }
    case 'text': {
      const t = text(first(v));
      if (t !== null) out[rule.column] = t;
      return;
    }
  }
}

/** Algorithm names as written (`SHA256`, ` md5 `) → their column, or null for other names. */
const hashNameColumns = new Map<string, string | null>();
const HASH_NAMES_MAX = 256;

function hashColumn(written: string): string | null {
  let column = hashNameColumns.get(written);
  if (column === undefined) {
    column = HASH_COLUMNS.get(written.trim().toLowerCase()) ?? null;
    if (hashNameColumns.size < HASH_NAMES_MAX) hashNameColumns.set(written, column);
  }
  return column;
}

function hashesInto(t: string, out: ColumnValues): void {
  let start = 0;
  // The next `=` at or after `start`, found again only once passed: linear on any input.
  let eq = -1;
  while (start <= t.length) {
    let end = t.indexOf(',', start);
    if (end < 0) end = t.length;
    if (eq !== t.length && eq < start) {
      eq = t.indexOf('=', start);
      if (eq < 0) eq = t.length;
    }
    if (eq > start && eq < end) {
      const column = hashColumn(t.slice(start, eq));
      if (column !== null && out[column] === undefined)
        out[column] = t
          .slice(eq + 1, end)
          .trim()
          .toLowerCase();
    }
    start = end + 1;
  }
}
