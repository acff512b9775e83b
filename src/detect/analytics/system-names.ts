import { join } from 'node:path';
import { isMap, isScalar } from 'yaml';
import { openMappingYaml } from '../../normalize/yaml-file.js';
import { defaultMappingsDir } from '../../normalize/mappings.js';

export interface SystemNames {
  /** Training words for the letter model. */
  readonly words: readonly string[];
  /** Genuine base names (lower case, no extension) never flagged. */
  readonly known: ReadonlySet<string>;
}

/** Reads mappings/system-names.yml: `words` and `known`, each a whitespace-separated list. */
export function loadSystemNames(dir = defaultMappingsDir()): SystemNames {
  const file = join(dir, 'system-names.yml');
  const { root, fail } = openMappingYaml(file);
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
