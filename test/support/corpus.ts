import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** `../shared/corpus` beside the checkout, or VIGIL_CORPUS; null when absent (a fresh clone). */
export const CORPUS_DIR: string | null = (() => {
  const dir = resolve(process.env.VIGIL_CORPUS ?? join(import.meta.dirname, '../../../shared/corpus'));
  return existsSync(dir) ? dir : null;
})();

export function corpusPath(...parts: string[]): string | null {
  if (CORPUS_DIR === null) return null;
  const p = join(CORPUS_DIR, ...parts);
  return existsSync(p) ? p : null;
}

export function skipMessage(what: string): string {
  return `${what}: skipped, ../shared/corpus is absent (set VIGIL_CORPUS to point elsewhere)`;
}

/** Every file under `dir` whose name ends with `suffix`, sorted for stable test names. */
export function findFiles(dir: string, suffix: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(suffix)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Splits concatenated (possibly pretty-printed) JSON objects, as `evtx_dump -o json` writes them. */
export function parseConcatenatedJson(text: string): unknown[] {
  const out: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}' && --depth === 0) {
      out.push(JSON.parse(text.slice(start, i + 1)));
    }
  }
  return out;
}
