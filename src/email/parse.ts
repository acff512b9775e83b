import { createHash } from 'node:crypto';
import {
  MailParser,
  type AddressObject,
  type EmailAddress,
  type HeaderValue,
  type MailParserOptions,
} from 'mailparser';
import type { AttachmentData } from './attachments.js';

/** Bounds on what one message may cost the parser. */
export interface ParseLimits {
  /** Bytes of a header block (the top one and each part's). */
  readonly maxHeaderBytes: number;
  /** MIME nodes the splitter will build. */
  readonly maxParts: number;
  /** Attachments kept (all are counted). */
  readonly maxAttachments: number;
  /** Bytes of each attachment kept for inspection; the whole attachment is always hashed. */
  readonly maxInspectBytes: number;
  /** Bytes of attachment content kept over all attachments of the message. */
  readonly maxRetainedBytes: number;
  /** HTML longer than this is not converted to text. */
  readonly maxHtmlChars: number;
}

export interface ParsedMail {
  readonly headers: Map<string, HeaderValue>;
  readonly headerLines: readonly { key: string; line: string }[];
  readonly text: string;
  readonly html: string;
  readonly attachments: AttachmentData[];
  /** Attachments seen beyond maxAttachments (hashed, not kept). */
  readonly attachmentsSkipped: number;
  /** Non-fatal trouble: an HTML part not converted, content not kept in full. */
  readonly notes: string[];
}

export class MailParseError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'MailParseError';
  }
}

/** Parses a message with mailparser, streaming attachments through the hashes. */
export function parseMail(raw: Buffer, limits: ParseLimits): Promise<ParsedMail> {
  const options = {
    skipImageLinks: true,
    skipTextToHtml: true,
    skipTextLinks: true,
    checksumAlgo: false,
    maxHtmlLengthToParse: limits.maxHtmlChars,
    // Passed through to the MIME splitter (@zone-eu/mailsplit).
    maxHeadSize: limits.maxHeaderBytes,
    maxChildNodes: limits.maxParts,
  } as MailParserOptions;
  const parser = new MailParser(options);
  let headers = new Map<string, HeaderValue>();
  let headerLines: readonly { key: string; line: string }[] = [];
  let text = '';
  let html = '';
  const attachments: AttachmentData[] = [];
  const notes: string[] = [];
  let skipped = 0;
  let retained = 0;
  return new Promise<ParsedMail>((resolve, reject) => {
    let settled = false;
    const fail = (e: Error & { code?: string }) => {
      if (settled) return;
      settled = true;
      parser.removeAllListeners('data');
      reject(new MailParseError(e.message, e.code));
    };
    parser.on('error', fail);
    parser.on('headers', (h: Map<string, HeaderValue>) => {
      headers = h;
      headerLines =
        (parser as unknown as { headerLines: { key: string; line: string }[] | false }).headerLines || [];
    });
    parser.on('data', (data: { type: string }) => {
      if (data.type === 'text') {
        const t = data as { text?: string; html?: string; textConversionError?: Error };
        text = t.text ?? '';
        html = t.html ?? '';
        if (t.textConversionError !== undefined)
          notes.push(`HTML not converted to text: ${t.textConversionError.message}`);
        return;
      }
      if (data.type !== 'attachment') return;
      const a = data as unknown as {
        filename?: string;
        contentType: string;
        content: NodeJS.ReadableStream;
        release: (() => void) | null;
      };
      const hashes = [createHash('md5'), createHash('sha1'), createHash('sha256')] as const;
      const keep = attachments.length < limits.maxAttachments;
      const chunks: Buffer[] = [];
      let kept = 0;
      let size = 0;
      a.content.on('data', (chunk: Buffer) => {
        size += chunk.length;
        for (const h of hashes) h.update(chunk);
        const room = Math.min(limits.maxInspectBytes - kept, limits.maxRetainedBytes - retained);
        if (keep && room > 0) {
          const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
          chunks.push(part);
          kept += part.length;
          retained += part.length;
        }
      });
      a.content.on('end', () => {
        if (keep)
          attachments.push({
            filename: a.filename ?? null,
            contentType: a.contentType,
            size,
            md5: hashes[0].digest('hex'),
            sha1: hashes[1].digest('hex'),
            sha256: hashes[2].digest('hex'),
            content: Buffer.concat(chunks, kept),
            complete: kept === size,
          });
        else skipped++;
        a.release?.();
      });
    });
    parser.on('end', () => {
      if (settled) return;
      settled = true;
      resolve({ headers, headerLines, text, html, attachments, attachmentsSkipped: skipped, notes });
    });
    parser.end(raw);
  });
}

/** Mailboxes of an address header, groups flattened, addresses lower case. */
export function addressesOf(v: HeaderValue | undefined): { name: string; address: string }[] {
  if (v === undefined) return [];
  const objects = (Array.isArray(v) ? v : [v]) as AddressObject[];
  const out: { name: string; address: string }[] = [];
  const walk = (list: EmailAddress[]): void => {
    for (const e of list) {
      if (e.group !== undefined) walk(e.group);
      else if (e.address !== undefined && e.address !== '')
        out.push({ name: e.name ?? '', address: e.address.toLowerCase() });
      else if (e.name) out.push({ name: e.name, address: '' });
    }
  };
  for (const o of objects) if (o !== null && typeof o === 'object' && Array.isArray(o.value)) walk(o.value);
  return out;
}

/** A header's values as strings (repeated headers give several). */
export function headerStrings(v: HeaderValue | undefined): string[] {
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) =>
    typeof x === 'string'
      ? x
      : x instanceof Date
        ? x.toISOString()
        : ((x as { text?: string; value?: string }).text ?? String((x as { value?: unknown }).value ?? '')),
  );
}
