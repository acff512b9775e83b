import type { SourceLocation } from '../../core/errors.js';
import { err, ok, type Result } from '../../core/result.js';
import type { JsonObject, RawRecord } from '../types.js';
import { JsonError, type JsonErrorCode } from './errors.js';
import type { Position, ScanItem } from './model.js';

type Decoded = Result<RawRecord, JsonError>;

/** Turns what the scanner found into a record, or into an error item that says where and why. */
export function decode(item: ScanItem, source: string): Decoded {
  const at = item.at;
  if (item.kind === 'error') return problem(item.code, item.message, where(source, at));
  let text: string;
  try {
    text = item.bytes.toString('utf8');
  } catch (cause) {
    // Only a string past V8's length limit gets here, when maxRecordBytes was raised that far.
    return problem(
      'json.too-large',
      `record from line ${at.line} cannot be decoded`,
      where(source, at),
      cause,
    );
  }
  let value: unknown;
  try {
    // JSON.parse makes `__proto__` an own key, never the prototype: records stay inert data.
    value = JSON.parse(text);
  } catch (cause) {
    if (cause instanceof SyntaxError) return syntaxError(text, cause, source, at);
    return problem(
      'json.too-deep',
      `record from line ${at.line} is too deep to parse`,
      where(source, at),
      cause,
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const what = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return problem('json.not-object', `top-level value is ${what}, not an object`, where(source, at));
  }
  const origin = { source, format: 'json', offset: at.offset, line: at.line } as const;
  return ok({ event: value as JsonObject, origin });
}

function problem(code: JsonErrorCode, message: string, location: SourceLocation, cause?: unknown): Decoded {
  return err(new JsonError(code, message, location, cause === undefined ? undefined : { cause }));
}

function where(file: string, at: Position): SourceLocation {
  return { file, offset: at.offset, line: at.line, column: at.column };
}

/** Points the error at the byte JSON.parse stopped at; its position counts UTF-16 units of `text`. */
function syntaxError(text: string, cause: SyntaxError, source: string, at: Position): Decoded {
  const opener = text.charAt(0);
  if (opener !== '{' && opener !== '[' && opener !== '"') {
    const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
    const message = `unexpected text ${JSON.stringify(shown)} where a record should start`;
    return problem('json.syntax', message, where(source, at), cause);
  }
  const message = `invalid JSON in record from line ${at.line}: ${cause.message.replace(/ in JSON at position \d+.*$/s, '')}`;
  const index = /in JSON at position (\d+)/.exec(cause.message)?.[1];
  if (index === undefined) return problem('json.syntax', message, where(source, at), cause);
  const before = text.slice(0, Number(index));
  let line = at.line;
  let lastBreak = -1;
  for (let k = before.indexOf('\n'); k >= 0; k = before.indexOf('\n', k + 1))
    [line, lastBreak] = [line + 1, k];
  const column =
    lastBreak < 0
      ? at.column + Buffer.byteLength(before)
      : Buffer.byteLength(before.slice(lastBreak + 1)) + 1;
  const offset = at.offset + Buffer.byteLength(before);
  return problem('json.syntax', message, { file: source, offset, line, column }, cause);
}
