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

const HASH_COLUMNS: Readonly<Record<string, string>> = {
  md5: 'hash_md5',
  sha1: 'hash_sha1',
  sha256: 'hash_sha256',
  imphash: 'hash_imphash',
};

function first(v: FieldValue | undefined): Scalar | undefined {
  if (Array.isArray(v)) return (v as readonly Scalar[]).find((x) => x !== null && x !== '');
  return v as Scalar | undefined;
}

function text(v: Scalar | undefined): string | null {
  if (v === undefined || v === null) return null;
  const t = typeof v === 'string' ? v : String(v);
  return t === '' || t === '-' ? null : t;
}

const UINT32_MAX = 0xffffffff;

function int(v: Scalar | undefined): number | null {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 && v <= UINT32_MAX ? v : null;
  const t = text(v)?.trim();
  if (t === undefined) return null;
  // Windows writes some ids in hex (NewProcessId 0x1a2c).
  const n = /^0x[0-9a-f]+$/i.test(t) ? Number.parseInt(t, 16) : /^\d+$/.test(t) ? Number(t) : NaN;
  return Number.isSafeInteger(n) && n <= UINT32_MAX ? n : null;
}

/**
 * Fills the stored event's ECS-style columns from its flat Sigma view, by the table in
 * mappings/columns.yml. Values that do not fit a column (a port of 70000) leave it at its default:
 * the original is still in `fields` and `raw`.
 */
export class ColumnMapper {
  private constructor(private readonly rules: readonly ColumnRule[]) {}

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

  map(fields: ReadonlyMap<string, FieldValue>): ColumnValues {
    const out: ColumnValues = {};
    for (const rule of this.rules) {
      let v: FieldValue | undefined;
      for (const name of rule.from) {
        v = fields.get(name);
        if (v !== undefined && v !== null && v !== '') break;
      }
      if (v === undefined || v === null) continue;
      convert(rule, v, out);
    }
    return out;
  }
}

function convert(rule: ColumnRule, v: FieldValue, out: ColumnValues): void {
  switch (rule.as) {
    case 'int': {
      const n = int(first(v));
      if (n !== null) out[rule.column] = n;
      return;
    }
    case 'list': {
      const items = (Array.isArray(v) ? (v as readonly Scalar[]) : [v as Scalar])
        .flatMap((x) => (text(x) ?? '').split(/[,;]\s*/))
        .map((x) => x.trim().toLowerCase())
        .filter((x) => x !== '');
      if (items.length > 0) out[rule.column] = items;
      return;
    }
    case 'hashes': {
      for (const item of (Array.isArray(v) ? (v as readonly Scalar[]) : [v as Scalar]).map(text))
        for (const part of (item ?? '').split(','))
          for (const [algo, column] of Object.entries(HASH_COLUMNS)) {
            const eq = part.indexOf('=');
            if (eq > 0 && part.slice(0, eq).trim().toLowerCase() === algo)
              out[column] ??= part
                .slice(eq + 1)
                .trim()
                .toLowerCase();
          }
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
      if (Array.isArray(v) && (v as readonly Scalar[]).filter((x) => text(x) !== null).length !== 1) return;
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
