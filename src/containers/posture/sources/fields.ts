import type { FieldOrigin, InputProblem } from '../model.js';

export type Path = readonly (string | number)[];

/** `spec.containers[0].securityContext.privileged`; keys that are not plain names are quoted. */
export function formatPath(path: Path): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string')
    return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '...' : v)}`;
  return `${typeof v} ${String(v)}`;
}

/**
 * Reads typed fields out of parsed data. A field of the wrong type is reported as a problem at its
 * line and read as absent, so one bad field never hides the rest of the workload.
 */
export class FieldReader {
  constructor(
    readonly problems: InputProblem[],
    private readonly lineOf: (path: Path) => number | undefined = () => undefined,
    readonly file?: string,
    public target?: string,
  ) {}

  origin(path: Path): FieldOrigin {
    const line = this.lineOf(path);
    return { path: formatPath(path), ...(line !== undefined ? { line } : {}) };
  }

  problem(path: Path, message: string): void {
    const line = this.lineOf(path);
    this.problems.push({
      message: path.length > 0 ? `${formatPath(path)}: ${message}` : message,
      ...(this.file !== undefined ? { file: this.file } : {}),
      ...(line !== undefined ? { line } : {}),
      ...(this.target !== undefined ? { target: this.target } : {}),
    });
  }

  private typed<T>(
    obj: unknown,
    key: string,
    path: Path,
    want: string,
    ok: (v: unknown) => v is T,
  ): T | undefined {
    if (!isRecord(obj)) return undefined;
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (ok(v)) return v;
    this.problem([...path, key], `expected ${want}, got ${describe(v)}`);
    return undefined;
  }

  bool(obj: unknown, key: string, path: Path): boolean | undefined {
    return this.typed(obj, key, path, 'a boolean', (v): v is boolean => typeof v === 'boolean');
  }

  str(obj: unknown, key: string, path: Path): string | undefined {
    return this.typed(obj, key, path, 'a string', (v): v is string => typeof v === 'string');
  }

  int(obj: unknown, key: string, path: Path): number | undefined {
    return this.typed(obj, key, path, 'an integer', (v): v is number => Number.isSafeInteger(v));
  }

  /** A string, or a number written where the source also takes one (Compose `user: 1000`). */
  text(obj: unknown, key: string, path: Path): string | undefined {
    const v = this.typed(
      obj,
      key,
      path,
      'a string or number',
      (x): x is string | number => typeof x === 'string' || typeof x === 'number',
    );
    return v === undefined ? undefined : String(v);
  }

  map(obj: unknown, key: string, path: Path): Record<string, unknown> | undefined {
    return this.typed(obj, key, path, 'a map', isRecord);
  }

  list(obj: unknown, key: string, path: Path): unknown[] | undefined {
    return this.typed(obj, key, path, 'a list', (v): v is unknown[] => Array.isArray(v));
  }

  /** A list of strings; other items are reported and skipped. */
  strings(obj: unknown, key: string, path: Path): string[] | undefined {
    const items = this.list(obj, key, path);
    if (!items) return undefined;
    const out: string[] = [];
    items.forEach((item, i) => {
      if (typeof item === 'string') out.push(item);
      else this.problem([...path, key, i], `expected a string, got ${describe(item)}`);
    });
    return out;
  }

  /** A map of strings (annotations, labels); other values are reported and skipped. */
  stringMap(obj: unknown, key: string, path: Path): Record<string, string> {
    const m = this.map(obj, key, path);
    const out: Record<string, string> = {};
    if (!m) return out;
    for (const [k, v] of Object.entries(m)) {
      if (typeof v === 'string') out[k] = v;
      else if (v !== null) this.problem([...path, key, k], `expected a string, got ${describe(v)}`);
    }
    return out;
  }
}
