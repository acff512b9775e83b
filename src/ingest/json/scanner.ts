import * as B from './bytes.js';
import type { Failure, Position, ScanItem, ScanLimits } from './model.js';
import { ValueBytes } from './collector.js';
import type { JsonErrorCode } from './errors.js';

const EMPTY: Buffer = Buffer.alloc(0);
const FIRST: Position = { offset: 0, line: 1, column: 1 };

// What kind of top-level value is being read.
const NONE = 0;
const CONTAINER = 1;
const STRING = 2;
const TOKEN = 3; // number, literal or junk: anything else

const OBJ = 1;
const ARR = 2;

/**
 * Finds where top-level JSON values begin and end in a byte stream fed in arbitrary chunks, without
 * parsing them: it tracks strings, escapes and bracket depth only. Structural bytes are ASCII and
 * never occur inside a multi-byte UTF-8 sequence, so scanning bytes is safe wherever a chunk ends.
 *
 * The first value, if it is an array, is unpacked: its elements are the values. Only the current
 * value's bytes are held, up to `maxRecordBytes`. A broken value is reported once; scanning goes on
 * through it leniently (a line break ends a broken string, any closer pops) until it closes, or until
 * a '{' or '[' that cannot continue it (it follows a complete member), where the next record starts.
 * In NDJSON a line that starts flush with a value also starts the next record.
 */
export class BoundaryScanner {
  private readonly maxDepth: number;
  private readonly stack: Uint8Array;
  private out: ScanItem[] = [];

  private base = 0; // offset of the current chunk in the input
  private line = 1;
  private lineStart = 0;
  private bom = 0; // byte order mark bytes matched so far; -1 once past the start

  private seenValue = false;
  private inArray = false; // inside the top-level array whose elements are the values
  private ndjson: boolean | undefined; // decided by the first record that could have spanned lines
  private pendingLine = false; // such a record fit on its line: a line break before anything else means NDJSON
  private skipLine = false; // NDJSON: the rest of a broken line belongs to its error

  private kind = NONE;
  private toEol = false;
  private depth = 0;
  private prev = 0; // last significant byte outside strings, to judge where a '{' may start
  private inString = false;
  private escape = false;
  private fresh = false; // the next byte is the first of a line, inside a container
  private eol: Position = FIRST; // where the last line inside a container ended, for NDJSON errors
  private failure: Failure | undefined;
  private start: Position = FIRST;
  private readonly bytes: ValueBytes;

  constructor(limits: ScanLimits) {
    this.bytes = new ValueBytes(limits.maxRecordBytes);
    this.maxDepth = limits.maxDepth;
    this.stack = new Uint8Array(limits.maxDepth);
  }

  /** Scans the next chunk; returns what it completed. */
  scan(chunk: Buffer): ScanItem[] {
    this.out = [];
    let i = this.bom >= 0 ? this.skipBom(chunk) : 0;
    while (i < chunk.length) {
      if (this.kind === NONE) i = this.between(chunk, i);
      else if (this.inString) i = this.string(chunk, i);
      else if (this.kind === CONTAINER) i = this.container(chunk, i);
      else i = this.token(chunk, i);
    }
    if (this.kind !== NONE && !this.bytes.keepRest(chunk)) {
      this.fail('json.too-large', this.tooLarge(), this.start);
    }
    this.base += chunk.length;
    return this.out;
  }

  /** Ends the input: a value still open is truncated, unless it is a bare token. */
  finish(): ScanItem[] {
    this.out = [];
    if (this.bom > 0) this.report('json.syntax', 'input is only part of a byte order mark', FIRST);
    const open = this.kind === CONTAINER || this.kind === STRING;
    if (open) {
      this.fail('json.truncated', `input ends inside the record from line ${this.start.line}`, this.start);
    }
    if (this.kind !== NONE) this.end(EMPTY, 0, false);
    if (this.inArray && !open) {
      this.report('json.truncated', "input ends before the closing ']' of the top-level array", this.pos(0));
    }
    return this.out;
  }

  private skipBom(chunk: Buffer): number {
    let i = 0;
    while (this.bom >= 0 && i < chunk.length) {
      if (chunk[i] === B.BOM[this.bom]) {
        i++;
        if (++this.bom === B.BOM.length) this.bom = -1;
        this.lineStart = this.base + i; // columns count from after the mark
      } else {
        if (this.bom > 0) this.report('json.syntax', 'stray bytes of a byte order mark', FIRST);
        [this.bom, this.lineStart] = [-1, 0];
      }
    }
    return i;
  }

  private between(chunk: Buffer, i: number): number {
    for (const n = chunk.length; i < n; i++) {
      const b = chunk[i]!;
      if (b === B.NL) {
        this.newline(i);
        this.skipLine = false;
        if (this.pendingLine) [this.pendingLine, this.ndjson] = [false, true];
      } else if (this.skipLine || b === B.SPACE || b === B.TAB || b === B.CR) {
        continue;
      } else if (this.inArray && (b === B.COMMA || b === B.RBRACKET)) {
        // Separators are not checked: a missing or extra comma costs no record.
        if (b === B.RBRACKET) this.inArray = false;
      } else if (!this.seenValue && b === B.LBRACKET) {
        [this.seenValue, this.inArray] = [true, true];
      } else {
        this.seenValue = true;
        if (this.pendingLine) [this.pendingLine, this.ndjson] = [false, false];
        this.begin(i, b);
        return i + 1;
      }
    }
    return i;
  }

  private begin(i: number, b: number): void {
    this.start = this.pos(i);
    this.bytes.from = i;
    this.prev = b;
    if (b === B.LBRACE || b === B.LBRACKET) {
      this.kind = CONTAINER;
      this.depth = 1;
      this.stack[0] = b === B.LBRACE ? OBJ : ARR;
    } else if (b === B.QUOTE) {
      this.kind = STRING;
      this.inString = true;
    } else {
      this.kind = TOKEN;
      // evtx_dump writes a `Record <id>` line before each record; in NDJSON junk costs its whole line.
      this.toEol = this.ndjson === true || b === B.UPPER_R;
    }
  }

  private container(chunk: Buffer, i: number): number {
    const { stack, maxDepth } = this;
    let depth = this.depth;
    let prev = this.prev;
    for (const n = chunk.length; i < n; i++) {
      const b = chunk[i]!;
      if (this.fresh) {
        this.fresh = false;
        // NDJSON records fit on a line; a line that starts flush with a value starts a new one.
        if (this.ndjson === true && b > B.SPACE && b !== B.RBRACE && b !== B.RBRACKET) {
          this.fail('json.syntax', `record from line ${this.start.line} is not closed on its line`, this.eol);
          this.end(chunk, i, false);
          return i;
        }
      }
      if (b === B.QUOTE) {
        this.depth = depth;
        this.prev = prev;
        this.inString = true;
        return i + 1;
      }
      if (b === B.NL) {
        if (this.ndjson === true) this.eol = this.pos(i);
        this.newline(i);
        this.fresh = true;
        continue;
      }
      if (b === B.LBRACE || b === B.LBRACKET) {
        const top = depth <= maxDepth ? stack[depth - 1] : 0;
        if (top === OBJ ? prev !== B.COLON : top === ARR && prev !== B.COMMA && prev !== B.LBRACKET) {
          const what = `record from line ${this.start.line} is not closed where a new '${String.fromCharCode(b)}' starts`;
          this.fail('json.syntax', what, this.pos(i));
          this.end(chunk, i, true);
          return i;
        }
        depth++;
        if (depth <= maxDepth) stack[depth - 1] = b === B.LBRACE ? OBJ : ARR;
        else if (this.failure === undefined) {
          this.fail('json.too-deep', `record nests deeper than ${maxDepth} levels`, this.pos(i));
        }
      } else if (b === B.RBRACE || b === B.RBRACKET) {
        if (
          depth <= maxDepth &&
          stack[depth - 1] !== (b === B.RBRACE ? OBJ : ARR) &&
          this.failure === undefined
        ) {
          const open = b === B.RBRACE ? '[' : '{';
          this.fail('json.syntax', `'${String.fromCharCode(b)}' closes a '${open}'`, this.pos(i));
        }
        if (--depth === 0) {
          this.depth = 0;
          this.end(chunk, i + 1, true);
          return i + 1;
        }
      }
      if (b > B.SPACE) prev = b;
    }
    [this.depth, this.prev] = [depth, prev];
    return i;
  }

  private string(chunk: Buffer, i: number): number {
    if (this.escape) {
      this.escape = false;
      if (chunk[i] === B.NL) return this.brokenString(chunk, i);
      i++;
    }
    const n = chunk.length;
    while (i < n) {
      const b = chunk[i];
      if (b === B.QUOTE) {
        this.inString = false;
        this.prev = B.QUOTE;
        if (this.kind === STRING) this.end(chunk, i + 1, true);
        return i + 1;
      }
      if (b === B.BACKSLASH) {
        if (i + 1 === n) {
          this.escape = true;
          return n;
        }
        if (chunk[i + 1] === B.NL) return this.brokenString(chunk, i + 1);
        i += 2;
      } else if (b === B.NL) {
        return this.brokenString(chunk, i);
      } else i++;
    }
    return i;
  }

  /**
   * JSON strings cannot hold a raw line break, so one means the string was never closed. Inside a
   * container the string is taken to end there, so the rest of the broken record is skipped with it.
   */
  private brokenString(chunk: Buffer, i: number): number {
    this.fail('json.syntax', 'line break inside a string: the string is not closed', this.pos(i));
    if (this.kind === CONTAINER) [this.inString, this.escape, this.prev] = [false, false, B.QUOTE];
    else this.end(chunk, i, false);
    return i;
  }

  private token(chunk: Buffer, i: number): number {
    if (this.toEol) {
      const nl = chunk.indexOf(B.NL, i);
      if (nl < 0) return chunk.length;
      this.end(chunk, nl, false);
      return nl;
    }
    const n = chunk.length;
    while (i < n && B.ENDS_TOKEN[chunk[i]!] === 0) i++;
    if (i < n) this.end(chunk, i, true);
    return i;
  }

  /** Closes the current value before `stop` in `chunk` and hands on its bytes or its failure. */
  private end(chunk: Buffer, stop: number, skipRest: boolean): void {
    const { kind, start } = this;
    const bytes = this.failure === undefined ? this.bytes.take(chunk, stop) : undefined;
    if (bytes === undefined) this.fail('json.too-large', this.tooLarge(), start); // the first reason wins
    const failure = this.failure;
    this.kind = NONE;
    this.failure = undefined;
    this.inString = this.escape = this.fresh = false;
    if (bytes === undefined) {
      if (failure !== undefined) this.out.push({ kind: 'error', ...failure });
      if (this.ndjson === true && skipRest) this.skipLine = true;
      return;
    }
    if (kind === TOKEN && B.isRecordHeader(bytes)) return;
    this.out.push({ kind: 'value', bytes, at: start });
    if (this.ndjson === undefined && !this.inArray && kind === CONTAINER) {
      if (start.line !== this.line) this.ndjson = false;
      else if (B.hasContent(bytes)) this.pendingLine = true;
    }
  }

  /** Marks the current value as lost (the first reason wins) and stops keeping its bytes. */
  private fail(code: JsonErrorCode, message: string, at: Position): void {
    if (this.failure === undefined) this.failure = { code, message, at };
    this.bytes.drop();
  }

  private tooLarge(): string {
    return `record from line ${this.start.line} is larger than ${this.bytes.max} bytes; skipped`;
  }

  private report(code: JsonErrorCode, message: string, at: Position): void {
    this.out.push({ kind: 'error', code, message, at });
  }

  private pos(i: number): Position {
    const offset = this.base + i;
    return { offset, line: this.line, column: offset - this.lineStart + 1 };
  }

  private newline(i: number): void {
    this.line++;
    this.lineStart = this.base + i + 1;
  }
}
