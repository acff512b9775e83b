import { parentPort } from 'node:worker_threads';
import type { ChunkJob, ChunkResult } from './protocol.js';
import { renderChunk } from './render-chunk.js';

parentPort?.on('message', (job: ChunkJob) => {
  let result: ChunkResult;
  try {
    result = renderChunk(job);
  } catch (e) {
    // A defect, not damage in the file: report the chunk as lost rather than kill the pool.
    const message = `chunk ${job.index}: internal error while decoding: ${(e as Error).message}`;
    const offset = 4096 + job.index * 65536;
    const error = { code: 'evtx.record-binxml' as const, message, offset, recordsLost: undefined };
    result = { id: job.id, text: '', records: 0, errors: [error], warnings: [] };
  }
  parentPort!.postMessage(result);
});
