import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { TruthFile } from './write.js';

/**
 * The ground truth of a `vigil demo` folder, looked up the way readers report events: by file
 * and byte offset (what `vigil hunt -f jsonl` prints as `source` and `offset`).
 */
export class TruthLabels {
  private constructor(
    readonly truth: TruthFile,
    private readonly lineStarts: ReadonlyMap<string, number[]>,
  ) {}

  static async load(dir: string): Promise<TruthLabels> {
    const truth = JSON.parse(await readFile(join(dir, 'truth.json'), 'utf8')) as TruthFile;
    const starts = new Map<string, number[]>();
    for (const name of Object.keys(truth.labels)) {
      const bytes = await readFile(join(dir, name));
      const at = [0];
      for (let i = bytes.indexOf(10); i >= 0 && i < bytes.length - 1; i = bytes.indexOf(10, i + 1))
        at.push(i + 1);
      starts.set(name, at);
    }
    return new TruthLabels(truth, starts);
  }

  /** The line (from 0) holding the byte at `offset` of an event file, or -1 for other files. */
  line(file: string, offset: number): number {
    const starts = this.lineStarts.get(basename(file));
    if (starts === undefined) return -1;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The story of the event at `offset` in `file`: its id, null for noise, undefined if not an event file. */
  story(file: string, offset: number): string | null | undefined {
    const labels = this.truth.labels[basename(file)];
    const line = this.line(file, offset);
    return labels === undefined || line < 0 ? undefined : labels[line];
  }
}
