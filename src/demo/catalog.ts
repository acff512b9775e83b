/** Version metadata of the programs the generator runs, as Sysmon reports it from the PE header. */
export interface PeMeta {
  readonly FileVersion: string;
  readonly Description: string;
  readonly Product: string;
  readonly Company: string;
  readonly OriginalFileName: string;
}

const WINDOWS = 'Microsoft® Windows® Operating System';
const MS = 'Microsoft Corporation';
const OS_VERSION = '10.0.19041.3636 (WinBuild.160101.0800)';

const win = (description: string, original: string): PeMeta => ({
  FileVersion: OS_VERSION,
  Description: description,
  Product: WINDOWS,
  Company: MS,
  OriginalFileName: original,
});

const TABLE: Readonly<Record<string, PeMeta>> = {
  'explorer.exe': win('Windows Explorer', 'EXPLORER.EXE'),
  'svchost.exe': win('Host Process for Windows Services', 'svchost.exe'),
  'services.exe': win('Services and Controller app', 'services.exe'),
  'cmd.exe': win('Windows Command Processor', 'Cmd.Exe'),
  'conhost.exe': win('Console Window Host', 'CONHOST.EXE'),
  'reg.exe': win('Registry Console Tool', 'reg.exe'),
  'net.exe': win('Net Command', 'net.exe'),
  'net1.exe': win('Net Command', 'net1.exe'),
  'wscript.exe': win('Microsoft ® Windows Based Script Host', 'wscript.exe'),
  'vssadmin.exe': win('Command Line Interface for Microsoft® Volume Shadow Copy Service', 'VSSADMIN.EXE'),
  'wbadmin.exe': win('Command Line Interface for Microsoft® BLB Backup', 'WBADMIN.EXE'),
  'bcdedit.exe': win('Boot Configuration Data Editor', 'bcdedit.exe'),
  'icacls.exe': win('icacls', 'iCACLS.EXE'),
  'sc.exe': win('Service Control Manager Configuration Tool', 'sc.exe'),
  'certutil.exe': win('CertUtil.exe', 'CertUtil.exe'),
  'whoami.exe': win('whoami - displays logged on user information', 'whoami.exe'),
  'ipconfig.exe': win('IP Configuration Utility', 'ipconfig.exe'),
  'systeminfo.exe': win('Displays system information', 'sysinfo.exe'),
  'taskhostw.exe': win('Host Process for Windows Tasks', 'taskhostw.exe'),
  'backgroundtaskhost.exe': win('Background Task Host', 'backgroundTaskHost.exe'),
  'searchprotocolhost.exe': win('Microsoft Windows Search Protocol Host', 'SearchProtocolHost.exe'),
  'searchfilterhost.exe': win('Microsoft Windows Search Filter Host', 'SearchFilterHost.exe'),
  'runtimebroker.exe': win('Runtime Broker', 'RuntimeBroker.exe'),
  'sppsvc.exe': win('Microsoft Software Protection Platform Service', 'sppsvc.exe'),
  'compattelrunner.exe': win('Microsoft Compatibility Telemetry', 'CompatTelRunner.exe'),
  'tiworker.exe': win('Windows Modules Installer Worker', 'TiWorker.exe'),
  'trustedinstaller.exe': win('Windows Modules Installer', 'TrustedInstaller.exe'),
  'wuauclt.exe': win('Windows Update', 'wuauclt.exe'),
  'gpupdate.exe': win('Microsoft® Windows Group Policy Refresh Utility', 'GPUpdate.exe'),
  'notepad.exe': win('Notepad', 'NOTEPAD.EXE'),
  'mmc.exe': win('Microsoft Management Console', 'mmc.exe'),
  'mstsc.exe': win('Remote Desktop Connection', 'mstsc.exe'),
  'userinit.exe': win('Userinit Logon Application', 'USERINIT.EXE'),
  'dllhost.exe': win('COM Surrogate', 'dllhost.exe'),
  'wmiprvse.exe': win('WMI Provider Host', 'Wmiprvse.exe'),
  'msmpeng.exe': {
    FileVersion: '4.18.23110.3',
    Description: 'Antimalware Service Executable',
    Product: WINDOWS,
    Company: MS,
    OriginalFileName: 'MsMpEng.exe',
  },
  'mpcmdrun.exe': {
    FileVersion: '4.18.23110.3',
    Description: 'Microsoft Malware Protection Command Line Utility',
    Product: WINDOWS,
    Company: MS,
    OriginalFileName: 'MpCmdRun.exe',
  },
  'chrome.exe': {
    FileVersion: '120.0.6099.130',
    Description: 'Google Chrome',
    Product: 'Google Chrome',
    Company: 'Google LLC',
    OriginalFileName: 'chrome.exe',
  },
  'msedge.exe': {
    FileVersion: '120.0.2210.91',
    Description: 'Microsoft Edge',
    Product: 'Microsoft Edge',
    Company: MS,
    OriginalFileName: 'msedge.exe',
  },
  'outlook.exe': {
    FileVersion: '16.0.17126.20132',
    Description: 'Microsoft Outlook',
    Product: 'Microsoft Outlook',
    Company: MS,
    OriginalFileName: 'Outlook.exe',
  },
  'winword.exe': {
    FileVersion: '16.0.17126.20132',
    Description: 'Microsoft Word',
    Product: 'Microsoft Office',
    Company: MS,
    OriginalFileName: 'WinWord.exe',
  },
  'excel.exe': {
    FileVersion: '16.0.17126.20132',
    Description: 'Microsoft Excel',
    Product: 'Microsoft Office',
    Company: MS,
    OriginalFileName: 'Excel.exe',
  },
  'ms-teams.exe': {
    FileVersion: '23335.219.2592.8659',
    Description: 'Microsoft Teams',
    Product: 'Microsoft Teams',
    Company: MS,
    OriginalFileName: 'ms-teams.exe',
  },
  'code.exe': {
    FileVersion: '1.85.1',
    Description: 'Visual Studio Code',
    Product: 'Visual Studio Code',
    Company: MS,
    OriginalFileName: 'electron.exe',
  },
  'onedrive.exe': {
    FileVersion: '23.246.1127.0002',
    Description: 'Microsoft OneDrive',
    Product: 'Microsoft OneDrive',
    Company: MS,
    OriginalFileName: 'OneDrive.exe',
  },
  'acrord32.exe': {
    FileVersion: '23.8.20470.0',
    Description: 'Adobe Acrobat Reader',
    Product: 'Adobe Acrobat Reader',
    Company: 'Adobe Systems Incorporated',
    OriginalFileName: 'AcroRd32.exe',
  },
  'sqlservr.exe': {
    FileVersion: '2022.160.4095.4',
    Description: 'SQL Server Windows NT - 64 Bit',
    Product: 'Microsoft SQL Server',
    Company: MS,
    OriginalFileName: 'sqlservr.exe',
  },
  'psexec.exe': {
    FileVersion: '2.43',
    Description: 'Execute processes remotely',
    Product: 'Sysinternals PsExec',
    Company: 'Sysinternals - www.sysinternals.com',
    OriginalFileName: 'psexec.c',
  },
  'psexesvc.exe': {
    FileVersion: '2.43',
    Description: 'PsExec Service',
    Product: 'Sysinternals PsExec',
    Company: 'Sysinternals - www.sysinternals.com',
    OriginalFileName: 'psexesvc.exe',
  },
};

/** What an unsigned tool with no version resource shows. */
export const NO_META: PeMeta = {
  FileVersion: '-',
  Description: '-',
  Product: '-',
  Company: '-',
  OriginalFileName: '-',
};

export function peMeta(image: string): PeMeta {
  const name = image.slice(image.lastIndexOf('\\') + 1).toLowerCase();
  return TABLE[name] ?? NO_META;
}
