import { describe, expect, it } from 'vitest';
import { readEvtxFile } from '../../src/ingest/evtx/index.js';
import { Mappings } from '../../src/normalize/index.js';
import { corpusPath, findFiles, skipMessage } from '../support/corpus.js';

const corpus = corpusPath();

describe.skipIf(corpus === null)('flattening EVTX records without their JSON gives the same fields', () => {
  it('on every record of the corpus', async () => {
    const mappings = Mappings.load();
    let records = 0;
    for (const file of findFiles(corpus!, '.evtx')) {
      for await (const r of readEvtxFile(file)) {
        if (!r.ok) continue;
        records++;
        // the direct path first: toJSON caches the document, which sections() would then reuse
        const direct = mappings.flattenEvtxRecord(r.value);
        const viaJson = mappings.flatten(r.value.toJSON());
        const sorted = (m: Map<string, unknown>) => [...m].sort((a, b) => (a[0] < b[0] ? -1 : 1));
        expect(sorted(direct.fields), `${file} record ${r.value.recordId}`).toEqual(sorted(viaJson.fields));
        expect(direct.time).toBe(viaJson.time);
      }
    }
    expect(records).toBeGreaterThan(18000);
  });
});
if (corpus === null) {
  console.warn(skipMessage('EVTX corpus'));
  it.skip(skipMessage('EVTX corpus'), () => {});
}
