/** Bytes the boundary scanner looks at. All are ASCII, so none occurs inside a multi-byte character. */
export const TAB = 0x09;
export const NL = 0x0a;
export const CR = 0x0d;
export const SPACE = 0x20;
export const QUOTE = 0x22;
export const COMMA = 0x2c;
export const COLON = 0x3a;
export const UPPER_R = 0x52;
export const LBRACKET = 0x5b;
export const BACKSLASH = 0x5c;
export const RBRACKET = 0x5d;
export const LBRACE = 0x7b;
export const RBRACE = 0x7d;
export const BOM = [0xef, 0xbb, 0xbf];

/** Bytes that end a bare token outside NDJSON: whitespace and JSON punctuation. */
export const ENDS_TOKEN = new Uint8Array(256);
for (const c of [TAB, NL, CR, SPACE, QUOTE, COMMA, COLON, LBRACKET, RBRACKET, LBRACE, RBRACE])
  ENDS_TOKEN[c] = 1;

/** Whether a container has anything between its brackets: only such a record tells NDJSON apart. */
export function hasContent(bytes: Buffer): boolean {
  for (let k = 1; k < bytes.length - 1; k++) if (bytes[k]! > SPACE) return true;
  return false;
}

export function isRecordHeader(bytes: Buffer): boolean {
  return bytes[0] === UPPER_R && bytes.length <= 40 && /^Record \d+\s*$/.test(bytes.toString('latin1'));
}
