import { TrustError } from './errors.js';

/**
 * The canonical JSON Notary signs (docker/go's canonical encoder, after OLPC's Canonical JSON):
 * no white space, object keys sorted by their UTF-8 bytes, strings with only `"` and `\`
 * escaped (every other character, control characters included, written as is), integers only.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, out, 0);
  return out.join('');
}

const MAX_DEPTH = 100;

function write(value: unknown, out: string[], depth: number): void {
  if (depth > MAX_DEPTH) throw new TrustError('bad-response', 'canonical JSON: nesting deeper than 100');
  if (value === null) {
    out.push('null');
    return;
  }
  switch (typeof value) {
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isSafeInteger(value)) {
        throw new TrustError('bad-response', `canonical JSON has no form for the number ${value}`);
      }
      out.push(Object.is(value, -0) ? '0' : String(value));
      return;
    case 'string':
      out.push(
        '"',
        value.replace(/["\\]/g, (c) => `\\${c}`),
        '"',
      );
      return;
    case 'object':
      if (Array.isArray(value)) {
        out.push('[');
        value.forEach((v, i) => {
          if (i > 0) out.push(',');
          write(v, out, depth + 1);
        });
        out.push(']');
        return;
      }
      out.push('{');
      Object.keys(value)
        .sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')))
        .forEach((k, i) => {
          if (i > 0) out.push(',');
          write(k, out, depth + 1);
          out.push(':');
          write((value as Record<string, unknown>)[k], out, depth + 1);
        });
      out.push('}');
      return;
    default:
      throw new TrustError('bad-response', `canonical JSON has no form for a ${typeof value}`);
  }
}
