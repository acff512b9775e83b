/** Byte-level transformations behind the base64 and utf16 modifiers. */

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function utf16(text: string, order: 'le' | 'be', bom: boolean): Uint8Array {
  const out = new Uint8Array(text.length * 2 + (bom ? 2 : 0));
  let o = 0;
  if (bom) {
    out[o++] = order === 'le' ? 0xff : 0xfe;
    out[o++] = order === 'le' ? 0xfe : 0xff;
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[o++] = order === 'le' ? c & 0xff : c >> 8;
    out[o++] = order === 'le' ? c >> 8 : c & 0xff;
  }
  return out;
}

export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/**
 * The three forms `bytes` takes inside a longer base64 text, depending on its offset modulo 3.
 * Characters that also encode neighbouring bytes (before or after) are cut off, leaving only
 * the part that is the same wherever the bytes sit.
 */
export function base64Offsets(bytes: Uint8Array): string[] {
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const padded = new Uint8Array(shift + bytes.length);
    padded.set(bytes, shift);
    const encoded = base64(padded).replace(/=+$/, '');
    // Leading characters carrying bits of the filler bytes: 0, 2 or 3 for shifts 0, 1, 2.
    const start = [0, 2, 3][shift]!;
    // The last character is partial unless the total length is a multiple of 3.
    const total = shift + bytes.length;
    const end = total % 3 === 0 ? encoded.length : encoded.length - 1;
    const variant = encoded.slice(start, end);
    if (variant && !out.includes(variant)) out.push(variant);
  }
  return out;
}
