/** Ids of the rules the stories are built to trigger: Vigil's own pack (rules/). */
export const RULES = {
  installerSpawnsScriptHost: '13619774-09df-4867-8d3c-e8f93e2042a6',
  scriptHostRunsUserWritableExe: '052c1390-c65c-4a6e-991c-8940f6cfd8bf',
  runKeyVendorName: '1177b81e-6f6a-4666-84f3-d8ad142dcded',
  system32RandomName: '5f32f039-d0a1-4f21-8096-b57d9434e58a',
  system32ExeWritten: 'c5e2be80-d1c9-42cb-ae86-24ede2371267',
  smtpToGmail: 'e06e4fff-edb5-4760-9058-0269142071f2',
  dnsGmailSmtp: '24797906-5921-4020-bebf-635f09207114',
  inhibitRecovery: '28d7f83b-ae8f-46ba-8c10-206ceba43a2c',
  ransomNotesSpread: '1a9499ed-af26-4d97-9aca-955922f493ec',
  recoveryThenNotes: 'f5c6e68a-d818-4837-aa72-0ae3f6368416',
  privilegedContainer: '6fd6638d-61da-406c-9ddf-5914d9e0a202',
} as const;

/**
 * SigmaHQ rules that fire on every play of a story (checked against the SigmaHQ rule trees that
 * `loadRules` reads: rules, rules-emerging-threats, rules-threat-hunting, ...).
 */
export const SIGMA = {
  wscriptRunsVbs: '1e33157c-53b1-41ad-bbcc-780b80b58288',
  exeWritesExe: '297afac9-5d02-4138-8c58-b977bac60556',
  systeminfo: '0ef56343-059e-4cb6-adc1-4c3c967c5e46',
  tasklist: '63332011-f057-496c-ad8d-d2b6afb27f96',
  ngrokDomain: '18249279-932f-45e2-b37a-8925f2597670',
  ngrokTunnel: '1d08ac94-400d-4469-a82f-daee9a908849',
  ngrokExecution: 'ee37eb7c-a4e7-4cd5-8fa4-efa27f1c3f31',
  ngrokRdp: '64d51a51-32a6-49f0-9f3d-17e34d640272',
  rdpFromLocalhost: '51e33403-2a37-4d66-a574-1fda1782cc31',
  runKeyRegExe: 'de587dce-915e-4218-aac4-835ca6af6f70',
  autorunCurrentVersion: '20f0ee37-5942-4e45-b7d5-c5b5db9df5cd',
  autorunDirect: '24357373-078f-44ed-9ac4-6d334a668a11',
  outboundSmtp: '9976fa64-2804-423c-8a5b-646ade840773',
  shadowCopiesDeletion: 'c947b146-0abc-4c87-9c64-b17e9d7274a2',
  bcdeditTampering: '1444443e-6757-43e4-9ea4-c8fc705f79a2',
  ryuk: 'c37510b8-2107-4b78-aa32-72f251e7a844',
  icaclsPermissions: '37ae075c-271b-459b-8d7b-55ad5f993dd8',
  psexec: '730fc21b-eaff-474b-ad23-90fd265d4988',
  psexecService: 'fdfcbd78-48f1-4a4b-90ac-d82241e368c5',
  psexecServiceChild: '7c0dcd3d-acf8-4f71-9570-f448b0034f94',
  psexecServiceFile: '259e5a6a-b8d2-4c38-86e2-26c5e651361d',
  invokeWebRequest: '5e3cc4d8-3e68-43db-8656-eaaeefdec9cc',
  netStopService: '88872991-7445-4a22-90b2-a3adadb0e827',
  netView: '62510e69-616b-4078-b371-847da438cc03',
  certutilDownload: '19b08b1c-861d-4e75-a1ef-ea0c1baf202b',
  certutilDirectIp: '13e6fe51-d478-4c7e-b0f2-6da9b400a829',
  certutilNetwork: '0dba975d-a193-4ed1-a067-424df57570d1',
  scCreate: '85ff530b-261d-48c6-a441-facaa2e81e48',
  whoamiAll: 'c248c896-e412-4279-8c15-1c558067b6fa',
  whoamiPrivileged: '79ce34ca-af29-4d0e-b832-fc1b377020db',
  nltestRecon: '5cc90652-4cbd-4241-aa3b-4b462fa5a248',
  linuxAccountsDiscovery: 'b45e3d6f-42c6-47d8-a478-df6bd6cf534c',
} as const;
