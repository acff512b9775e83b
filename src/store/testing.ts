/**
 * Reference escaping for tests: ClickHouse's TabSeparated escapes done the plain way, with string
 * replacement, to check the byte writer (TsvWriter) against.
 */
const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  "'": "\\'",
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
  '\0': '\\0',
};

/** A top-level TabSeparated value. */
export const tsvText = (s: string) => s.replace(/[\\\t\n\r\0]/g, (c) => ESCAPES[c]!);

/** A string inside an array or map: quoted, the quote escaped too. */
export const tsvQuoted = (s: string) => `'${s.replace(/[\\'\t\n\r\0]/g, (c) => ESCAPES[c]!)}'`;
