import type { JsonObject } from '../../ingest/types.js';

/** The System part of a Windows (or Sysmon for Linux) event, as the evtx crate renders it. */
export interface SystemHeader {
  readonly provider: string;
  readonly providerGuid: string;
  readonly eventId: number;
  readonly version: number;
  readonly level: number;
  readonly task: number;
  readonly keywords: string;
  readonly channel: string;
  readonly computer: string;
  readonly processId: number;
  readonly threadId: number;
  /** The Security element's UserID; null renders `"Security": null`. */
  readonly userId: string | null;
}

/** `2024-05-01T10:00:00.123456Z`: evtx's SystemTime, with sub-millisecond digits from the time. */
export function systemTime(at: number): string {
  const micro = String(Math.abs((at * 389) % 1000)).padStart(3, '0');
  return `${new Date(at).toISOString().slice(0, 23)}${micro}Z`;
}

/** Sysmon's UtcTime: `2024-05-01 10:00:00.123`. */
export function utcTime(at: number): string {
  return new Date(at).toISOString().replace('T', ' ').slice(0, 23);
}

/**
 * `{"Event":{"#attributes":..,"System":{..},"EventData":{..}}}`. EventRecordID is filled in once
 * the scenario's events are in order.
 */
export function evtxRecord(
  at: number,
  s: SystemHeader,
  data: JsonObject,
  section: 'EventData' | 'UserData' = 'EventData',
): JsonObject {
  return {
    Event: {
      '#attributes': { xmlns: 'http://schemas.microsoft.com/win/2004/08/events/event' },
      System: {
        Provider: { '#attributes': { Name: s.provider, Guid: s.providerGuid } },
        EventID: s.eventId,
        Version: s.version,
        Level: s.level,
        Task: s.task,
        Opcode: 0,
        Keywords: s.keywords,
        TimeCreated: { '#attributes': { SystemTime: systemTime(at) } },
        EventRecordID: 0,
        Correlation: null,
        Execution: { '#attributes': { ProcessID: s.processId, ThreadID: s.threadId } },
        Channel: s.channel,
        Computer: s.computer,
        Security: s.userId === null ? null : { '#attributes': { UserID: s.userId } },
      },
      [section]: data,
    },
  };
}
