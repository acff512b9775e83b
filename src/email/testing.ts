import { deflateRawSync } from 'node:zlib';

/**
 * Builders of test inputs for the email analyzers: zip archives, OLE2 compound files and MIME
 * messages, written from the formats' specifications so tests can make exactly the structure
 * (and the damage) they need.
 */

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const b of data) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface ZipInput {
  readonly name: string;
  readonly data: Buffer | string;
  /** Store without compression (method 0); default deflate. */
  readonly stored?: boolean;
  /** Set the encryption flag (the data is written as given). */
  readonly encrypted?: boolean;
}

/** A zip archive with the given entries: local headers, data, central directory, end record. */
export function buildZip(entries: readonly ZipInput[], options: { prefix?: Buffer } = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = options.prefix?.length ?? 0;
  for (const e of entries) {
    const raw = typeof e.data === 'string' ? Buffer.from(e.data) : e.data;
    const body = e.stored === true ? raw : deflateRawSync(raw);
    const name = Buffer.from(e.name, 'utf8');
    const flags = 0x800 | (e.encrypted === true ? 1 : 0);
    const method = e.stored === true ? 0 : 8;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc32(raw), 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc32(raw), 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([options.prefix ?? Buffer.alloc(0), ...locals, cd, end]);
}

export interface OleInput {
  readonly name: string;
  /** 1 storage, 2 stream. */
  readonly type: 1 | 2;
}

/**
 * A compound file (512-byte sectors) whose directory holds a root entry and the given names;
 * streams are empty. `loop` makes the directory chain point back at itself.
 */
export function buildOle(entries: readonly OleInput[], options: { loop?: boolean } = {}): Buffer {
  const all = [{ name: 'Root Entry', type: 5 }, ...entries];
  const dirSectors = Math.ceil(all.length / 4);
  const sector = 512;
  const header = Buffer.alloc(sector, 0);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(header, 0);
  header.writeUInt16LE(0x3e, 0x18);
  header.writeUInt16LE(3, 0x1a);
  header.writeUInt16LE(0xfffe, 0x1c);
  header.writeUInt16LE(9, 0x1e);
  header.writeUInt16LE(6, 0x20);
  header.writeUInt32LE(1, 0x2c); // one FAT sector
  header.writeUInt32LE(1, 0x30); // directory starts at sector 1
  header.writeUInt32LE(0x1000, 0x38);
  header.writeUInt32LE(0xfffffffe, 0x3c);
  header.writeUInt32LE(0xfffffffe, 0x44);
  for (let i = 0; i < 109; i++) header.writeUInt32LE(0xffffffff, 0x4c + i * 4);
  header.writeUInt32LE(0, 0x4c); // FAT in sector 0
  const fat = Buffer.alloc(sector, 0xff);
  fat.writeUInt32LE(0xfffffffd, 0); // sector 0 is the FAT itself
  for (let i = 0; i < dirSectors; i++)
    fat.writeUInt32LE(i === dirSectors - 1 ? (options.loop === true ? 1 : 0xfffffffe) : i + 2, (i + 1) * 4);
  const dir = Buffer.alloc(dirSectors * sector, 0);
  all.forEach((e, i) => {
    const at = i * 128;
    const name = Buffer.from(`${e.name}\0`, 'utf16le');
    name.copy(dir, at, 0, Math.min(64, name.length));
    dir.writeUInt16LE(Math.min(64, name.length), at + 0x40);
    dir[at + 0x42] = e.type;
    dir.writeUInt32LE(0xffffffff, at + 0x44);
    dir.writeUInt32LE(0xffffffff, at + 0x48);
    dir.writeUInt32LE(i === 0 && all.length > 1 ? 1 : 0xffffffff, at + 0x4c);
    dir.writeUInt32LE(0xfffffffe, at + 0x74);
  });
  return Buffer.concat([header, fat, dir]);
}

export interface MimePart {
  readonly contentType: string;
  readonly body: Buffer | string;
  readonly filename?: string;
  readonly encoding?: 'base64' | '7bit' | '8bit' | 'quoted-printable';
}

/**
 * A message: the given headers, then either a single text body or multipart/mixed parts
 * (attachments base64-encoded). Lines end in CRLF.
 */
export function buildMessage(
  headers: Readonly<Record<string, string>>,
  body: string | readonly MimePart[],
): Buffer {
  const lines = Object.entries({ 'MIME-Version': '1.0', ...headers }).map(([k, v]) => `${k}: ${v}`);
  if (typeof body === 'string') {
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type'))
      lines.push('Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit');
    return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body.replace(/\r?\n/g, '\r\n')}\r\n`);
  }
  const boundary = `=_vigil_${body.length}_boundary`;
  lines.push(`Content-Type: multipart/mixed; boundary="${boundary}"`);
  const parts = body.map((p) => {
    const encoding = p.encoding ?? (p.filename === undefined ? '8bit' : 'base64');
    const content = Buffer.isBuffer(p.body) ? p.body : Buffer.from(p.body);
    const encoded =
      encoding === 'base64'
        ? (content.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n')
        : content.toString('utf8').replace(/\r?\n/g, '\r\n');
    const head = [
      `Content-Type: ${p.contentType}${p.filename === undefined ? '' : `; name="${p.filename}"`}`,
      `Content-Transfer-Encoding: ${encoding}`,
    ];
    if (p.filename !== undefined) head.push(`Content-Disposition: attachment; filename="${p.filename}"`);
    return `--${boundary}\r\n${head.join('\r\n')}\r\n\r\n${encoded}\r\n`;
  });
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${parts.join('')}--${boundary}--\r\n`);
}
