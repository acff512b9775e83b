import { baseName, hostOf } from './event-fields.js';
import { scriptFile, type ScriptHostKind } from './process-roles.js';
import type { ProcessNode } from './process-table.js';
import type { AnalyticFinding } from './types.js';

export const INSTALLER_CHAIN_ID = 'vigil.analytics.installer-script-payload';

export type SignatureState = 'signed' | 'unsigned' | 'invalid' | 'unknown';

/** A complete chain waiting for its payload's signature. */
export interface ChainPending {
  readonly installer: ProcessNode;
  readonly between: readonly ProcessNode[];
  readonly script: ProcessNode;
  readonly scriptKind: ScriptHostKind;
  readonly payload: ProcessNode;
  readonly due: number;
}

const SCRIPT_TAGS: Readonly<Record<ScriptHostKind, readonly string[]>> = {
  wscript: ['attack.t1059.005'],
  cscript: ['attack.t1059.005'],
  mshta: ['attack.t1218.005'],
  powershell: ['attack.t1059.001'],
  cmd: ['attack.t1059.003'],
};

export function chainFinding(
  p: ChainPending,
  state: SignatureState,
  status: string | undefined,
): AnalyticFinding {
  const script = scriptFile(p.script.commandLine);
  const scriptName = baseName(p.script.image) + (script === undefined ? '' : ` (${script})`);
  const payload = p.payload.image;
  const how =
    state === 'unknown'
      ? `${payload} (signature not seen)`
      : `${state === 'invalid' ? 'badly signed' : 'unsigned'} ${payload}`;
  const via = p.between.length > 0 ? ` via ${p.between.map((n) => baseName(n.image)).join(', ')}` : '';
  const reason =
    `Installer ${baseName(p.installer.image)} started ${scriptName}${via}, ` +
    `which launched ${how} from a user-writable folder`;
  const chain = [p.installer, ...p.between, p.script, p.payload].map((n) => n.image).join(' → ');
  const evidence: Record<string, string> = {
    chain,
    installer: p.installer.image,
    script_host: p.script.image,
    payload,
    signature: state,
  };
  if (p.installer.commandLine !== undefined) evidence.installer_command_line = p.installer.commandLine;
  if (p.script.commandLine !== undefined) evidence.script_command_line = p.script.commandLine;
  if (script !== undefined) evidence.script = script;
  if (p.payload.commandLine !== undefined) evidence.payload_command_line = p.payload.commandLine;
  if (status !== undefined) evidence.signature_status = status;
  if (p.payload.user !== undefined) evidence.user = p.payload.user;
  const event = p.payload.event;
  return {
    analytic: INSTALLER_CHAIN_ID,
    title: 'Installer ran a script that launched an unsigned program from a user-writable folder',
    level: state === 'unknown' ? 'medium' : 'high',
    tags: ['attack.execution', 'attack.t1204.002', ...SCRIPT_TAGS[p.scriptKind]],
    time: p.payload.time,
    host: event === undefined ? p.payload.host : hostOf(event),
    reason,
    evidence,
    ...(event === undefined ? {} : { event }),
  };
}
