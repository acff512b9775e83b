import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Node } from 'yaml';
import { defaultMappingsDir, MappingError } from '../../normalize/mappings.js';

export interface SystemNames {
  /** Training words for the letter model. */
  readonly words: readonly string[];
  /** Genuine base names (lower case, no extension) never flagged. */
  readonly known: ReadonlySet<string>;
}

/** Reads mappings/system-names.yml: `words` and `known`, each a whitespace-separated list. */
export function loadSystemNames(dir = defaultMappingsDir()): SystemNames {
  const file = join(dir, 'system-names.yml');
  const lines = new LineCounter();
  const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter: lines, uniqueKeys: true });
  const fail = (message: string, node: unknown): never => {
    const range = (node as Node | null | undefined)?.range;
    throw new MappingError(message, file, range ? lines.linePos(range[0]).line : 1);
  };
  if (doc.errors.length > 0) fail(`YAML: ${doc.errors[0]!.message.split('\n')[0]}`, null);
  const root = doc.contents;
  if (!isMap(root)) return fail('system-names.yml must be a map', root);
  const list = (key: string): string[] => {
    const node = root.get(key, true);
    const text: unknown = isScalar(node) ? node.value : undefined;
    if (typeof text !== 'string') return fail(`\`${key}\` must be text`, node ?? root);
    return text
      .toLowerCase()
      .split(/\s+/)
      .filter((w) => w !== '');
  };
  return { words: list('words'), known: new Set(list('known')) };
}
