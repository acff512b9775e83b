/**
 * Programs that ship with Windows. That two alerts ran the same one (cmd.exe, net.exe) says nothing
 * about whether they are one story, so their paths and hashes do not link alerts. A random-named
 * or masquerading binary in System32 is not on the list, and still links.
 */
const OS_PROGRAMS = new Set(
  `arp at attrib auditpol bcdedit bitsadmin certreq certutil chcp cipher cmd cmdkey cmstp conhost
  control csc cscript csrss ctfmon curl dllhost dism dnscmd dsquery dwm esentutl eventvwr expand
  explorer extrac32 find findstr fltmc forfiles fsutil ftp gpresult gpupdate hh hostname icacls
  ipconfig klist ldifde logman lsass makecab mmc mofcomp mountvol msbuild msdt msedge msfeedssync
  mshta msiexec mstsc msxsl nbtstat net net1 netsh netstat nltest notepad nslookup ntdsutil
  odbcconf pcalua ping pnputil powershell powershell_ise print qprocess query quser qwinsta
  reg regedit regini register-cimprovider regsvr32 replace robocopy route rpcping rundll32
  runonce sc schtasks sdbinst services setspn sethc sfc shutdown smss sort spoolsv svchost
  systeminfo takeown taskeng taskhost taskhostw tasklist taskkill taskmgr tracert tscon tsdiscon
  userinit vssadmin vssvc w32tm wbadmin wbem wecutil wevtutil where whoami wininit winlogon winrm
  winrs wmic wmiprvse wmiadap wmiapsrv write wscript wsmprovhost wusa xcopy searchindexer
  searchprotocolhost searchfilterhost runtimebroker sihost smartscreen backgroundtaskhost
  audiodg consent lodctr unlodctr werfault wermgr compattelrunner musnotification usoclient
  mpcmdrun msmpeng nissrv`
    .split(/\s+/)
    .filter((x) => x !== ''),
);

/**
 * Long-lived processes that start programs for everyone (services, the desktop shell, WMI, the
 * task scheduler): two programs sharing such a parent are not one story.
 */
const HUB_PARENTS = new Set(
  `explorer services svchost wininit winlogon userinit smss csrss lsass wmiprvse taskeng taskhostw
  taskhost msiexec runtimebroker sihost dllhost system registry`
    .split(/\s+/)
    .filter((x) => x !== ''),
);

const WINDOWS_DIR =
  /\\windows\\(?:(?:system32|syswow64|sysnative)\\(?:windowspowershell\\v1\.0\\|wbem\\)?)?([^\\]+)$/;

function baseName(path: string): string {
  const name = path.slice(Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/')) + 1).toLowerCase();
  return name.endsWith('.exe') ? name.slice(0, -4) : name;
}

/** A Windows program in its own folder: C:\Windows\System32\cmd.exe, not C:\Users\x\cmd.exe. */
export function isOsProgram(path: string): boolean {
  const m = WINDOWS_DIR.exec(path.toLowerCase());
  return m !== null && OS_PROGRAMS.has(baseName(m[1]!));
}

export function isHubProcess(path: string): boolean {
  const name = baseName(path);
  return HUB_PARENTS.has(name);
}
