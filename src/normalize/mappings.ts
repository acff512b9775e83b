import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLMap } from 'yaml';
import { VigilError } from '../core/errors.js';
import type { LogsourceVariant } from '../detect/sigma/compile/rules.js';
import type { Logsource } from '../detect/sigma/model.js';
import type { JsonObject, JsonValue } from '../ingest/types.js';
import { addField, type FlatEvent } from './flat-event.js';
import {
  addDataEntry,
  addSystemEntry,
  EVTX_DATA_SECTIONS,
  flattenEvtx,
  flattenGeneric,
  getPath,
  type GenericPlan,
} from './shapes.js';

/** The repository's mappings/ folder, from src/ or from dist/src/. */
export function defaultMappingsDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const up = here.includes(`${join('dist', 'src')}`) ? '../../../mappings' : '../../mappings';
  return resolve(here, up);
}

export class MappingError extends VigilError {
  constructor(message: string, file: string, line: number) {
    super('mapping.invalid', message, { file, line });
    this.name = 'MappingError';
  }
}

interface SourceShape {
  readonly name: string;
  readonly kind: string;
  readonly priority: number;
  readonly detect: readonly (readonly string[])[];
  readonly flatten: (event: JsonObject, out: FlatEvent) => void;
  readonly time: readonly string[];
}

export interface Flattened {
  readonly fields: FlatEvent;
  readonly shape: string | null;
  /** Epoch milliseconds, or null when the event carries no readable time. */
  readonly time: number | null;
}

const SOURCE_FIELD = '_source';
const SECTIONS: ReadonlySet<string> = new Set(['System', ...EVTX_DATA_SECTIONS]);

/** An EVTX record that can hand out its sections' entries (EvtxRecord). */
export interface EvtxSections {
  sections(names: ReadonlySet<string>, sink: (section: string, key: string, value: JsonValue) => void): void;
}

function splitPath(p: string): string[] {
  return p === '.' ? [] : p.split('.');
}

class YamlFile {
  readonly lines = new LineCounter();
  readonly root: YAMLMap;

  constructor(
    readonly file: string,
    text: string,
  ) {
    const doc = parseDocument(text, { lineCounter: this.lines, uniqueKeys: true });
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      throw new MappingError(`YAML: ${e.message.split('\n')[0]}`, file, this.lines.linePos(e.pos[0]).line);
    }
    if (!isMap(doc.contents)) throw new MappingError('a mapping file must be a YAML map', file, 1);
    this.root = doc.contents;
  }

  fail(message: string, node: Node | null | undefined): never {
    const at = node?.range?.[0];
    throw new MappingError(message, this.file, at === undefined ? 1 : this.lines.linePos(at).line);
  }

  strings(node: Node | null | undefined, what: string): string[] {
    if (node === undefined || node === null) return [];
    if (isScalar(node)) return [String(node.value)];
    if (!isSeq(node)) this.fail(`${what} must be a list`, node);
    return node.items.map((i) =>
      isScalar(i) ? String(i.value) : this.fail(`${what} entries must be values`, i as Node),
    );
  }
}

function readYamlFiles(dir: string): YamlFile[] {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => n.endsWith('.yml') || n.endsWith('.yaml'))
      .sort();
  } catch {
    return [];
  }
  return names.map((n) => {
    const file = join(dir, n);
    return new YamlFile(file, readFileSync(file, 'utf8'));
  });
}

function parseSource(y: YamlFile): SourceShape {
  const r = y.root;
  const name = r.get('name');
  if (typeof name !== 'string' || name === '') y.fail('a source needs a `name`', r);
  const kind = String(r.get('kind') ?? 'generic');
  const detect = y.strings(r.get('detect', true) as Node, '`detect`').map(splitPath);
  if (detect.length === 0) y.fail('a source needs `detect` paths', r);
  const time = y.strings(r.get('time', true) as Node, '`time`');
  const priority = Number(r.get('priority') ?? 100);
  let flatten: SourceShape['flatten'];
  if (kind === 'evtx') flatten = flattenEvtx;
  else if (kind === 'generic') {
    const fieldsNode = r.get('fields', true) as Node | undefined;
    const fields: { path: string[]; name: string }[] = [];
    if (fieldsNode !== undefined && fieldsNode !== null) {
      if (!isMap(fieldsNode)) y.fail('`fields` must map event paths to Sigma field names', fieldsNode);
      for (const pair of fieldsNode.items)
        fields.push({
          path: splitPath(String((pair.key as { value?: unknown }).value)),
          name: String((pair.value as { value?: unknown }).value),
        });
    }
    const plan: GenericPlan = {
      spread: y.strings(r.get('spread', true) as Node, '`spread`').map(splitPath),
      fields,
    };
    flatten = (event, out) => flattenGeneric(event, plan, out);
  } else
    y.fail(
      `unknown source kind ${JSON.stringify(kind)} (expected evtx or generic)`,
      r.get('kind', true) as Node,
    );
  return { name, kind, priority, detect, flatten, time };
}

interface LogsourceEntry {
  readonly logsource: Logsource;
  readonly variants: LogsourceVariant[];
}

function parseLogsources(y: YamlFile): LogsourceEntry[] {
  const list = y.root.get('logsources', true) as Node | undefined;
  if (!isSeq(list)) y.fail('`logsources` must be a list', list ?? y.root);
  return list.items.map((item) => {
    if (!isMap(item)) y.fail('each logsource entry must be a map', item as Node);
    const ls = item.get('logsource', true) as Node | undefined;
    if (!isMap(ls)) y.fail('`logsource` must be a map of product, category and service', ls ?? item);
    const logsource: Record<string, string> = {};
    for (const pair of ls.items)
      logsource[String((pair.key as { value?: unknown }).value)] = String(
        (pair.value as { value?: unknown }).value,
      ).toLowerCase();
    const vs = item.get('variants', true) as Node | undefined;
    if (!isSeq(vs) || vs.items.length === 0) y.fail('a logsource needs a list of `variants`', vs ?? item);
    const variants = vs.items.map((v): LogsourceVariant => {
      if (!isMap(v)) y.fail('a variant must be a map', v as Node);
      const cond = v.get('conditions', true) as Node | undefined;
      const conditions: { field: string; values: (string | number)[] }[] = [];
      if (cond !== undefined && cond !== null) {
        if (!isMap(cond)) y.fail('`conditions` must map fields to values', cond);
        for (const pair of cond.items) {
          const valueNode = pair.value as Node;
          const values = isSeq(valueNode)
            ? valueNode.items.map((x) => (x as { value: string | number }).value)
            : [(valueNode as { value: string | number }).value];
          conditions.push({ field: String((pair.key as { value?: unknown }).value), values });
        }
      }
      const fieldsNode = v.get('fields', true) as Node | undefined;
      const fields: Record<string, string> = {};
      if (fieldsNode !== undefined && fieldsNode !== null) {
        if (!isMap(fieldsNode)) y.fail('`fields` must map Sigma fields to event fields', fieldsNode);
        for (const pair of fieldsNode.items)
          fields[String((pair.key as { value?: unknown }).value)] = String(
            (pair.value as { value?: unknown }).value,
          );
      }
      return { name: String(v.get('name') ?? 'default'), conditions, fields };
    });
    return { logsource: logsource as Logsource, variants };
  });
}

/**
 * Field mappings as data: how each input shape is flattened to the Sigma view, and where each
 * Sigma logsource is found. Loaded from YAML files under mappings/.
 */
export class Mappings {
  private readonly variantCache = new Map<string, readonly LogsourceVariant[]>();

  private constructor(
    private readonly sources: readonly SourceShape[],
    private readonly logsources: readonly LogsourceEntry[],
  ) {}

  static load(dir: string = defaultMappingsDir()): Mappings {
    const sources = readYamlFiles(join(dir, 'sources'))
      .map(parseSource)
      .sort((a, b) => a.priority - b.priority);
    const logsources = readYamlFiles(join(dir, 'logsources')).flatMap(parseLogsources);
    if (sources.length === 0) throw new MappingError('no source shapes found', join(dir, 'sources'), 0);
    return new Mappings(sources, logsources);
  }

  /** The shape an event has, by the first source whose `detect` paths all exist. */
  detectSource(event: JsonObject): string | null {
    return this.shapeOf(event)?.name ?? null;
  }

  private shapeOf(event: JsonObject): SourceShape | null {
    for (const s of this.sources) if (hasAllPaths(event, s.detect)) return s;
    return null;
  }

  /** The flat Sigma view of an event, its shape and its time. Unknown shapes are spread as is. */
  flatten(event: JsonObject): Flattened {
    const fields: FlatEvent = new Map();
    const shape = this.shapeOf(event);
    if (shape === null) {
      flattenGeneric(event, { spread: [[]], fields: [] }, fields);
      return { fields, shape: null, time: null };
    }
    shape.flatten(event, fields);
    addField(fields, SOURCE_FIELD, shape.name);
    return { fields, shape: shape.name, time: this.timeFrom(shape, fields, event) };
  }

  /**
   * The flat view of an EVTX record straight from its decoded form, without building its JSON
   * document; the same fields as flatten(record.toJSON()).
   */
  flattenEvtxRecord(record: EvtxSections): Flattened {
    const shape = this.sources.find((s) => s.kind === 'evtx');
    const fields: FlatEvent = new Map();
    record.sections(SECTIONS, (section, key, value) =>
      section === 'System' ? addSystemEntry(fields, key, value) : addDataEntry(fields, key, value),
    );
    if (shape === undefined) return { fields, shape: null, time: null };
    addField(fields, SOURCE_FIELD, shape.name);
    return { fields, shape: shape.name, time: this.timeFrom(shape, fields, null) };
  }

  private timeFrom(shape: SourceShape, fields: FlatEvent, event: JsonObject | null): number | null {
    for (const t of shape.time) {
      const v = fields.get(t) ?? (event === null ? undefined : (getPath(event, splitPath(t)) as unknown));
      const time = timeOf(v);
      if (time !== null) return time;
    }
    return null;
  }

  /** The variants of a logsource: every entry whose keys all match, most specific first. */
  variants(logsource: Logsource): readonly LogsourceVariant[] {
    const key = JSON.stringify([logsource.product, logsource.category, logsource.service]);
    let cached = this.variantCache.get(key);
    if (cached === undefined) {
      const want = { product: logsource.product, category: logsource.category, service: logsource.service };
      const exact = this.logsources.filter(
        (e) =>
          e.logsource.product === want.product &&
          e.logsource.category === want.category &&
          e.logsource.service === want.service,
      );
      cached = exact.flatMap((e) => e.variants);
      this.variantCache.set(key, cached);
    }
    return cached;
  }
}

function hasAllPaths(event: JsonObject, paths: readonly (readonly string[])[]): boolean {
  for (const p of paths) if (getPath(event, p) === undefined) return false;
  return true;
}

/** The number written by `len` ASCII digits at `at`, or -1. */
function digits(s: string, at: number, len: number): number {
  let n = 0;
  for (let i = at; i < at + len; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/**
 * The UTC time written as `2019-03-19T23:34:25.550666Z` in the first `n` characters of `s` (the
 * zone marker not counted), read without regex or Date.parse: this runs once per event. A space
 * may stand for the `T`. Anything else, or out of range, returns NaN.
 */
function utcTime(s: string, n: number): number {
  if (n < 19) return NaN;
  if (s[4] !== '-' || s[7] !== '-' || (s[10] !== 'T' && s[10] !== ' ') || s[13] !== ':' || s[16] !== ':')
    return NaN;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  // Years below 100 (which Date.UTC maps to 19xx), hour 24 (Date.parse takes only an exact
  // 24:00:00, where Date.UTC rolls any 24:xx over) and out-of-range parts go the slow way.
  if (year < 100 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23) return NaN;
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return NaN;
  let ms = 0;
  if (n > 19) {
    if (s[19] !== '.' || n > 29) return NaN;
    const fraction = n - 20;
    if (fraction < 1 || digits(s, 20, fraction) < 0) return NaN;
    ms = digits(s, 20, Math.min(3, fraction)) * (fraction === 1 ? 100 : fraction === 2 ? 10 : 1);
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

/** `2019-03-19T23:34:25.550666Z`, the shape EVTX and most shippers write. */
function isoUtc(s: string): number {
  const n = s.length;
  return n > 0 && s.charCodeAt(n - 1) === 0x5a /* Z */ ? utcTime(s, n - 1) : NaN;
}

/**
 * NXLog's `2020-09-21 19:30:13`: UTC without a zone marker. Only a space-separated time with no
 * zone at all is read here; the slow path below reads it the same way (`T` and `Z` added).
 */
function spacedUtc(s: string): number {
  return s[10] === ' ' ? utcTime(s, s.length) : NaN;
}

export function timeOf(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v > 1e11 ? v : v * 1000;
  if (typeof v !== 'string' || v === '') return null;
  const fast = isoUtc(v);
  if (!Number.isNaN(fast)) return fast;
  const spaced = spacedUtc(v);
  if (!Number.isNaN(spaced)) return spaced;
  let text = v;
  // NXLog's "2020-09-21 19:30:13" is UTC without a zone marker.
  if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(text))
    text = text.replace(' ', 'T') + (/[zZ]|[+-]\d{2}:?\d{2}$/.test(text) ? '' : 'Z');
  const t = Date.parse(text);
  return Number.isNaN(t) ? null : t;
}
