/**
 * A strict reader of Prometheus's text exposition format (0.0.4), for tests: whatever it accepts,
 * Prometheus accepts, and it refuses more (a sample before its TYPE, a family split in two, a
 * negative counter, a repeated series). Errors name the line.
 */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Family {
  readonly name: string;
  readonly type: string;
  help: string | null;
  readonly samples: Sample[];
}

export class ExpositionError extends Error {
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'ExpositionError';
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'summary', 'histogram', 'untyped']);

function parseValue(text: string, line: number): number {
  if (text === 'NaN') return NaN;
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text))
    throw new ExpositionError(line, `not a number: ${JSON.stringify(text)}`);
  return Number(text);
}

/** `{a="x",b="y"}` starting at `at`; returns the labels and the index after `}`. */
function parseLabels(
  text: string,
  at: number,
  line: number,
): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = at + 1;
  for (;;) {
    if (text[i] === '}') return { labels, end: i + 1 };
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new ExpositionError(line, 'label without =');
    const name = text.slice(i, eq);
    if (!LABEL_NAME.test(name)) throw new ExpositionError(line, `bad label name ${JSON.stringify(name)}`);
    if (name in labels) throw new ExpositionError(line, `label ${name} repeated`);
    if (text[eq + 1] !== '"') throw new ExpositionError(line, `label ${name}: value not quoted`);
    let value = '';
    let j = eq + 2;
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] !== '\\') {
        value += text[j];
        continue;
      }
      const next = text[++j];
      if (next === 'n') value += '\n';
      else if (next === '\\' || next === '"') value += next;
      else throw new ExpositionError(line, `label ${name}: bad escape \\${next ?? ''}`);
    }
    if (j >= text.length) throw new ExpositionError(line, `label ${name}: unterminated value`);
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new ExpositionError(line, 'expected , or } after a label');
  }
}

/** The family a sample belongs to: itself, or a summary's or histogram's _sum/_count/_bucket. */
function familyOf(name: string, families: Map<string, Family>): Family | undefined {
  const own = families.get(name);
  if (own !== undefined) return own;
  const m = /^(.*)_(sum|count|bucket)$/.exec(name);
  const base = m === null ? undefined : families.get(m[1]!);
  if (base === undefined) return undefined;
  if (base.type === 'summary' && m![2] !== 'bucket') return base;
  if (base.type === 'histogram') return base;
  return undefined;
}

export function parseExposition(text: string): Map<string, Family> {
  if (text !== '' && !text.endsWith('\n')) throw new ExpositionError(0, 'the text must end with a newline');
  if (text.includes('\r')) throw new ExpositionError(0, 'carriage return in the text');
  const families = new Map<string, Family>();
  const series = new Set<string>();
  let current: Family | null = null;
  const lines = text.split('\n').slice(0, -1);
  lines.forEach((raw, index) => {
    const n = index + 1;
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(raw);
      if (m === null) return; // a plain comment
      const [, kind, name, rest = ''] = m as unknown as [string, string, string, string?];
      if (!METRIC_NAME.test(name)) throw new ExpositionError(n, `bad metric name ${JSON.stringify(name)}`);
      let family = families.get(name);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new ExpositionError(n, `unknown type ${JSON.stringify(rest)}`);
        if (family !== undefined && family.samples.length > 0)
          throw new ExpositionError(n, `TYPE of ${name} after its samples`);
        if (family !== undefined && family.type !== 'untyped')
          throw new ExpositionError(n, `second TYPE for ${name}`);
        family = { name, type: rest, help: family?.help ?? null, samples: [] };
        families.set(name, family);
      } else {
        if (family?.help != null) throw new ExpositionError(n, `second HELP for ${name}`);
        if (family === undefined) {
          family = { name, type: 'untyped', help: null, samples: [] };
          families.set(name, family);
        }
        family.help = rest.replace(/\\(n|\\)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
      }
      if (current !== null && current !== family && family.samples.length > 0)
        throw new ExpositionError(n, `family ${name} continues after another family`);
      current = family;
      return;
    }
    const nameEnd = raw.search(/[{ ]/);
    if (nameEnd <= 0) throw new ExpositionError(n, 'a sample needs a name and a value');
    const name = raw.slice(0, nameEnd);
    if (!METRIC_NAME.test(name)) throw new ExpositionError(n, `bad metric name ${JSON.stringify(name)}`);
    let labels: Record<string, string> = {};
    let at = nameEnd;
    if (raw[at] === '{') ({ labels, end: at } = parseLabels(raw, at, n));
    if (raw[at] !== ' ') throw new ExpositionError(n, 'expected a space before the value');
    const fields = raw.slice(at + 1).split(' ');
    if (fields.length < 1 || fields.length > 2 || fields.some((f) => f === ''))
      throw new ExpositionError(n, 'expected a value and an optional timestamp');
    const value = parseValue(fields[0]!, n);
    if (fields[1] !== undefined && !/^-?\d+$/.test(fields[1]))
      throw new ExpositionError(n, `bad timestamp ${JSON.stringify(fields[1])}`);
    const family = familyOf(name, families);
    if (family === undefined) throw new ExpositionError(n, `sample of ${name} before its TYPE`);
    if (current !== family) throw new ExpositionError(n, `sample of ${name} outside its family's block`);
    if (family.type === 'counter' && !(value >= 0))
      throw new ExpositionError(n, `counter ${name} is ${fields[0]!}`);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (series.has(key)) throw new ExpositionError(n, `series ${name}${JSON.stringify(labels)} repeated`);
    series.add(key);
    family.samples.push({ name, labels, value });
  });
  return families;
}

/** The value of one series (labels matched exactly), or undefined. */
export function sampleValue(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const want = JSON.stringify(Object.entries(labels).sort());
  for (const f of families.values())
    for (const s of f.samples)
      if (s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === want) return s.value;
  return undefined;
}
