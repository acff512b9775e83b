import { stringifyJson } from '../render/json.js';
import type { EvtxRecord } from '../record.js';
import { ChunkWalker } from '../walker.js';
import {
  serializeError,
  type ChunkJob,
  type ChunkResult,
  type RenderFormat,
  type RenderedItem,
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
  const walker = new ChunkWalker({
    file: job.file,
    checksums: job.strict ? 'strict' : 'lenient',
    onWarning: (w) => warnings.push(serializeError(w)),
  });
  walker.setChunkCount(job.chunkCount);
  const items: RenderedItem[] = [];
  for (const item of walker.chunk(Buffer.from(job.buffer, 0, job.length), job.index)) {
    if (!item.ok) {
      items.push({ ok: false, error: serializeError(item.error) });
      continue;
    }
    const r = item.value;
    try {
      items.push({
        ok: true,
        value: { recordId: r.recordId, offset: r.offset, text: renderRecord(r, job.format) },
      });
    } catch (e) {
      const message = `record ${r.recordId} cannot be rendered: ${(e as Error).message}`;
      items.push({
        ok: false,
        error: { code: 'evtx.record-render', message, offset: r.offset, recordsLost: 1 },
      });
    }
  }
  return { id: job.id, items, warnings };
}
