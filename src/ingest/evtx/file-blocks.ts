import { open, type FileHandle } from 'node:fs/promises';
import { EvtxError } from './errors.js';
import { CHUNK_SIZE, FILE_HEADER_SIZE } from './file-header.js';

/** Chunks read per I/O call: 1 MiB, and at most two blocks in memory (one in use, one prefetched). */
const CHUNKS_PER_BLOCK = 16;

export type FilePart =
  | { kind: 'header'; buf: Buffer }
  | { kind: 'chunk'; index: number; buf: Buffer }
  | { kind: 'error'; error: EvtxError };

/**
 * Block buffers are recycled across files: allocating 2 MiB of external memory per file makes V8
 * run full collections far more often when many files are read.
 */
const spareBuffers: Buffer[] = [];
const MAX_SPARE = 4;

function takeBuffer(size: number): Buffer {
  const i = spareBuffers.findIndex((b) => b.length === size);
  return i >= 0 ? spareBuffers.splice(i, 1)[0]! : Buffer.allocUnsafe(size);
}

function giveBack(buf: Buffer): void {
  if (spareBuffers.length < MAX_SPARE) spareBuffers.push(buf);
}

type Block = { buf: Buffer; got: number; at: number } | { error: unknown; at: number };

function ioError(file: string, e: unknown, what: string, at: number): FilePart {
  const message = `${what}: ${(e as Error).message}`;
  return { kind: 'error', error: new EvtxError('evtx.io', message, file, at, undefined, { cause: e }) };
}

/**
 * Reads an EVTX file as its header and then its 64 KiB chunks, in file order. The next block is
 * read while the caller works on the current one. A chunk's buffer is reused two blocks later, so
 * callers must be done with it (or have copied it) before asking for more. Never throws.
 */
export async function* readFileParts(path: string, file: string): AsyncGenerator<FilePart> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    yield ioError(file, e, 'cannot open', 0);
    return;
  }
  let buffers: Buffer[] = [];
  let pendingRead: Promise<unknown> | null = null;
  try {
    let blockSize = CHUNK_SIZE * CHUNKS_PER_BLOCK;
    try {
      // Small files need small buffers; a file that grows while being read is still handled.
      const chunks = Math.ceil(((await handle.stat()).size - FILE_HEADER_SIZE) / CHUNK_SIZE);
      blockSize = CHUNK_SIZE * Math.min(CHUNKS_PER_BLOCK, Math.max(1, chunks));
    } catch {
      // keep the default
    }
    buffers = [takeBuffer(blockSize), takeBuffer(blockSize)];
    const blocks = buffers;
    let blocksRead = 0;
    const readBlock = async (at: number): Promise<Block> => {
      const buf = blocks[blocksRead++ % 2]!;
      try {
        const { bytesRead } = await handle.read(buf, 0, buf.length, at);
        return { buf, got: bytesRead, at };
      } catch (error) {
        return { error, at };
      }
    };
    let pending: Promise<Block> | null = readBlock(FILE_HEADER_SIZE);
    pendingRead = pending;
    const head = Buffer.alloc(FILE_HEADER_SIZE);
    try {
      const { bytesRead } = await handle.read(head, 0, FILE_HEADER_SIZE, 0);
      yield { kind: 'header', buf: head.subarray(0, bytesRead) };
    } catch (e) {
      await pending;
      yield ioError(file, e, 'read failed', 0);
      return;
    }
    let index = 0;
    while (pending) {
      const block: Block = await pending;
      if ('error' in block) {
        yield ioError(file, block.error, 'read failed', block.at);
        return;
      }
      const full: boolean = block.got === block.buf.length;
      pending = full ? readBlock(block.at + block.got) : null;
      pendingRead = pending;
      for (let off = 0; off < block.got; off += CHUNK_SIZE, index++) {
        yield { kind: 'chunk', index, buf: block.buf.subarray(off, Math.min(off + CHUNK_SIZE, block.got)) };
      }
    }
  } finally {
    // A read still in flight (the stream was abandoned) keeps writing into its buffer: wait for it.
    await pendingRead;
    for (const b of buffers) giveBack(b);
    await handle.close();
  }
}
