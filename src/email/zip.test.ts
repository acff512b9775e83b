import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildZip } from './testing.js';
import { listZip, readZipEntry, ZipError } from './zip.js';

const zipPresent = spawnSync('zip', ['-v']).status === 0;

describe('listZip', () => {
  it('lists names, sizes, methods and the encryption flag', () => {
    const z = buildZip([
      { name: 'invoice.pdf', data: 'x'.repeat(1000) },
      { name: 'run.exe', data: 'MZ', stored: true },
      { name: 'secret/payload.js', data: 'alert(1)', encrypted: true },
    ]);
    const l = listZip(z);
    expect(l.entries.map((e) => [e.name, e.size, e.method, e.encrypted])).toEqual([
      ['invoice.pdf', 1000, 8, false],
      ['run.exe', 2, 0, false],
      ['secret/payload.js', 8, 8, true],
    ]);
    expect(l.problems).toEqual([]);
    expect(readZipEntry(z, l.entries[0]!, 10_000).toString()).toBe('x'.repeat(1000));
  });

  it('stops at the entry limit and says how many were declared', () => {
    const z = buildZip(Array.from({ length: 30 }, (_, i) => ({ name: `f${i}.txt`, data: 'a' })));
    const l = listZip(z, 10);
    expect(l.entries).toHaveLength(10);
    expect(l.declared).toBe(30);
  });

  it('refuses to inflate past the ceiling (a decompression bomb)', () => {
    const z = buildZip([{ name: 'bomb.bin', data: Buffer.alloc(4 << 20) }]);
    expect(z.length).toBeLessThan(10_000);
    const [entry] = listZip(z).entries;
    expect(() => readZipEntry(z, entry!, 1 << 20)).toThrow(/inflates past/);
  });

  it('gives a clear error for truncated, foreign and damaged data', () => {
    const z = buildZip([{ name: 'a.txt', data: 'hello' }]);
    expect(() => listZip(z.subarray(0, z.length - 10))).toThrow(ZipError);
    expect(() => listZip(Buffer.from('not a zip at all, just text that is long enough'))).toThrow(
      /no end of central directory/,
    );
    expect(() => listZip(Buffer.alloc(5))).toThrow(/too short/);
    // The directory's offset points past the data.
    const bad = Buffer.from(z);
    bad.writeUInt32LE(0x7fffffff, bad.length - 6);
    expect(() => listZip(bad)).toThrow(/outside the data/);
    // An entry whose name runs past the directory: the listing stops there and says so.
    const long = Buffer.from(z);
    const cd = long.readUInt32LE(long.length - 6);
    long.writeUInt16LE(0xffff, cd + 28);
    expect(listZip(long).problems[0]).toMatch(/runs past/);
    // Data pointing outside the archive.
    const entry = { ...listZip(z).entries[0]!, localHeaderOffset: 999_999 };
    expect(() => readZipEntry(z, entry, 100)).toThrow(/no local header/);
    expect(() => readZipEntry(z, { ...entry, localHeaderOffset: 0, encrypted: true }, 100)).toThrow(
      /encrypted/,
    );
  });

  it('finds the directory of a self-extracting archive (data before the zip)', () => {
    const z = buildZip([{ name: 'a.exe', data: 'MZ' }]);
    const sfx = Buffer.concat([Buffer.from('MZ stub of a self-extractor....'), z]);
    const l = listZip(sfx);
    expect(l.entries.map((e) => e.name)).toEqual(['a.exe']);
    expect(l.problems[0]).toMatch(/off by/);
  });

  it.skipIf(!zipPresent)('reads archives made by Info-ZIP, encrypted ones included', () => {
    if (!zipPresent) console.log('zip not found: skipping the Info-ZIP cross-check');
    const dir = mkdtempSync(join(tmpdir(), 'vigil-zip-'));
    try {
      writeFileSync(join(dir, 'notes.txt'), 'hello '.repeat(100));
      writeFileSync(join(dir, 'setup.exe'), 'MZ');
      expect(
        spawnSync('zip', ['-q', '-P', 'infected', 'x.zip', 'notes.txt', 'setup.exe'], { cwd: dir }).status,
      ).toBe(0);
      const l = listZip(readFileSync(join(dir, 'x.zip')));
      expect(l.entries.map((e) => [e.name, e.encrypted])).toEqual([
        ['notes.txt', true],
        ['setup.exe', true],
      ]);
      expect(spawnSync('zip', ['-q', 'plain.zip', 'notes.txt'], { cwd: dir }).status).toBe(0);
      const plain = readFileSync(join(dir, 'plain.zip'));
      expect(readZipEntry(plain, listZip(plain).entries[0]!, 10_000).toString()).toBe('hello '.repeat(100));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
