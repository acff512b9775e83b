import { sudoFields } from './sudo.js';

/** Syslog messages, RFC 5424 and RFC 3164 (BSD), parsed without ever throwing. */
export interface SyslogMessage {
  readonly facility: number;
  readonly severity: number;
  /** Epoch ms, or null when the message carries no usable time. */
  readonly timestamp: number | null;
  readonly hostname: string | null;
  readonly appName: string | null;
  readonly procId: string | null;
  readonly msgId: string | null;
  readonly structuredData: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly message: string;
  readonly format: 'rfc5424' | 'rfc3164';
}

export type SyslogResult = { ok: true; value: SyslogMessage } | { ok: false; error: string };

export const FACILITIES = [
  'kern',
  'user',
  'mail',
  'daemon',
  'auth',
  'syslog',
  'lpr',
  'news',
  'uucp',
  'cron',
  'authpriv',
  'ftp',
  'ntp',
  'security',
  'console',
  'solaris-cron',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
];
export const SEVERITIES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const RFC5424_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

export interface ParseOptions {
  /** When the message arrived (epoch ms): RFC 3164 has no year, and this supplies it. */
  readonly receivedAt?: number;
  readonly defaultYear?: number;
  readonly maxLength?: number;
}

const fail = (error: string): SyslogResult => ({ ok: false, error });
const nil = (s: string): string | null => (s === '-' ? null : s);

export function parseSyslog(line: string, options: ParseOptions = {}): SyslogResult {
  const max = options.maxLength ?? 64 * 1024;
  if (line.length > max) return fail(`message longer than ${max} characters`);
  let pri = 13; // RFC 3164 4.3.3: no PRI means user.notice
  let rest = line;
  if (line.startsWith('<')) {
    const m = /^<(\d{1,3})>/.exec(line);
    if (m === null) return fail('PRI must be <0>..<191>');
    pri = Number(m[1]);
    if (pri > 191) return fail(`PRI ${pri} is above 191`);
    rest = line.slice(m[0].length);
  }
  const base = { facility: pri >> 3, severity: pri & 7 };
  if (/^[1-9]\d{0,2} /.test(rest)) return parse5424(rest, base);
  return { ok: true, value: parse3164(rest, base, options) };
}

function parse5424(rest: string, base: { facility: number; severity: number }): SyslogResult {
  // VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP STRUCTURED-DATA [SP MSG]
  const fields: string[] = [];
  let at = 0;
  for (let i = 0; i < 6; i++) {
    const sp = rest.indexOf(' ', at);
    if (sp < 0) return fail(`RFC 5424 header is truncated after ${fields.length} fields`);
    fields.push(rest.slice(at, sp));
    at = sp + 1;
  }
  const [, time, hostname, appName, procId, msgId] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  let timestamp: number | null = null;
  if (time !== '-') {
    const m = RFC5424_TIME.exec(time);
    const t = m === null ? NaN : Date.parse(time);
    if (Number.isNaN(t)) return fail(`bad RFC 5424 timestamp "${time.slice(0, 40)}"`);
    timestamp = t;
  }
  const sd = parseStructuredData(rest, at);
  if (typeof sd === 'string') return fail(sd);
  let message = rest.slice(sd.end);
  if (message.startsWith(' ')) message = message.slice(1);
  if (message.startsWith('\ufeff')) message = message.slice(1);
  return {
    ok: true,
    value: {
      ...base,
      timestamp,
      hostname: nil(hostname),
      appName: nil(appName),
      procId: nil(procId),
      msgId: nil(msgId),
      structuredData: sd.data,
      message,
      format: 'rfc5424',
    },
  };
}

/** `-` or one or more `[id name="value" ...]`, with \" \\ \] escapes in values. */
function parseStructuredData(
  s: string,
  at: number,
): { data: Record<string, Record<string, string>>; end: number } | string {
  const data: Record<string, Record<string, string>> = Object.create(null);
  if (s[at] === '-') return { data, end: at + 1 };
  if (s[at] !== '[') return 'expected structured data ("-" or "[")';
  let i = at;
  while (s[i] === '[') {
    i++;
    const idEnd = s.slice(i).search(/[ \]]/);
    if (idEnd <= 0) return 'unterminated structured data element';
    const id = s.slice(i, i + idEnd);
    i += idEnd;
    const params: Record<string, string> = Object.create(null);
    while (s[i] === ' ') {
      i++;
      const eq = s.indexOf('="', i);
      if (eq < 0) return `structured data parameter without ="value" in [${id}]`;
      const name = s.slice(i, eq);
      i = eq + 2;
      let value = '';
      for (;;) {
        if (i >= s.length) return `unterminated value of ${name} in [${id}]`;
        const c = s[i]!;
        if (c === '\\' && (s[i + 1] === '"' || s[i + 1] === '\\' || s[i + 1] === ']')) {
          value += s[i + 1];
          i += 2;
        } else if (c === '"') {
          i++;
          break;
        } else {
          value += c;
          i++;
        }
      }
      params[name] = value;
    }
    if (s[i] !== ']') return `unterminated structured data element [${id}]`;
    i++;
    data[id] = params;
  }
  return { data, end: i };
}

function parse3164(
  rest: string,
  base: { facility: number; severity: number },
  o: ParseOptions,
): SyslogMessage {
  let timestamp: number | null = null;
  let s = rest;
  const bsd = /^([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) /.exec(s);
  const iso = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?) /.exec(s);
  if (bsd !== null && MONTHS.includes(bsd[1]!)) {
    const received = o.receivedAt ?? Date.now();
    let year = o.defaultYear ?? new Date(received).getUTCFullYear();
    const day = Number(bsd[2]!.trim());
    const [hour, minute, second] = [Number(bsd[3]), Number(bsd[4]), Number(bsd[5])];
    // Date.UTC rolls "Feb 30 25:61:00" over to a real but wrong time; such a stamp is no stamp.
    const make = (y: number) => {
      const t = Date.UTC(y, MONTHS.indexOf(bsd[1]!), day, hour, minute, second);
      const d = new Date(t);
      return d.getUTCDate() === day &&
        d.getUTCHours() === hour &&
        d.getUTCMinutes() === minute &&
        d.getUTCSeconds() === second
        ? t
        : NaN;
    };
    let t = make(year);
    // December's messages read in January belong to last year.
    if (o.defaultYear === undefined && t - received > 86_400_000) t = make(--year);
    timestamp = Number.isNaN(t) ? null : t;
    s = s.slice(bsd[0].length);
  } else if (iso !== null) {
    const t = Date.parse(iso[1]!);
    timestamp = Number.isNaN(t) ? null : t;
    s = s.slice(iso[0].length);
  }
  let hostname: string | null = null;
  let appName: string | null = null;
  let procId: string | null = null;
  // HOSTNAME TAG[PID]: MSG — the hostname is absent when the first word is already the tag.
  const first = /^(\S+) /.exec(s);
  // A header with a timestamp, even an impossible one, is followed by the hostname.
  const stamped = s !== rest;
  if (first !== null && stamped && !/[:[]/.test(first[1]!)) {
    hostname = first[1]!;
    s = s.slice(first[0].length);
  }
  const tag = /^([^\s:[\]]{1,48})(?:\[([^\]\s]{1,32})\])?: ?/.exec(s);
  if (tag !== null) {
    appName = tag[1]!;
    procId = tag[2] ?? null;
    s = s.slice(tag[0].length);
  }
  return {
    ...base,
    timestamp,
    hostname,
    appName,
    procId,
    msgId: null,
    structuredData: {},
    message: s,
    format: 'rfc3164',
  };
}

/** The message as a flat event with ECS names, as rules and searches read it. */
export function syslogToEvent(m: SyslogMessage): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (m.timestamp !== null) out['@timestamp'] = new Date(m.timestamp).toISOString();
  if (m.hostname !== null) out['host.name'] = m.hostname;
  out['log.syslog.facility.code'] = m.facility;
  out['log.syslog.facility.name'] = FACILITIES[m.facility] ?? String(m.facility);
  out['log.syslog.severity.code'] = m.severity;
  out['log.syslog.severity.name'] = SEVERITIES[m.severity];
  if (m.appName !== null) out['log.syslog.appname'] = m.appName;
  if (m.procId !== null) out['log.syslog.procid'] = m.procId;
  if (m.msgId !== null) out['log.syslog.msgid'] = m.msgId;
  if (Object.keys(m.structuredData).length > 0) out['log.syslog.structured_data'] = { ...m.structuredData };
  out.message = m.message;
  out['event.module'] = 'syslog';
  // The program's own fields where Sigma rules ask for them; the message stays whole beside them.
  if (m.appName?.toLowerCase() === 'sudo') {
    const sudo = sudoFields(m.message);
    if (sudo !== null) for (const [k, v] of Object.entries(sudo)) if (!(k in out)) out[k] = v;
  }
  return out;
}
