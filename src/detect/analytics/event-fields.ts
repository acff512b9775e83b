import type { FieldValue, Scalar } from '../../normalize/flat-event.js';
import type { AnalyticEvent } from './types.js';

/** Longest text the analytics look at; longer values are cut, never rejected. */
export const MAX_TEXT = 8192;

function scalarText(v: Scalar | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  const t = typeof v === 'string' ? v : String(v);
  if (t === '' || t === '-') return undefined;
  return t.length > MAX_TEXT ? t.slice(0, MAX_TEXT) : t;
}

function firstScalar(v: FieldValue | undefined): Scalar | undefined {
  if (!Array.isArray(v)) return v as Scalar | undefined;
  for (const x of v as readonly Scalar[]) if (x !== null && x !== '') return x;
  return undefined;
}

/** A field of the flat view as text: the first non-empty value of a list. */
export function fieldText(e: AnalyticEvent, name: string): string | undefined {
  return scalarText(firstScalar(e.fields.get(name)));
}

export function columnText(e: AnalyticEvent, name: string): string | undefined {
  const v = e.columns[name];
  if (Array.isArray(v)) return scalarText(v[0]);
  return scalarText(v);
}

/**
 * What every analytic asks of every event first (its channel, event code, whether it is Sysmon,
 * its host), worked out once per event: the analytics run one after another on the same event,
 * and each would otherwise lower-case the channel and test the code again. Events are read-only,
 * so the last one's answers stay right while it is the one asked about.
 */
interface EventHeader {
  readonly event: AnalyticEvent;
  readonly fields: AnalyticEvent['fields'];
  readonly columns: AnalyticEvent['columns'];
  readonly channel: string;
  readonly code: number | undefined;
  readonly sysmon: boolean;
  readonly host: string;
  /** The host, lower case. */
  readonly hostKey: string;
}

let lastHeader: EventHeader | undefined;

function headerOf(e: AnalyticEvent): EventHeader {
  const h = lastHeader;
  if (h !== undefined && h.event === e && h.fields === e.fields && h.columns === e.columns) return h;
  const channel = (columnText(e, 'channel') ?? fieldText(e, 'Channel') ?? '').toLowerCase();
  const codeText = columnText(e, 'event_code') ?? fieldText(e, 'EventID');
  const code = codeText === undefined || !/^\s*\d{1,10}\s*$/.test(codeText) ? undefined : Number(codeText);
  const provider = columnText(e, 'provider') ?? '';
  const host = (columnText(e, 'host') ?? fieldText(e, 'Computer') ?? '').trim();
  lastHeader = {
    event: e,
    fields: e.fields,
    columns: e.columns,
    channel,
    code,
    sysmon: channel.includes('sysmon') || /sysmon/i.test(provider),
    host,
    hostKey: host.toLowerCase(),
  };
  return lastHeader;
}

export function eventCode(e: AnalyticEvent): number | undefined {
  return headerOf(e).code;
}

/** Lower-case channel; '' when the event has none. */
export function channelOf(e: AnalyticEvent): string {
  return headerOf(e).channel;
}

export function hostOf(e: AnalyticEvent): string {
  return headerOf(e).host;
}

/** hostOf in lower case. */
export function hostKeyOf(e: AnalyticEvent): string {
  return headerOf(e).hostKey;
}

export function isSysmon(e: AnalyticEvent): boolean {
  return headerOf(e).sysmon;
}

/** Sysmon event id n, or undefined when the event is not Sysmon. */
export function sysmonId(e: AnalyticEvent): number | undefined {
  const h = headerOf(e);
  return h.sysmon ? h.code : undefined;
}

export function isChannel(e: AnalyticEvent, channel: 'security' | 'system', code: number): boolean {
  const h = headerOf(e);
  return h.channel === channel && h.code === code;
}

/** The last path component, for Windows or POSIX paths. */
export function baseName(path: string): string {
  const cut = Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/'));
  return path.slice(cut + 1);
}

/** Paths repeat from event to event (the same few programs run all day): their forms are kept. */
const WINDOWS_PATHS_KEPT = 4096;
let windowsPaths = new Map<string, string>();

/** Lower case with forward slashes turned into backslashes, for matching Windows paths. */
export function windowsPath(path: string): string {
  let p = windowsPaths.get(path);
  if (p !== undefined) return p;
  p = path.replace(/\//g, '\\').toLowerCase();
  if (path.length <= 1024) {
    // A whole generation is dropped at once: cheaper than an LRU, and the busy paths come back.
    if (windowsPaths.size >= WINDOWS_PATHS_KEPT) windowsPaths = new Map();
    windowsPaths.set(path, p);
  }
  return p;
}

/** Security 4688 writes ids in hex (0x1a2c); Sysmon in decimal. */
export function processId(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  const n = /^0x[0-9a-f]{1,8}$/i.test(t) ? Number.parseInt(t, 16) : /^\d{1,10}$/.test(t) ? Number(t) : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The range of JavaScript dates; times outside it (or NaN) are not times. */
const MAX_TIME = 8.64e15;

export function isValidTime(t: number): boolean {
  return Number.isFinite(t) && Math.abs(t) <= MAX_TIME;
}
