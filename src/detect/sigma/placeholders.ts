import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { VigilError } from '../../core/errors.js';

/**
 * Reads placeholder values for `|expand`: a YAML map of name → value or list of values, e.g.
 * `Administrators: ['adm_*', 'root']`. Values are Sigma strings (wildcards allowed).
 */
export async function loadPlaceholders(file: string): Promise<Map<string, string[]>> {
  const lines = new LineCounter();
  const doc = parseDocument(await readFile(file, 'utf8'), { lineCounter: lines, uniqueKeys: true });
  const where = (node: Node | null | undefined) => ({
    file,
    line: node?.range ? lines.linePos(node.range[0]).line : 1,
  });
  if (doc.errors.length > 0)
    throw new VigilError('placeholders.invalid', `YAML: ${doc.errors[0]!.message.split('\n')[0]}`, {
      file,
      line: lines.linePos(doc.errors[0]!.pos[0]).line,
    });
  const out = new Map<string, string[]>();
  if (doc.contents === null) return out;
  if (!isMap(doc.contents))
    throw new VigilError(
      'placeholders.invalid',
      'placeholders must be a map of name to values',
      where(doc.contents),
    );
  for (const pair of doc.contents.items) {
    const name = String((pair.key as { value?: unknown }).value).replace(/^%|%$/g, '');
    const value = pair.value as Node | null;
    const key = name.toLowerCase(); // looked up case-insensitively, as Windows names are
    if (isScalar(value) && value.value !== null) out.set(key, [String(value.value)]);
    else if (isSeq(value) && value.items.every((i) => isScalar(i)))
      out.set(
        key,
        value.items.map((i) => String((i as { value: unknown }).value)),
      );
    else
      throw new VigilError(
        'placeholders.invalid',
        `placeholder ${name} needs a value or a list of values`,
        where(value ?? (pair.key as Node)),
      );
  }
  return out;
}
