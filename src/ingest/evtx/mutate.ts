import { CHUNK_SIZE, FILE_HEADER_SIZE } from './file-header.js';
import { readEvtxBuffer } from './reader.js';
import { seededRandom } from '../../core/random.js';

/** Fuzz cases must reproduce from their seed. */
export const prng = seededRandom;

/** Offsets of structures worth corrupting: header fields, chunk header fields, record headers. */
function hotOffsets(file: Buffer): number[] {
  const out = [8, 16, 24, 32, 36, 40, 42, 120, 124];
  for (let c = FILE_HEADER_SIZE; c + 512 <= file.length; c += CHUNK_SIZE) {
    for (const f of [0, 8, 16, 24, 32, 40, 44, 48, 52, 120, 124, 128, 384]) out.push(c + f);
    // the first records of the chunk: magic, size, id
    for (let r = c + 512, n = 0; r + 24 <= Math.min(file.length, c + CHUNK_SIZE) && n < 8; n++) {
      out.push(r, r + 4, r + 8, r + 24, r + 30, r + 36);
      const size = file.readUInt32LE(r + 4);
      if (size < 28 || size > CHUNK_SIZE) break;
      r += size;
    }
  }
  return out.filter((o) => o + 4 <= file.length);
}

export type Mutation = 'flip' | 'u32' | 'truncate' | 'splice' | 'zero' | 'duplicate-chunk';
export const MUTATIONS: readonly Mutation[] = [
  'flip',
  'u32',
  'truncate',
  'splice',
  'zero',
  'duplicate-chunk',
];

/** A mutated copy of `seed`: damage of the kinds found in real forensic images, and worse. */
export function mutate(seed: Buffer, random: () => number): { bytes: Buffer; mutation: Mutation } {
  const mutation = MUTATIONS[Math.floor(random() * MUTATIONS.length)]!;
  const int = (n: number) => Math.floor(random() * n);
  let bytes = Buffer.from(seed);
  switch (mutation) {
    case 'flip':
      for (let i = 0, n = 1 + int(20); i < n && bytes.length > 0; i++) {
        const at = int(bytes.length);
        bytes.writeUInt8(bytes.readUInt8(at) ^ (1 << int(8)), at);
      }
      break;
    case 'u32': {
      const hot = hotOffsets(bytes);
      const values = [0, 1, 0xffffffff, 0x7fffffff, 24, 28, 512, 65536, 65535, int(0x100000000)];
      for (let i = 0, n = 1 + int(4); i < n; i++)
        bytes.writeUInt32LE(values[int(values.length)]!, hot[int(hot.length)]!);
      break;
    }
    case 'truncate':
      bytes = bytes.subarray(0, int(bytes.length));
      break;
    case 'splice': {
      const len = 1 + int(512);
      const from = int(Math.max(1, bytes.length - len));
      bytes.copy(bytes, int(Math.max(1, bytes.length - len)), from, from + len);
      break;
    }
    case 'zero': {
      const at = int(bytes.length);
      bytes.fill(0, at, Math.min(bytes.length, at + 1 + int(4096)));
      break;
    }
    case 'duplicate-chunk':
      if (bytes.length >= FILE_HEADER_SIZE + CHUNK_SIZE)
        bytes = Buffer.concat([bytes, bytes.subarray(FILE_HEADER_SIZE, FILE_HEADER_SIZE + CHUNK_SIZE)]);
      break;
  }
  return { bytes, mutation };
}

export interface CaseOutcome {
  records: number;
  errors: number;
}

/**
 * Reads a (hostile) file completely and renders every record three ways. Returns counts; throws
 * only when the reader breaks its contract (an exception out of it, or an error offset outside
 * the file), which is what a fuzzer looks for.
 */
export function readHostile(bytes: Buffer, sections: ReadonlySet<string>): CaseOutcome {
  const outcome: CaseOutcome = { records: 0, errors: 0 };
  for (const item of readEvtxBuffer(bytes, { file: 'fuzz.evtx', onWarning: () => undefined })) {
    if (item.ok) {
      outcome.records++;
      const r = item.value;
      // Rendering may refuse a record (bounded output), but only with an ordinary Error.
      for (const render of [() => r.toJSON(), () => r.toXml(), () => r.sections(sections, () => undefined)]) {
        try {
          render();
        } catch (e) {
          if (
            !(e instanceof Error) ||
            e instanceof TypeError ||
            e instanceof RangeError ||
            e instanceof ReferenceError
          )
            throw e;
        }
      }
    } else {
      outcome.errors++;
      const offset = item.error.offset;
      if (!Number.isInteger(offset) || offset < 0 || offset > Math.max(bytes.length, FILE_HEADER_SIZE)) {
        throw new Error(
          `error offset ${offset} outside a file of ${bytes.length} bytes: ${item.error.message}`,
        );
      }
    }
  }
  return outcome;
}
