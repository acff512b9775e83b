import { describe, expect, it } from 'vitest';
import { scanStructure } from './structure.js';

const LIMITS = { maxHeaderBytes: 4096, maxParts: 50, maxDepth: 5 };

function nested(depth: number): string {
  let body = 'Content-Type: text/plain\r\n\r\nhello\r\n';
  for (let i = depth; i > 0; i--)
    body = `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${body}--b${i}--\r\n`;
  return `From: a@b.example\r\nSubject: x\r\n${body}`;
}

describe('scanStructure', () => {
  it('counts parts and depth of a normal message', () => {
    const raw = Buffer.from(
      'From: a@b.example\r\nContent-Type: multipart/mixed;\r\n boundary=outer\r\n\r\npreamble\r\n--outer\r\nContent-Type: text/plain\r\n\r\nhi\r\n--outer\r\nContent-Type: multipart/alternative; boundary="inner"\r\n\r\n--inner\r\nContent-Type: text/plain\r\n\r\na\r\n--inner\r\nContent-Type: text/html\r\n\r\n<b>a</b>\r\n--inner--\r\n--outer--\r\n',
    );
    const s = scanStructure(raw, LIMITS);
    expect(s).toMatchObject({ parts: 5, depth: 2, exceeded: null, hasBody: true });
    expect(raw.toString('latin1', s.headerEnd, s.headerEnd + 8)).toBe('preamble');
  });

  it('counts an attached message as one level deeper', () => {
    const raw = Buffer.from(
      'From: a@b.example\r\nContent-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\nContent-Type: message/rfc822\r\n\r\nFrom: c@d.example\r\nContent-Type: multipart/mixed; boundary=i\r\n\r\n--i\r\nContent-Type: text/plain\r\n\r\nx\r\n--i--\r\n--o--\r\n',
    );
    expect(scanStructure(raw, LIMITS)).toMatchObject({ depth: 3, exceeded: null });
  });

  it('stops at the depth limit', () => {
    expect(scanStructure(Buffer.from(nested(5)), LIMITS).exceeded).toBeNull();
    expect(scanStructure(Buffer.from(nested(5000)), LIMITS).exceeded).toEqual({
      limit: 'depth',
      value: 6,
      max: 5,
    });
  });

  it('stops at the part limit', () => {
    const parts = Array.from({ length: 10_000 }, () => '--b\r\nContent-Type: text/plain\r\n\r\nx\r\n').join(
      '',
    );
    const raw = Buffer.from(
      `From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n${parts}--b--\r\n`,
    );
    expect(scanStructure(raw, LIMITS).exceeded).toEqual({ limit: 'parts', value: 51, max: 50 });
  });

  it('stops at the header limit, top and inside parts', () => {
    const huge = `From: a@b.example\r\n${'X-Junk: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n'.repeat(2000)}\r\nbody`;
    expect(scanStructure(Buffer.from(huge), LIMITS).exceeded?.limit).toBe('header-bytes');
    const inPart = `From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n${'X-J: y\r\n'.repeat(3000)}\r\nx\r\n--b--\r\n`;
    expect(scanStructure(Buffer.from(inPart), LIMITS).exceeded?.limit).toBe('header-bytes');
  });

  it('takes headers without a body, and a message without headers', () => {
    expect(scanStructure(Buffer.from('From: a@b.example\r\nSubject: x'), LIMITS)).toMatchObject({
      hasBody: false,
      exceeded: null,
    });
    expect(scanStructure(Buffer.alloc(0), LIMITS)).toMatchObject({
      hasBody: false,
      parts: 1,
      exceeded: null,
    });
  });
});
