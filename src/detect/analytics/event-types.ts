import { channelOf, columnText, eventCode, fieldText, isChannel, sysmonId } from './event-fields.js';
import type { AnalyticEvent } from './types.js';

/** An event type: channel and event code. */
export interface EventType {
  readonly key: string;
  readonly label: string;
  readonly group?: 'network' | 'process';
}

const SYSMON_NAMES: Readonly<Record<number, string>> = {
  1: 'process creation',
  2: 'file time change',
  3: 'network connection',
  5: 'process end',
  6: 'driver load',
  7: 'image load',
  8: 'remote thread',
  10: 'process access',
  11: 'file creation',
  12: 'registry key',
  13: 'registry value',
  15: 'file stream',
  17: 'pipe creation',
  18: 'pipe connection',
  22: 'DNS query',
  23: 'file deletion',
  25: 'process tampering',
  26: 'file deletion',
};

const SECURITY_NAMES: Readonly<Record<number, string>> = {
  4624: 'logon',
  4625: 'failed logon',
  4634: 'logoff',
  4688: 'process creation',
  4689: 'process end',
  5156: 'WFP connection',
  5158: 'WFP bind',
};

/** Sysmon and Security types, made once per code: every event has one. */
const sysmonTypes = new Map<number, EventType>();
const securityTypes = new Map<number, EventType>();

function sysmonType(code: number): EventType {
  let t = sysmonTypes.get(code);
  if (t === undefined) {
    const name = SYSMON_NAMES[code];
    const group = code === 3 || code === 22 ? 'network' : code === 1 ? 'process' : undefined;
    t = Object.freeze({
      key: `sysmon:${code}`,
      label: name === undefined ? `Sysmon ${code}` : `Sysmon ${name} (${code})`,
      group,
    });
    // Codes are at most 10 digits: bounded all the same against a flood of odd ones.
    if (sysmonTypes.size < 1024) sysmonTypes.set(code, t);
  }
  return t;
}

function securityType(code: number): EventType {
  let t = securityTypes.get(code);
  if (t === undefined) {
    const name = SECURITY_NAMES[code];
    const group = code === 5156 ? 'network' : code === 4688 ? 'process' : undefined;
    t = Object.freeze({
      key: `security:${code}`,
      label: name === undefined ? `Security ${code}` : `Security ${name} (${code})`,
      group,
    });
    if (securityTypes.size < 1024) securityTypes.set(code, t);
  }
  return t;
}

/** The event's type, or undefined when it has no event code. */
export function eventTypeOf(e: AnalyticEvent): EventType | undefined {
  const code = eventCode(e);
  if (code === undefined) return undefined;
  if (sysmonId(e) !== undefined) return sysmonType(code);
  const channel = channelOf(e);
  if (channel === 'security') return securityType(code);
  const shown = columnText(e, 'channel') ?? columnText(e, 'provider') ?? 'events';
  return {
    key: `${channel || (columnText(e, 'provider') ?? '').toLowerCase()}:${code}`,
    label: `${shown.slice(0, 80)} ${code}`,
  };
}

/** Clean shutdown and sleep: a host's silence after one of these is expected. */
export function isGoingQuiet(e: AnalyticEvent): boolean {
  if (isChannel(e, 'security', 4609)) return true;
  if (channelOf(e) !== 'system') return false;
  const code = eventCode(e);
  const provider = (columnText(e, 'provider') ?? fieldText(e, 'Provider_Name') ?? '').toLowerCase();
  if (code === 1074 || code === 6006) return true;
  if (code === 13 && provider.includes('kernel-general')) return true;
  return code === 42 && provider.includes('kernel-power');
}
