import { describe, expect, it } from 'vitest';
import { readEvtxFile, stringifyJson, type EvtxError } from '../../src/ingest/evtx/index.js';
import { corpusPath, skipMessage } from '../support/corpus.js';

const dir = corpusPath('evtx-samples');

/** [file, records read, error items, warnings]: pinned so any change in recovery is deliberate. */
const EXPECTED: [string, number, number, number][] = [
  ['2-system-Microsoft-Windows-LiveId%4Operational.evtx', 399, 0, 0],
  ['2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx', 1951, 26, 2],
  ['2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx', 1795, 1, 2],
  ['2-vss_7-System.evtx', 1160, 0, 7],
  ['Application_no_crc32.evtx', 17, 0, 0],
  ['E_ShadowCopy6_windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx', 459, 0, 0],
  ['E_Windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx', 340, 0, 0],
  ['E_Windows_system32_winevt_logs_Microsoft-Windows-Shell-Core%4Operational.evtx', 1146, 0, 4],
  ['MSExchange_Management_wec.evtx', 1, 0, 0],
  ['Microsoft-Windows-HelloForBusiness%4Operational.evtx', 5, 1, 1],
  ['Microsoft-Windows-LanguagePackSetup%4Operational.evtx', 16, 1, 1],
  ['Security_short_selected.evtx', 7, 0, 0],
  ['Security_with_size_t.evtx', 636, 0, 0],
  ['issue_201.evtx', 1, 0, 0],
  ['new-user-security.evtx', 4, 0, 0],
  ['post-Security.evtx', 126, 0, 0],
  ['sample-with-irregular-bool-values.evtx', 3028, 0, 0],
  ['sample-with-zero-data-size-event.evtx', 449, 1, 1],
  ['sample_with_a_bad_chunk_magic.evtx', 298, 5, 3],
  ['security.evtx', 2261, 0, 0],
  ['security_bad_string_cache.evtx', 2261, 0, 1],
  ['sysmon.evtx', 358, 8, 8],
  ['system.evtx', 1881, 0, 12],
];

async function readAll(file: string) {
  const records: { id: number; json: string; xml: string }[] = [];
  const errors: EvtxError[] = [];
  const warnings: EvtxError[] = [];
  for await (const r of readEvtxFile(`${dir}/${file}`, { onWarning: (w) => warnings.push(w) })) {
    if (r.ok)
      records.push({ id: r.value.recordId, json: stringifyJson(r.value.toJSON()), xml: r.value.toXml() });
    else errors.push(r.error);
  }
  return { records, errors, warnings };
}

describe.skipIf(dir === null)('real EVTX samples, clean and dirty', () => {
  for (const [file, ok, errorCount, warningCount] of EXPECTED) {
    it(`${file}: ${ok} records, ${errorCount} losses reported`, async () => {
      const { records, errors, warnings } = await readAll(file);
      expect(records.length).toBe(ok);
      expect(errors.length).toBe(errorCount);
      expect(warnings.length).toBe(warningCount);
      for (const e of errors) {
        expect(e.offset).toBeGreaterThanOrEqual(0);
        expect(e.message.length).toBeGreaterThan(10);
        expect(e.describe()).toContain(file);
      }
      expect(new Set(records.map((r) => r.id)).size).toBe(records.length);
      for (const r of records) expect(r.xml.startsWith('<Event')).toBe(true);
    });
  }

  it('a zero-size record costs itself only, reported at its offset', async () => {
    const { records, errors } = await readAll('sample-with-zero-data-size-event.evtx');
    expect(errors[0]!.code).toBe('evtx.record-header');
    expect(errors[0]!.offset).toBe(0x1820);
    expect(errors[0]!.message).toMatch(/size 0/);
    expect(errors[0]!.recordsLost).toBe(1);
    // ids run 1..450 with exactly the damaged one missing
    const ids = records.map((r) => r.id);
    expect(ids[0]).toBe(1);
    expect(ids.at(-1)).toBe(450);
  });

  it('a bad chunk signature costs that chunk, and later chunks are still read', async () => {
    const { records, errors } = await readAll('sample_with_a_bad_chunk_magic.evtx');
    const magic = errors.filter((e) => e.code === 'evtx.chunk-magic');
    expect(magic.map((e) => e.offset)).toEqual([0x61000, 0xa1000]);
    expect(records.some((r) => r.id > 47000)).toBe(true);
  });

  it('a corrupt string cache does not change a single record', async () => {
    const clean = await readAll('security.evtx');
    const dirty = await readAll('security_bad_string_cache.evtx');
    expect(dirty.warnings[0]!.code).toBe('evtx.chunk-header-checksum');
    expect(dirty.records.map((r) => r.json)).toEqual(clean.records.map((r) => r.json));
  });

  it('strict checksums drop the chunks that lenient mode decodes', async () => {
    let strictOk = 0;
    let strictLost = 0;
    for await (const r of readEvtxFile(`${dir}/sample-with-zero-data-size-event.evtx`, {
      checksums: 'strict',
    })) {
      if (r.ok) strictOk++;
      else strictLost += r.error.recordsLost ?? 0;
    }
    expect(strictOk).toBeLessThan(449);
    expect(strictLost).toBeGreaterThan(0);
  });
});
if (dir === null) {
  console.warn(skipMessage('EVTX samples corpus'));
  it.skip(skipMessage('EVTX samples corpus'), () => {});
}
