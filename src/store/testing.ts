/**
 * A reference reader of ClickHouse's RowBinary for tests, written the plain way (DataView,
 * TextDecoder, BigInt), to check the byte writer (RowBinaryWriter) and the event rows against.
 */
import { EVENT_ROW_COLUMNS } from './rows.js';
import { EVENT_COLUMNS } from './schema.js';

export type RowValue = string | number | string[] | [string, string][];

export class RowBinaryReader {
  private at = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get done(): boolean {
    return this.at >= this.bytes.byteLength;
  }

  varUInt(): number {
    let n = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (this.at >= this.bytes.byteLength) throw new Error('RowBinary ends inside a length');
      const b = this.bytes[this.at++]!;
      n |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return Number(n);
    }
  }

  string(): string {
    const n = this.varUInt();
    if (this.at + n > this.bytes.byteLength) throw new Error('RowBinary ends inside a string');
    const s = new TextDecoder('utf-8', { fatal: true }).decode(this.bytes.subarray(this.at, this.at + n));
    this.at += n;
    return s;
  }

  /** One value of a ClickHouse type, as the events table uses them. */
  value(type: string): RowValue {
    const take = (n: number) => {
      if (this.at + n > this.bytes.byteLength) throw new Error(`RowBinary ends inside a ${type}`);
      const at = this.at;
      this.at += n;
      return at;
    };
    if (type === 'UInt16') return this.view.getUint16(take(2), true);
    if (type === 'UInt32') return this.view.getUint32(take(4), true);
    if (type === 'UInt64') return Number(this.view.getBigUint64(take(8), true));
    if (type.startsWith('DateTime64')) return Number(this.view.getBigInt64(take(8), true));
    if (type === 'Array(String)') return Array.from({ length: this.varUInt() }, () => this.string());
    if (type.startsWith('Map('))
      return Array.from({ length: this.varUInt() }, (): [string, string] => [this.string(), this.string()]);
    if (type.includes('String')) return this.string();
    throw new Error(`no reader for ${type}`);
  }
}

/** Every event row (writeEventRow) in the bytes, cell by cell; the bytes must hold whole rows only. */
export function readEventRows(bytes: Uint8Array): Record<string, RowValue>[] {
  const r = new RowBinaryReader(bytes);
  const rows: Record<string, RowValue>[] = [];
  while (!r.done) rows.push(Object.fromEntries(EVENT_ROW_COLUMNS.map((c) => [c, r.value(EVENT_COLUMNS[c])])));
  return rows;
}
