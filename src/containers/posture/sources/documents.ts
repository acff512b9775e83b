import {
  Composer,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  Parser,
  parseDocument,
  type Document,
  type Node,
} from 'yaml';
import type { Path } from './fields.js';

/** One parsed document: its value and a way to find the line of any path in it. */
export interface SourceDocument {
  readonly value: unknown;
  /** 0-based position of the document in a multi-document stream. */
  readonly index: number;
  readonly lineOf: (path: Path) => number | undefined;
}

export interface ParseOutcome {
  readonly documents: SourceDocument[];
  readonly problems: { readonly message: string; readonly line?: number }[];
}

/**
 * Aliases allowed per document. Real manifests use a handful; an alias bomb (a billion laughs)
 * needs many and is refused instead of expanded.
 */
export const MAX_ALIAS_COUNT = 100;

/**
 * YAML 1.1 is what Kubernetes' decoder follows (`yes`/`on` are booleans there: `hostPID: yes`
 * really shares the host PID namespace); Compose follows YAML 1.2. Both take `<<` merge keys.
 */
export type YamlFlavour = '1.1' | '1.2';

function lineLocator(
  doc: Document.Parsed | Document,
  lines: LineCounter,
): (path: Path) => number | undefined {
  const lineAt = (
    node: { range?: [number, number, number] | null } | null | undefined,
  ): number | undefined => (node?.range ? lines.linePos(node.range[0]).line : undefined);
  return (path) => {
    let node: unknown = doc.contents;
    let line = lineAt(node as Node | null);
    for (const seg of path) {
      // Follow aliases, with a bound so a cyclic document cannot loop.
      for (let hops = 0; isAlias(node) && hops < 8; hops++) node = node.resolve(doc as Document);
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === seg);
        if (!pair) break;
        line = lineAt(pair.key as Node) ?? line;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg];
        if (item === undefined) break;
        line = lineAt(item as Node) ?? line;
        node = item;
      } else break;
    }
    return line;
  };
}

export type YamlItem =
  | { readonly document: SourceDocument; readonly flavour: YamlFlavour }
  | { readonly problem: { readonly message: string; readonly line?: number } };

/** A cheap first guess at a document's flavour, from its text: Kubernetes objects name kind and apiVersion. */
const looksLikeKubernetes = (text: string): boolean =>
  /^\s*["']?kind["']?\s*:/m.test(text) && /^\s*["']?apiVersion["']?\s*:/m.test(text);

/**
 * Reads a (multi-document) YAML stream one document at a time, so only one document's tree is in
 * memory. Each document is read as YAML 1.1 when `wantsYaml11` says its value is a Kubernetes
 * object, else as YAML 1.2. A broken document is reported and the others kept.
 */
export function* yamlDocuments(text: string, wantsYaml11: (value: unknown) => boolean): Generator<YamlItem> {
  const lines = new LineCounter();
  const tokens = new Parser(lines.addNewLine).parse(text)[Symbol.iterator]();
  // One composer per flavour for the whole stream: building one sets up its schema, which is not cheap.
  const options = { merge: true, uniqueKeys: true, prettyErrors: false } as const;
  const composers: Record<YamlFlavour, Composer> = {
    '1.1': new Composer({ ...options, version: '1.1' }),
    '1.2': new Composer({ ...options, version: '1.2' }),
  };
  let index = 0;
  // One token of lookahead: where the next token starts is where this document ends.
  for (let next = tokens.next(); !next.done;) {
    const token = next.value;
    next = tokens.next();
    if (token.type === 'error') {
      yield { problem: { message: `YAML: ${token.message}`, line: lines.linePos(token.offset).line } };
      continue;
    }
    if (token.type !== 'document') continue;
    const end = next.done ? text.length : next.value.offset;
    const compose = (flavour: YamlFlavour): Document.Parsed | undefined =>
      [...composers[flavour].next(token), ...composers[flavour].end(true, end)][0];
    let flavour: YamlFlavour = looksLikeKubernetes(text.slice(token.offset, end)) ? '1.1' : '1.2';
    let doc = compose(flavour);
    const n = index++;
    if (!doc) continue;
    const read = (d: Document.Parsed): YamlItem | undefined => {
      if (d.errors.length > 0) {
        // The first error is the cause; the ones after it mostly follow from it.
        const e = d.errors[0]!;
        return {
          problem: {
            message: `YAML document ${n + 1}: ${e.message.split('\n')[0]}`,
            line: lines.linePos(e.pos[0]).line,
          },
        };
      }
      try {
        const value = d.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
        return value === null || value === undefined
          ? undefined
          : { document: { value, index: n, lineOf: lineLocator(d, lines) }, flavour };
      } catch (e) {
        const line = d.contents?.range ? lines.linePos(d.contents.range[0]).line : undefined;
        return {
          problem: {
            message: `YAML document ${n + 1}: ${(e as Error).message}`,
            ...(line !== undefined ? { line } : {}),
          },
        };
      }
    };
    let item = read(doc);
    // The guess was wrong (a JSON-style manifest, or a kind key in a Compose file): read it again the right way.
    if (item && 'document' in item && wantsYaml11(item.document.value) !== (flavour === '1.1')) {
      flavour = flavour === '1.1' ? '1.2' : '1.1';
      doc = compose(flavour);
      item = doc ? read(doc) : undefined;
    }
    if (item) yield item;
  }
}

/** Parses JSON strictly (values from JSON.parse), with line numbers found through the YAML parser. */
export function parseJsonDocument(text: string): ParseOutcome {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { documents: [], problems: [{ message: `invalid JSON: ${(e as Error).message}` }] };
  }
  const lines = new LineCounter();
  // JSON is YAML 1.2; this parse is only for positions, so its errors do not matter.
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false });
  return { documents: [{ value, index: 0, lineOf: lineLocator(doc, lines) }], problems: [] };
}
