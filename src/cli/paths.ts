import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Expands files and folders into the files to read, in a stable order. Folders are walked
 * recursively and filtered by extension; files named explicitly are always taken.
 */
export async function expandInputs(
  inputs: readonly string[],
  extensions: readonly string[],
): Promise<{ files: string[]; missing: string[] }> {
  const files: string[] = [];
  const missing: string[] = [];
  const wanted = (name: string): boolean => extensions.some((ext) => name.toLowerCase().endsWith(ext));
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && wanted(e.name)) files.push(p);
      // Symlinked files are read; symlinked folders are not walked, so a link loop cannot trap us.
      else if (e.isSymbolicLink() && wanted(e.name) && (await isFile(p))) files.push(p);
    }
  };
  for (const input of inputs) {
    let info;
    try {
      info = await stat(input);
    } catch {
      missing.push(input);
      continue;
    }
    if (info.isDirectory()) await walk(input);
    else files.push(input);
  }
  return { files, missing };
}
