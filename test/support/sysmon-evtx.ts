import { buildEvtx, el, sub, text, v } from './evtx-builder.js';

/** Sysmon process-creation records (event 1) as a real EVTX file, built from scratch. */
export interface ProcessCreation {
  readonly id: number;
  /** e.g. 2026-11-20T10:00:00.000Z */
  readonly time: string;
  readonly computer: string;
  readonly image: string;
  readonly commandLine: string;
  readonly parentImage: string;
}

const data = (name: string, index: number) =>
  el('Data', [{ name: 'Name', value: [text(name)] }], [sub(index)]);

const template = [
  el(
    'Event',
    [{ name: 'xmlns', value: [text('http://schemas.microsoft.com/win/2004/08/events/event')] }],
    [
      el(
        'System',
        [],
        [
          el('Provider', [{ name: 'Name', value: [text('Microsoft-Windows-Sysmon')] }], null),
          el('EventID', [], [sub(0)]),
          el('TimeCreated', [{ name: 'SystemTime', value: [sub(1)] }], null),
          el('EventRecordID', [], [sub(2)]),
          el('Channel', [], [text('Microsoft-Windows-Sysmon/Operational')]),
          el('Computer', [], [sub(3)]),
        ],
      ),
      el('EventData', [], [data('Image', 4), data('CommandLine', 5), data('ParentImage', 6)]),
    ],
  ),
];

const FILETIME_EPOCH_OFFSET_MS = 11_644_473_600_000n;

export function sysmonEvtx(records: readonly ProcessCreation[]): Buffer {
  return buildEvtx({
    template,
    records: records.map((r) => {
      const ticks = (BigInt(Date.parse(r.time)) + FILETIME_EPOCH_OFFSET_MS) * 10_000n;
      return {
        id: r.id,
        time: ticks,
        values: [
          v.uint16(1),
          v.fileTime(ticks),
          v.uint64(BigInt(r.id)),
          v.string(r.computer),
          v.string(r.image),
          v.string(r.commandLine),
          v.string(r.parentImage),
        ],
      };
    }),
  });
}
