/**
 * A bounded reader of the directory of an OLE2 compound file (legacy .doc/.xls/.ppt, .msg): the
 * names of its storages and streams, which is where VBA macros show ("Macros", "VBA",
 * "_VBA_PROJECT"). Sector chains are followed with loop detection and a sector budget.
 */
const SIGNATURE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
const END_OF_CHAIN = 0xfffffffe;
const FREE = 0xffffffff;
const MAX_SECTOR = 0xfffffffa;

export function looksLikeOle2(data: Buffer): boolean {
  return data.length >= 512 && data.subarray(0, 8).equals(SIGNATURE);
}

export interface OleEntry {
  readonly name: string;
  /** 1 storage, 2 stream, 5 root. */
  readonly type: number;
}

export class OleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OleError';
  }
}

/** The directory entries, at most `maxEntries`; throws OleError when the header or FAT is unusable. */
export function oleDirectory(data: Buffer, maxEntries = 4096): OleEntry[] {
  if (!looksLikeOle2(data)) throw new OleError('not an OLE2 compound file');
  const shift = data.readUInt16LE(0x1e);
  if (shift !== 9 && shift !== 12) throw new OleError(`unsupported sector size 2^${shift}`);
  const sectorSize = 1 << shift;
  const sectorCount = Math.floor((data.length - sectorSize) / sectorSize);
  const sector = (id: number): Buffer | null => {
    if (id < 0 || id >= sectorCount) return null;
    const at = (id + 1) * sectorSize;
    return data.subarray(at, at + sectorSize);
  };

  // The FAT's own sectors: 109 listed in the header, the rest in a chain of DIFAT sectors.
  const fatSectors: number[] = [];
  for (let i = 0; i < 109; i++) {
    const id = data.readUInt32LE(0x4c + i * 4);
    if (id <= MAX_SECTOR) fatSectors.push(id);
  }
  let difat = data.readUInt32LE(0x44);
  const seenDifat = new Set<number>();
  while (difat <= MAX_SECTOR && !seenDifat.has(difat) && seenDifat.size < sectorCount) {
    seenDifat.add(difat);
    const s = sector(difat);
    if (s === null) break;
    const perSector = sectorSize / 4 - 1;
    for (let i = 0; i < perSector; i++) {
      const id = s.readUInt32LE(i * 4);
      if (id <= MAX_SECTOR) fatSectors.push(id);
    }
    difat = s.readUInt32LE(perSector * 4);
  }
  const fat: number[] = [];
  for (const id of fatSectors.slice(0, sectorCount)) {
    const s = sector(id);
    if (s === null) throw new OleError(`FAT sector ${id} lies outside the file`);
    for (let i = 0; i < sectorSize; i += 4) fat.push(s.readUInt32LE(i));
  }

  const entries: OleEntry[] = [];
  const seen = new Set<number>();
  let id = data.readUInt32LE(0x30);
  while (id !== END_OF_CHAIN && id !== FREE && entries.length < maxEntries) {
    if (seen.has(id)) throw new OleError(`directory chain loops at sector ${id}`);
    seen.add(id);
    const s = sector(id);
    if (s === null) throw new OleError(`directory sector ${id} lies outside the file`);
    for (let at = 0; at + 128 <= s.length && entries.length < maxEntries; at += 128) {
      const nameBytes = Math.min(s.readUInt16LE(at + 0x40), 64);
      const type = s[at + 0x42]!;
      if (type === 0 || nameBytes < 2) continue;
      entries.push({ name: s.toString('utf16le', at, at + nameBytes - 2), type });
    }
    const next = fat[id];
    if (next === undefined) throw new OleError(`sector ${id} has no FAT entry`);
    id = next;
  }
  return entries;
}

const MACRO_NAMES = new Set([
  'macros',
  'vba',
  '_vba_project',
  '_vba_project_cur',
  'vbaproject',
  'project',
  'projectwm',
]);

/** Names in the directory that mean VBA macros are present. */
export function oleMacroMarkers(entries: readonly OleEntry[]): string[] {
  return [...new Set(entries.map((e) => e.name).filter((n) => MACRO_NAMES.has(n.toLowerCase())))];
}

/** An Office document encrypted with a password: its content is out of any scanner's reach. */
export function oleIsEncryptedPackage(entries: readonly OleEntry[]): boolean {
  return entries.some((e) => e.name === 'EncryptedPackage');
}
