/** Where in an input a problem was found: a file and a byte offset, or a file and a line. */
export interface SourceLocation {
  file?: string;
  offset?: number;
  line?: number;
  column?: number;
}

export function formatLocation(loc: SourceLocation): string {
  const parts: string[] = [loc.file ?? '<input>'];
  if (loc.line !== undefined) parts.push(String(loc.line));
  if (loc.column !== undefined) parts.push(String(loc.column));
  let text = parts.join(':');
  if (loc.offset !== undefined) text += ` @0x${loc.offset.toString(16)}`;
  return text;
}

/** The error type shared by all stages: a machine-readable code, a reason, and where it happened. */
export class VigilError extends Error {
  readonly code: string;
  readonly location: SourceLocation;

  constructor(code: string, message: string, location: SourceLocation = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VigilError';
    this.code = code;
    this.location = location;
  }

  /** `file @0xOFFSET: reason`, the form printed to users. */
  describe(): string {
    return `${formatLocation(this.location)}: ${this.message}`;
  }
}
