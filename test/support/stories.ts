const SYSMON = 'Microsoft-Windows-Sysmon/Operational';
export const processStart = (
  host: string,
  time: string,
  guid: string,
  parentGuid: string,
  image: string,
  parent: string,
) => ({
  Channel: SYSMON,
  Hostname: host,
  EventTime: time,
  EventID: 1,
  ProcessGuid: guid,
  ParentProcessGuid: parentGuid,
  Image: image,
  ParentImage: parent,
  CommandLine: image.split('\\').at(-1)!,
  User: 'CORP\\bob',
});
/** The backdoored VPN installer: setup → wscript win.vbs → lscm.exe, on one laptop. */
export const vpnInstallerStory = (host: string, g: string) => [
  processStart(
    host,
    '2026-11-20 10:00:00',
    `{${g}-0000-0000-0000-000000000002}`,
    `{${g}-0000-0000-0000-000000000001}`,
    'C:\\Windows\\System32\\wscript.exe',
    'C:\\Users\\bob\\Downloads\\Windscribe_setup.exe',
  ),
  processStart(
    host,
    '2026-11-20 10:00:05',
    `{${g}-0000-0000-0000-000000000003}`,
    `{${g}-0000-0000-0000-000000000002}`,
    'C:\\Users\\bob\\AppData\\Roaming\\Windscribe\\lscm.exe',
    'C:\\Windows\\System32\\wscript.exe',
  ),
];
