import { describe, expect, it } from 'vitest';
import { looksLikeOle2, oleDirectory, oleIsEncryptedPackage, oleMacroMarkers, OleError } from './ole2.js';
import { buildOle } from './testing.js';

describe('oleDirectory', () => {
  it('lists storages and streams and finds VBA markers', () => {
    const ole = buildOle([
      { name: 'WordDocument', type: 2 },
      { name: 'Macros', type: 1 },
      { name: 'VBA', type: 1 },
      { name: '_VBA_PROJECT', type: 2 },
      { name: 'dir', type: 2 },
    ]);
    expect(looksLikeOle2(ole)).toBe(true);
    const entries = oleDirectory(ole);
    expect(entries.map((e) => e.name)).toEqual([
      'Root Entry',
      'WordDocument',
      'Macros',
      'VBA',
      '_VBA_PROJECT',
      'dir',
    ]);
    expect(oleMacroMarkers(entries).sort()).toEqual(['Macros', 'VBA', '_VBA_PROJECT']);
  });

  it('sees a plain document and an encrypted package for what they are', () => {
    expect(oleMacroMarkers(oleDirectory(buildOle([{ name: 'WordDocument', type: 2 }])))).toEqual([]);
    expect(
      oleIsEncryptedPackage(
        oleDirectory(
          buildOle([
            { name: 'EncryptionInfo', type: 2 },
            { name: 'EncryptedPackage', type: 2 },
          ]),
        ),
      ),
    ).toBe(true);
  });

  it('stops on a directory chain that loops, and on damage', () => {
    expect(() =>
      oleDirectory(
        buildOle(
          Array.from({ length: 6 }, (_, i) => ({ name: `s${i}`, type: 2 as const })),
          { loop: true },
        ),
      ),
    ).toThrow(/loops/);
    const ole = buildOle([{ name: 'VBA', type: 1 }]);
    const bad = Buffer.from(ole);
    bad.writeUInt16LE(3, 0x1e);
    expect(() => oleDirectory(bad)).toThrow(/sector size/);
    const far = Buffer.from(ole);
    far.writeUInt32LE(5000, 0x30);
    expect(() => oleDirectory(far)).toThrow(OleError);
    expect(() => oleDirectory(Buffer.from('plain text'))).toThrow(/not an OLE2/);
    expect(() => oleDirectory(ole.subarray(0, 700))).toThrow(OleError);
  });
});
