import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readEvtxFile } from '../../src/ingest/evtx/index.js';
import { corpusPath, findFiles, parseConcatenatedJson, skipMessage } from '../support/corpus.js';

const dir = corpusPath('sigma-regression', 'regression_data');
const files = dir ? findFiles(dir, '.evtx') : [];

describe.skipIf(dir === null)(
  'EVTX rendering matches evtx_dump -o json on the Sigma regression corpus',
  () => {
    it('has the corpus', () => expect(files.length).toBeGreaterThan(50));
    for (const evtx of files) {
      it(evtx.slice(dir!.length + 1), async () => {
        const expected = parseConcatenatedJson(readFileSync(evtx.replace(/\.evtx$/, '.json'), 'utf8'));
        const actual: unknown[] = [];
        for await (const r of readEvtxFile(evtx)) {
          if (!r.ok) throw r.error;
          actual.push(JSON.parse(JSON.stringify(r.value.toJSON())));
        }
        expect(actual).toEqual(expected);
      });
    }
  },
);
if (dir === null) {
  console.warn(skipMessage('Sigma regression EVTX corpus'));
  it.skip(skipMessage('Sigma regression EVTX corpus'), () => {});
}
