import { createHash } from 'node:crypto';
import { clip, finding, type Finding } from './findings.js';
import { looksLikeOle2, oleDirectory, oleIsEncryptedPackage, oleMacroMarkers } from './ole2.js';
import { listZip, looksLikeZip, readZipEntry, type ZipEntry } from './zip.js';

/** One attachment as the parser hands it over: hashed whole, content kept up to a bound. */
export interface AttachmentData {
  readonly filename: string | null;
  readonly contentType: string;
  readonly size: number;
  readonly md5: string;
  readonly sha1: string;
  readonly sha256: string;
  /** The content, or its first bytes when `complete` is false. */
  readonly content: Buffer;
  readonly complete: boolean;
}

export interface AttachmentLimits {
  /** Entries listed per archive. */
  readonly maxZipEntries: number;
  /** Bytes one archive entry may inflate to when it is opened (nested archives, documents). */
  readonly maxEntryBytes: number;
  /** Archives opened inside archives. */
  readonly maxArchiveDepth: number;
  /** Entries opened in all, per attachment. */
  readonly maxOpenedEntries: number;
}

export const DEFAULT_ATTACHMENT_LIMITS: AttachmentLimits = {
  maxZipEntries: 10_000,
  maxEntryBytes: 16 << 20,
  maxArchiveDepth: 3,
  maxOpenedEntries: 64,
};

const EXECUTABLE = new Set(
  (
    'exe scr com pif cpl msi msp msc bat cmd js jse vbs vbe wsf wsh wsc hta ps1 psm1 psd1 lnk jar ' +
    'reg dll sys ocx sct chm hlp inf xll xla ppa wll gadget application appref-ms appx appxbundle ' +
    'msix msixbundle library-ms settingcontent-ms one url iqy slk scf vb vba py pyw sh elf apk'
  ).split(' '),
);
const DISK_IMAGES = new Set(['iso', 'img', 'vhd', 'vhdx', 'udf']);
const MACRO_EXTENSIONS = new Set([
  'docm',
  'dotm',
  'xlsm',
  'xltm',
  'xlam',
  'pptm',
  'potm',
  'ppsm',
  'ppam',
  'sldm',
]);
const DOCUMENTS = new Set(
  'pdf doc docx xls xlsx ppt pptx rtf txt csv odt ods jpg jpeg png gif bmp tif tiff zip rar 7z htm html xml mp3 mp4 wav eml msg'.split(
    ' ',
  ),
);
const OTHER_ARCHIVES = new Set([
  'rar',
  '7z',
  'ace',
  'arj',
  'cab',
  'gz',
  'tgz',
  'bz2',
  'xz',
  'tar',
  'lzh',
  'z',
  'zipx',
]);
const HTML = new Set(['htm', 'html', 'xhtml', 'shtml', 'svg', 'mht', 'mhtml']);
// Bidirectional controls turn "cod.exe" into what reads as "exe.doc".
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/;

function extensions(name: string): string[] {
  const base = name.split(/[\\/]/).pop() ?? name;
  return base
    .toLowerCase()
    .split('.')
    .slice(1)
    .map((e) => e.trim());
}

const extensionOf = (name: string) => extensions(name).pop() ?? '';

function cleanName(name: string): string {
  return [...name]
    .map((c) => (BIDI.test(c) ? `[U+${c.codePointAt(0)!.toString(16).toUpperCase()}]` : c))
    .join('');
}

/** Findings about a file name alone, where it is seen: the attachment or an entry of an archive. */
function nameFindings(name: string, where: string): Finding[] {
  const out: Finding[] = [];
  const exts = extensions(name);
  const last = exts[exts.length - 1] ?? '';
  const shown = clip(cleanName(name), 120);
  if (BIDI.test(name))
    out.push(
      finding(
        'attachments',
        'bidi-name',
        80,
        `${where} ${shown} hides its real extension with a bidirectional control character`,
        { name: shown },
      ),
    );
  const padded = /\.[a-z0-9]{2,5}\s{3,}\.[a-z0-9]+$/i.test(name) || /[\s_]{8,}\.[a-z0-9]+$/i.test(name);
  if (
    (EXECUTABLE.has(last) || DISK_IMAGES.has(last)) &&
    exts.length >= 2 &&
    DOCUMENTS.has(exts[exts.length - 2]!)
  )
    out.push(
      finding(
        'attachments',
        'double-extension',
        80,
        `${where} ${shown} poses as .${exts[exts.length - 2]} but is .${last}`,
        { name: shown, extension: last },
      ),
    );
  else if (EXECUTABLE.has(last))
    out.push(
      finding('attachments', 'executable', 70, `${where} ${shown} is an executable or script (.${last})`, {
        name: shown,
        extension: last,
      }),
    );
  else if (DISK_IMAGES.has(last))
    out.push(
      finding(
        'attachments',
        'disk-image',
        55,
        `${where} ${shown} is a disk image (.${last}), a common way to slip executables past filters`,
        { name: shown, extension: last },
      ),
    );
  if (padded && !out.some((f) => f.code === 'attachments.double-extension'))
    out.push(
      finding(
        'attachments',
        'padded-name',
        50,
        `${where} ${shown} pads its name with blanks to push the extension out of view`,
        { name: shown },
      ),
    );
  if (MACRO_EXTENSIONS.has(last))
    out.push(
      finding(
        'attachments',
        'macro-document',
        45,
        `${where} ${shown} is a macro-enabled Office file (.${last})`,
        { name: shown, extension: last },
      ),
    );
  return out;
}

interface ArchiveBudget {
  opened: number;
}

/** Looks inside a zip: names of entries, macros of Office files, archives nested in it. */
function zipFindings(
  name: string,
  data: Buffer,
  complete: boolean,
  depth: number,
  limits: AttachmentLimits,
  budget: ArchiveBudget,
): Finding[] {
  const out: Finding[] = [];
  const shown = clip(cleanName(name), 120);
  let listing;
  try {
    listing = listZip(data, limits.maxZipEntries);
  } catch (e) {
    const why = (e as Error).message;
    out.push(
      finding(
        'attachments',
        complete ? 'archive-unreadable' : 'archive-not-inspected',
        complete ? 20 : 10,
        complete
          ? `${shown} claims to be a zip archive but cannot be read (${why})`
          : `${shown} is larger than the inspection limit, so its contents were not listed`,
        { name: shown, problem: why },
      ),
    );
    return out;
  }
  if (listing.declared > listing.entries.length)
    out.push(
      finding(
        'limits',
        'zip-entries',
        30,
        `${shown} lists ${listing.declared} entries; only the first ${listing.entries.length} were inspected`,
        { name: shown, declared: listing.declared, inspected: listing.entries.length },
      ),
    );
  const entryNames = listing.entries.map((e) => e.name);
  const isOoxml = entryNames.includes('[Content_Types].xml');
  if (isOoxml) {
    const vba = entryNames.filter((n) => /(^|\/)vbaProject\.bin$/i.test(n));
    if (vba.length > 0)
      out.push(
        finding(
          'attachments',
          'ooxml-macros',
          50,
          `${shown} is an Office document carrying VBA macros (${vba[0]})`,
          { name: shown, parts: vba },
        ),
      );
    return out;
  }
  const encrypted = listing.entries.filter((e) => e.encrypted);
  const risky: string[] = [];
  for (const entry of listing.entries) {
    const where = `${shown} contains`;
    for (const f of nameFindings(entry.name, where)) {
      out.push(f);
      risky.push(entry.name);
    }
    const ext = extensionOf(entry.name);
    const nested =
      ext === 'zip' ||
      ext === 'jar' ||
      MACRO_EXTENSIONS.has(ext) ||
      ['docx', 'xlsx', 'pptx', 'doc', 'xls', 'ppt'].includes(ext);
    if (nested && !entry.encrypted) out.push(...nestedFindings(name, entry, data, depth, limits, budget));
  }
  if (encrypted.length > 0) {
    const hidden = encrypted.filter((e) => risky.includes(e.name));
    out.push(
      hidden.length > 0
        ? finding(
            'attachments',
            'encrypted-archive-executable',
            75,
            `${shown} is password-protected and holds executables (${clip(cleanName(hidden[0]!.name), 60)}), out of reach of scanners`,
            { name: shown, entries: hidden.slice(0, 10).map((e) => clip(cleanName(e.name), 120)) },
          )
        : finding(
            'attachments',
            'encrypted-archive',
            25,
            `${shown} is password-protected, so its contents cannot be scanned`,
            { name: shown, encryptedEntries: encrypted.length },
          ),
    );
  }
  for (const problem of listing.problems)
    out.push(finding('attachments', 'archive-damaged', 15, `${shown}: ${problem}`, { name: shown, problem }));
  return out;
}

function nestedFindings(
  outer: string,
  entry: ZipEntry,
  data: Buffer,
  depth: number,
  limits: AttachmentLimits,
  budget: ArchiveBudget,
): Finding[] {
  const label = `${outer}/${entry.name}`;
  const shown = clip(cleanName(label), 160);
  if (depth >= limits.maxArchiveDepth)
    return [
      finding(
        'limits',
        'archive-depth',
        30,
        `${shown} is nested ${depth + 1} archives deep; deeper archives were not opened`,
        { name: shown, depth: depth + 1 },
      ),
    ];
  if (budget.opened >= limits.maxOpenedEntries) return [];
  budget.opened++;
  let content: Buffer;
  try {
    content = readZipEntry(data, entry, limits.maxEntryBytes);
  } catch (e) {
    const why = (e as Error).message;
    const bomb = /inflates past|larger than/.test(why);
    return [
      finding(
        bomb ? 'limits' : 'attachments',
        bomb ? 'archive-bomb' : 'archive-damaged',
        bomb ? 40 : 15,
        bomb
          ? `${shown} expands past ${limits.maxEntryBytes} bytes and was not inspected (a decompression bomb?)`
          : `${shown} could not be read: ${why}`,
        { name: shown, problem: why },
      ),
    ];
  }
  return contentFindings(label, content, true, depth + 1, limits, budget);
}

/** What the bytes are, whatever the name says. */
function contentFindings(
  name: string,
  content: Buffer,
  complete: boolean,
  depth: number,
  limits: AttachmentLimits,
  budget: ArchiveBudget,
): Finding[] {
  const out: Finding[] = [];
  const ext = extensionOf(name);
  const shown = clip(cleanName(name), 120);
  if (looksLikeZip(content) || ext === 'zip')
    out.push(...zipFindings(name, content, complete, depth, limits, budget));
  else if (looksLikeOle2(content)) {
    try {
      const entries = oleDirectory(content);
      const markers = oleMacroMarkers(entries);
      if (markers.length > 0)
        out.push(
          finding(
            'attachments',
            'ole-macros',
            50,
            `${shown} is a legacy Office file with VBA macros (${markers.join(', ')})`,
            { name: shown, storages: markers },
          ),
        );
      if (oleIsEncryptedPackage(entries))
        out.push(
          finding(
            'attachments',
            'encrypted-document',
            30,
            `${shown} is a password-protected Office document, out of reach of scanners`,
            { name: shown },
          ),
        );
    } catch (e) {
      out.push(
        finding(
          'attachments',
          'ole-unreadable',
          15,
          `${shown} is an OLE2 file whose directory cannot be read (${(e as Error).message})`,
          { name: shown },
        ),
      );
    }
  } else if (content.length >= 2 && content[0] === 0x4d && content[1] === 0x5a && !EXECUTABLE.has(ext))
    out.push(
      finding(
        'attachments',
        'disguised-executable',
        75,
        `${shown} is a Windows executable (MZ header) under a .${ext || '(none)'} name`,
        { name: shown, extension: ext },
      ),
    );
  else if (OTHER_ARCHIVES.has(ext))
    out.push(
      finding(
        'attachments',
        'archive-not-inspected',
        10,
        `${shown} is a .${ext} archive, which Vigil does not open`,
        { name: shown, extension: ext },
      ),
    );
  return out;
}

const SMUGGLING_MARKERS: readonly (readonly [string, RegExp])[] = [
  ['msSaveOrOpenBlob', /mssaveoropenblob/i],
  ['new Blob', /new\s+blob\s*\(/i],
  ['createObjectURL', /createobjecturl\s*\(/i],
  ['atob', /\batob\s*\(/i],
  [
    'data: URI download',
    /data:application\/(?:octet-stream|x-msdownload|zip|x-zip|vnd\.ms-|x-iso)[^"'\s]{0,40};base64/i,
  ],
  ['download attribute', /\.download\s*=|\sdownload\s*=\s*["']/i],
  ['scripted click', /\.click\s*\(\s*\)/i],
];
const LONG_BASE64 = 20_000;

/** True when the text holds a run of at least `length` base64 characters. One pass: a regex
 * like /[A-Za-z0-9+/]{20000}/ rescans the run from every start and goes quadratic. */
function hasBase64Run(text: string, length: number): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const b64 = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;
    run = b64 ? run + 1 : 0;
    if (run >= length) return true;
  }
  return false;
}
const MAX_HTML_SCAN = 4 << 20;

/** An <input type=password>: found from each "password" backwards, so the work stays linear. */
function asksForPassword(html: string): boolean {
  const lower = html.toLowerCase();
  let found = 0;
  for (
    let i = lower.indexOf('password');
    i >= 0 && found < 1000;
    i = lower.indexOf('password', i + 8), found++
  ) {
    const before = lower.slice(Math.max(0, i - 500), i + 8);
    const tag = before.lastIndexOf('<input');
    if (tag >= 0 && !before.includes('>', tag) && /type\s*=\s*["']?password$/.test(before)) return true;
  }
  return false;
}

/** HTML that builds a file in the browser from data it carries: the payload never crosses a gateway as a file. */
function htmlFindings(name: string, content: Buffer): Finding[] {
  const html = content.subarray(0, MAX_HTML_SCAN).toString('latin1');
  const markers = SMUGGLING_MARKERS.filter(([, re]) => re.test(html)).map(([m]) => m);
  if (hasBase64Run(html, LONG_BASE64)) markers.push('embedded base64 blob');
  const shown = clip(cleanName(name), 120);
  const builds = markers.some(
    (m) =>
      m === 'new Blob' || m === 'msSaveOrOpenBlob' || m === 'data: URI download' || m === 'createObjectURL',
  );
  const carries = markers.some(
    (m) => m === 'atob' || m === 'embedded base64 blob' || m === 'data: URI download',
  );
  const saves = markers.some(
    (m) => m === 'msSaveOrOpenBlob' || m === 'download attribute' || m === 'scripted click',
  );
  const out: Finding[] = [];
  if (builds && carries && saves)
    out.push(
      finding(
        'attachments',
        'html-smuggling',
        75,
        `${shown} assembles a file from embedded data and saves it (HTML smuggling: ${markers.join(', ')})`,
        { name: shown, markers },
      ),
    );
  else if ((builds && (carries || saves)) || (carries && saves))
    out.push(
      finding(
        'attachments',
        'html-smuggling-partial',
        40,
        `${shown} has parts of an HTML smuggling page (${markers.join(', ')})`,
        { name: shown, markers },
      ),
    );
  if (asksForPassword(html))
    out.push(
      finding(
        'attachments',
        'html-credential-form',
        45,
        `${shown} is a local web page asking for a password`,
        { name: shown },
      ),
    );
  return out;
}

/** Every finding for one attachment. */
export function attachmentFindings(
  a: AttachmentData,
  limits: AttachmentLimits = DEFAULT_ATTACHMENT_LIMITS,
): Finding[] {
  const name = a.filename ?? '(unnamed attachment)';
  const out = nameFindings(name, 'Attachment');
  out.push(...contentFindings(name, a.content, a.complete, 0, limits, { opened: 0 }));
  if (
    HTML.has(extensionOf(name)) ||
    /^text\/html\b/i.test(a.contentType) ||
    /^image\/svg/i.test(a.contentType)
  )
    out.push(...htmlFindings(name, a.content));
  // One entry can trip several checks; keep each check's strongest instance per attachment.
  const best = new Map<string, Finding>();
  for (const f of out) {
    const key = `${f.code}|${String(f.evidence.name ?? '')}`;
    const prev = best.get(key);
    if (prev === undefined || prev.score < f.score) best.set(key, f);
  }
  return [...best.values()];
}

/** A file inside an archive attachment that could run: what an endpoint sees when it is opened. */
export interface ArchiveFile {
  /** `outer.zip/inner.exe`, as deep as the archives nest. */
  readonly name: string;
  readonly sha256: string;
  readonly size: number;
}

/**
 * Executables and scripts inside zip attachments, hashed: the file that later runs on a host is
 * the extracted entry, not the archive, and its hash is what endpoint telemetry reports. Bounded
 * by the same limits as the findings (entries opened, bytes per entry, nesting); encrypted
 * entries and entries that fail to inflate are skipped (the findings report them).
 */
export function archiveFiles(
  a: AttachmentData,
  limits: AttachmentLimits = DEFAULT_ATTACHMENT_LIMITS,
): ArchiveFile[] {
  const out: ArchiveFile[] = [];
  if (!a.complete || !looksLikeZip(a.content)) return out;
  const budget: ArchiveBudget = { opened: 0 };
  const walk = (label: string, data: Buffer, depth: number): void => {
    let listing;
    try {
      listing = listZip(data, limits.maxZipEntries);
    } catch {
      return;
    }
    if (listing.entries.some((e) => e.name === '[Content_Types].xml')) return; // an Office file
    for (const entry of listing.entries) {
      const ext = extensionOf(entry.name);
      const runnable = EXECUTABLE.has(ext);
      const archive = ext === 'zip';
      if (entry.encrypted || (!runnable && !archive) || entry.name.endsWith('/')) continue;
      if (archive && depth + 1 >= limits.maxArchiveDepth) continue;
      if (budget.opened >= limits.maxOpenedEntries) return;
      budget.opened++;
      let content: Buffer;
      try {
        content = readZipEntry(data, entry, limits.maxEntryBytes);
      } catch {
        continue;
      }
      const name = `${label}/${entry.name}`;
      if (archive) walk(name, content, depth + 1);
      else
        out.push({
          name: clip(cleanName(name), 300),
          sha256: createHash('sha256').update(content).digest('hex'),
          size: content.length,
        });
    }
  };
  walk(a.filename ?? '(unnamed attachment)', a.content, 0);
  return out;
}
