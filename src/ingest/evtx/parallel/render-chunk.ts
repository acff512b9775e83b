import { stringifyJson } from '../render/json.js';
import type { EvtxRecord } from '../record.js';
import { ChunkWalker } from '../walker.js';
import {
  serializeError,
  type ChunkJob,
  type ChunkResult,
  type RenderFormat,
  type SerializedError,
} from './protocol.js';

export function renderRecord(record: EvtxRecord, format: RenderFormat): string {
  switch (format) {
    case 'jsonl':
      return stringifyJson(record.toJSON());
    case 'json':
      return stringifyJson(record.toJSON(), 2);
    case 'xml':
      return record.toXml();
  }
}

/** Decodes and renders one chunk; the same code runs in workers and, with one thread, in-process. */
export function renderChunk(job: ChunkJob): ChunkResult {
  const warnings: SerializedError[] = [];
  const errors: SerializedError[] = [];
  const walker = new ChunkWalker({
    file: job.file,
    checksums: job.strict ? 'strict' : 'lenient',
    onWarning: (w) => warnings.push(serializeError(w)),
  });
  walker.setChunkCount(job.chunkCount);
  let text = '';
  let records = 0;
  for (const item of walker.chunk(Buffer.from(job.buffer, job.byteOffset, job.length), job.index)) {
    if (!item.ok) {
      errors.push(serializeError(item.error));
      continue;
    }
    const r = item.value;
    try {
      text += renderRecord(r, job.format) + '\n';
      records++;
    } catch (e) {
      const message = `record ${r.recordId} cannot be rendered: ${(e as Error).message}`;
      errors.push({ code: 'evtx.record-render', message, offset: r.offset, recordsLost: 1 });
    }
  }
  return { id: job.id, text, records, errors, warnings };
}
