/**
 * A cheap, bounded look at a message's MIME shape before the real parser sees it: the size of the
 * top header block, how many parts there are and how deeply multiparts nest. Hostile messages
 * (MIME bombs, thousands of nested multiparts, megabytes of headers) are recognized here, so the
 * parser is only ever given work of a known size. One pass over the lines; the stack of open
 * boundaries never grows past the depth limit.
 */
export interface StructureLimits {
  readonly maxHeaderBytes: number;
  readonly maxParts: number;
  readonly maxDepth: number;
}

export type StructureLimit = 'header-bytes' | 'parts' | 'depth';

export interface MimeShape {
  /** Byte offset where the top header block ends (the blank line), or the message length. */
  readonly headerEnd: number;
  /** True when a blank line ends the headers (a message may be headers only). */
  readonly hasBody: boolean;
  readonly parts: number;
  readonly depth: number;
  /** The first limit the message went past, with the value seen when it stopped counting. */
  readonly exceeded: { readonly limit: StructureLimit; readonly value: number; readonly max: number } | null;
}

const LF = 0x0a;

/** Offset just past the blank line that ends a header block starting at `from`, or -1. */
function headerBlockEnd(raw: Buffer, from: number, max: number): number {
  let lineStart = from;
  const stop = Math.min(raw.length, from + max);
  while (lineStart < stop) {
    const nl = raw.indexOf(LF, lineStart);
    if (nl < 0 || nl >= stop + 2) return -1;
    const length = nl - lineStart - (nl > lineStart && raw[nl - 1] === 0x0d ? 1 : 0);
    if (length === 0) return nl + 1;
    lineStart = nl + 1;
  }
  return -1;
}

/** The boundary of a multipart header block, lower-cased header names, folded lines joined. */
function multipartBoundary(headers: string): string | null {
  const unfolded = headers.replace(/\r?\n[ \t]+/g, ' ');
  const ct = /^content-type:[ \t]*([^\r\n]*)/im.exec(unfolded);
  if (ct === null || !/^\s*multipart\//i.test(ct[1]!)) return null;
  const b = /boundary\s*=\s*(?:"([^"]{1,200})"|([^;\s]{1,200}))/i.exec(ct[1]!);
  return b === null ? null : (b[1] ?? b[2] ?? null);
}

function isEmbeddedMessage(headers: string): boolean {
  const unfolded = headers.replace(/\r?\n[ \t]+/g, ' ');
  const ct = /^content-type:[ \t]*([^\r\n;]*)/im.exec(unfolded);
  const cte = /^content-transfer-encoding:[ \t]*([^\r\n;]*)/im.exec(unfolded);
  return (
    ct !== null &&
    /^\s*message\/(rfc822|global)\s*$/i.test(ct[1]!) &&
    (cte === null || !/base64|quoted/i.test(cte[1]!))
  );
}

export function scanStructure(raw: Buffer, limits: StructureLimits): MimeShape {
  const topEnd = headerBlockEnd(raw, 0, limits.maxHeaderBytes);
  if (topEnd < 0) {
    const over = raw.length > limits.maxHeaderBytes;
    return {
      headerEnd: raw.length,
      hasBody: false,
      parts: 1,
      depth: 0,
      exceeded: over ? { limit: 'header-bytes', value: raw.length, max: limits.maxHeaderBytes } : null,
    };
  }
  // Open multiparts, innermost last: each with its delimiter line and its nesting depth.
  const stack: { delimiter: string; depth: number }[] = [];
  let parts = 1;
  let maxDepth = 0;
  const exceeded = (limit: StructureLimit, value: number, max: number): MimeShape => ({
    headerEnd: topEnd,
    hasBody: true,
    parts,
    depth: maxDepth,
    exceeded: { limit, value, max },
  });
  /** Handles the header block of an entity at `depth`; returns where its body starts. */
  const enter = (headersFrom: number, depth: number): number | MimeShape => {
    let at = headersFrom;
    let d = depth;
    for (;;) {
      const end = headerBlockEnd(raw, at, limits.maxHeaderBytes);
      if (end < 0) {
        if (raw.length - at > limits.maxHeaderBytes)
          return exceeded('header-bytes', raw.length - at, limits.maxHeaderBytes);
        return raw.length;
      }
      const headers = raw.toString('latin1', at, end);
      const boundary = multipartBoundary(headers);
      if (boundary !== null) {
        if (d + 1 > limits.maxDepth) return exceeded('depth', d + 1, limits.maxDepth);
        stack.push({ delimiter: `--${boundary}`, depth: d + 1 });
        maxDepth = Math.max(maxDepth, d + 1);
        return end;
      }
      if (!isEmbeddedMessage(headers)) return end;
      // An attached message: its own header block follows, one level deeper.
      d++;
      if (d > limits.maxDepth) return exceeded('depth', d, limits.maxDepth);
      maxDepth = Math.max(maxDepth, d);
      at = end;
    }
  };
  const first = enter(0, 0);
  if (typeof first !== 'number') return first;
  let pos = first;
  while (pos < raw.length && stack.length > 0) {
    let nl = raw.indexOf(LF, pos);
    if (nl < 0) nl = raw.length;
    // Delimiter lines are short; only those starting with "--" are compared with open boundaries.
    if (raw[pos] === 0x2d && raw[pos + 1] === 0x2d && nl - pos <= 300) {
      const line = raw.toString('latin1', pos, nl).replace(/[ \t\r]+$/, '');
      for (let i = stack.length - 1; i >= 0; i--) {
        const { delimiter, depth } = stack[i]!;
        if (!line.startsWith(delimiter)) continue;
        const rest = line.slice(delimiter.length);
        if (rest === '--') {
          stack.length = i; // closes this multipart and anything left open inside it
          break;
        }
        if (rest !== '') continue;
        stack.length = i + 1;
        parts++;
        if (parts > limits.maxParts) return exceeded('parts', parts, limits.maxParts);
        const body = enter(nl + 1, depth);
        if (typeof body !== 'number') return body;
        nl = body - 1;
        break;
      }
    }
    pos = nl + 1;
  }
  return { headerEnd: topEnd, hasBody: true, parts, depth: maxDepth, exceeded: null };
}
