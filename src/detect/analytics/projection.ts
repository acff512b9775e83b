import type { ColumnValues } from '../../normalize/columns.js';
import type { FieldValue } from '../../normalize/flat-event.js';
import type { AnalyticEvent } from './types.js';

/**
 * The fields and columns the analytics read. Events cross threads to the one that runs the
 * analytics (they keep state per host), so each carries only these: a test checks that the
 * projection changes no finding.
 */
export const ANALYTIC_FIELDS: readonly string[] = [
  'Channel',
  'Computer',
  'EventID',
  'EventType',
  'Provider_Name',
  'Image',
  'ImageLoaded',
  'ImagePath',
  'NewProcessName',
  'NewProcessId',
  'NewName',
  'ProcessId',
  'ProcessGuid',
  'ParentImage',
  'ParentProcessName',
  'ParentProcessGuid',
  'ParentProcessId',
  'ParentCommandLine',
  'CommandLine',
  'ProcessCommandLine',
  'Signed',
  'SignatureStatus',
  'TargetObject',
  'TargetFilename',
  'Details',
  'ServiceName',
  'ServiceFileName',
  'TaskName',
  'TaskContent',
];

const ANALYTIC_COLUMNS: readonly string[] = [
  'host',
  'channel',
  'provider',
  'event_code',
  'user_name',
  'process_executable',
  'process_command_line',
  'process_guid',
  'process_pid',
  'parent_executable',
  'parent_pid',
  'file_path',
  'registry_key',
  'registry_value',
];

/** An event with only what the analytics read, small enough to send across threads per event. */
export function projectForAnalytics(
  time: number,
  fields: ReadonlyMap<string, FieldValue>,
  columns: ColumnValues,
): AnalyticEvent {
  const f = new Map<string, FieldValue>();
  for (const name of ANALYTIC_FIELDS) {
    const v = fields.get(name);
    if (v !== undefined) f.set(name, v);
  }
  const c: ColumnValues = {};
  for (const name of ANALYTIC_COLUMNS) {
    const v = columns[name];
    if (v !== undefined) c[name] = v;
  }
  return { time, fields: f, columns: c };
}
