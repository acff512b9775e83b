import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Node } from 'yaml';
import { MappingError } from './mappings.js';

/**
 * A data file under mappings/ read as YAML: its root, and `fail`, which reports a problem at the
 * line of the node it is about.
 */
export function openMappingYaml(file: string): {
  root: unknown;
  fail: (message: string, node: unknown) => never;
} {
  const lines = new LineCounter();
  const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter: lines, uniqueKeys: true });
  const fail = (message: string, node: unknown): never => {
    const range = (node as Node | null | undefined)?.range;
    throw new MappingError(message, file, range ? lines.linePos(range[0]).line : 1);
  };
  if (doc.errors.length > 0) fail(`YAML: ${doc.errors[0]!.message.split('\n')[0]}`, null);
  return { root: doc.contents, fail };
}
