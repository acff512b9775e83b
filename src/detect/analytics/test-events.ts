import { ColumnMapper } from '../../normalize/columns.js';
import type { FieldValue } from '../../normalize/flat-event.js';
import type { AnalyticEvent } from './types.js';
import { seededRandom } from '../../core/random.js';

// Helpers for the analytics' tests: events with the flat fields real EVTX records produce and the
// columns ColumnMapper fills from them.

let mapper: ColumnMapper | undefined;

export function analyticEvent(fields: Readonly<Record<string, FieldValue>>, time = 0): AnalyticEvent {
  mapper ??= ColumnMapper.load();
  const map = new Map(Object.entries(fields));
  return { time, fields: map, columns: mapper.map(map) };
}

export interface EventPlace {
  readonly host?: string;
  readonly time?: number;
}

export const SYSMON_CHANNEL = 'Microsoft-Windows-Sysmon/Operational';

export function sysmonEvent(
  id: number,
  data: Readonly<Record<string, FieldValue>>,
  at: EventPlace = {},
): AnalyticEvent {
  return windowsEvent(SYSMON_CHANNEL, id, data, at);
}

export function windowsEvent(
  channel: string,
  id: number,
  data: Readonly<Record<string, FieldValue>>,
  at: EventPlace = {},
): AnalyticEvent {
  return analyticEvent(
    { Channel: channel, EventID: id, Computer: at.host ?? 'WS01.corp.example', ...data },
    at.time ?? 0,
  );
}

export { seededRandom };
