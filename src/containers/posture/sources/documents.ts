import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
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

/** Parses a (multi-document) YAML stream; a broken document is reported and the others kept. */
export function parseYamlDocuments(text: string, flavour: YamlFlavour): ParseOutcome {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, {
    lineCounter: lines,
    version: flavour,
    merge: true,
    uniqueKeys: true,
    prettyErrors: false,
  });
  // parseAllDocuments returns an EmptyStream (not an array) for an empty text.
  const list = Array.isArray(docs) ? docs : [];
  const documents: SourceDocument[] = [];
  const problems: { message: string; line?: number }[] = [];
  list.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      // The first error is the cause; the ones after it mostly follow from it.
      const e = doc.errors[0]!;
      const line = e.linePos?.[0]?.line ?? lines.linePos(e.pos[0]).line;
      problems.push({ message: `YAML document ${index + 1}: ${e.message.split('\n')[0]}`, line });
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      const line = doc.contents?.range ? lines.linePos(doc.contents.range[0]).line : undefined;
      problems.push({
        message: `YAML document ${index + 1}: ${(e as Error).message}`,
        ...(line !== undefined ? { line } : {}),
      });
      return;
    }
    if (value === null || value === undefined) return;
    documents.push({ value, index, lineOf: lineLocator(doc, lines) });
  });
  return { documents, problems };
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
