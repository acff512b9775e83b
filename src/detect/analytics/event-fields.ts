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

export function eventCode(e: AnalyticEvent): number | undefined {
  const t = columnText(e, 'event_code') ?? fieldText(e, 'EventID');
  if (t === undefined || !/^\s*\d{1,10}\s*$/.test(t)) return undefined;
  return Number(t);
}

/** Lower-case channel; '' when the event has none. */
export function channelOf(e: AnalyticEvent): string {
  return (columnText(e, 'channel') ?? fieldText(e, 'Channel') ?? '').toLowerCase();
}

export function hostOf(e: AnalyticEvent): string {
  return (columnText(e, 'host') ?? fieldText(e, 'Computer') ?? '').trim();
}

export function isSysmon(e: AnalyticEvent): boolean {
  const provider = columnText(e, 'provider') ?? '';
  return channelOf(e).includes('sysmon') || /sysmon/i.test(provider);
}

/** Sysmon event id n, or undefined when the event is not Sysmon. */
export function sysmonId(e: AnalyticEvent): number | undefined {
  return isSysmon(e) ? eventCode(e) : undefined;
}

export function isChannel(e: AnalyticEvent, channel: 'security' | 'system', code: number): boolean {
  return channelOf(e) === channel && eventCode(e) === code;
}

/** The last path component, for Windows or POSIX paths. */
export function baseName(path: string): string {
  const cut = Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/'));
  return path.slice(cut + 1);
}

/** Lower case with forward slashes turned into backslashes, for matching Windows paths. */
export function windowsPath(path: string): string {
  return path.replace(/\//g, '\\').toLowerCase();
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
