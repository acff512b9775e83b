import {
  columnText,
  fieldText,
  hostKeyOf,
  isChannel,
  isValidTime,
  processId,
  sysmonId,
  windowsPath,
} from './event-fields.js';
import { isUserWritable } from './paths.js';
import { chainFinding, INSTALLER_CHAIN_ID, type ChainPending, type SignatureState } from './chain-finding.js';
import { isInstaller, scriptHostKind } from './process-roles.js';
import { ProcessTable, type ProcessNode } from './process-table.js';
import { RecentKeys } from './recent-keys.js';
import type { Analytic, AnalyticEvent, AnalyticFinding } from './types.js';

export { INSTALLER_CHAIN_ID } from './chain-finding.js';

export interface InstallerChainOptions {
  /** Processes remembered in all (hard cap). Default 20,000. */
  readonly maxProcesses?: number;
  /** Processes untouched this long are forgotten. Default 6 h. */
  readonly processTtlMs?: number;
  /** How long to wait for the payload's signature (Sysmon 7) before reporting it as unknown. Default 60 s. */
  readonly signatureWaitMs?: number;
  /** Ancestors searched above the script host for the installer. Default 3. */
  readonly installerDepth?: number;
}

const MAX_PENDING = 1000;
const MAX_SIGNATURES = 20_000;
const PAYLOAD_EXTENSION = /\.(?:exe|com|scr|pif)$/;

/**
 * The backdoored-installer chain: an installer starts a script host (wscript, cscript, mshta,
 * PowerShell, cmd running a script), which starts an executable from a user-writable folder that
 * is unsigned (high) or whose signature is never seen (medium). Signed payloads are left alone.
 */
export class InstallerChain implements Analytic {
  readonly id = INSTALLER_CHAIN_ID;
  private readonly table: ProcessTable;
  private readonly signatures = new Map<string, { state: SignatureState; status?: string }>();
  private readonly pending = new Map<string, ChainPending>();
  /** No pending chain is due before this (a lower bound): most events need not look at them. */
  private nextDue = Infinity;
  private readonly reported = new RecentKeys(3_600_000, 10_000);
  private readonly signatureWaitMs: number;
  private readonly installerDepth: number;
  private clock = -Infinity;

  constructor(o: InstallerChainOptions = {}) {
    this.table = new ProcessTable({
      maxProcesses: o.maxProcesses ?? 20_000,
      ttlMs: o.processTtlMs ?? 6 * 3_600_000,
      maxChildren: 64,
    });
    this.signatureWaitMs = o.signatureWaitMs ?? 60_000;
    this.installerDepth = o.installerDepth ?? 3;
  }

  /** Processes currently remembered. */
  get trackedProcesses(): number {
    return this.table.size;
  }

  observe(e: AnalyticEvent): AnalyticFinding[] {
    if (isValidTime(e.time)) this.clock = Math.max(this.clock, e.time);
    const out: AnalyticFinding[] = [];
    const sysmon = sysmonId(e);
    if (sysmon === 1 || isChannel(e, 'security', 4688)) this.started(e, out);
    else if (sysmon === 7) this.imageLoaded(e, out);
    this.table.expire(this.clock);
    this.flush(this.clock, out);
    return out;
  }

  advance(now: number): AnalyticFinding[] {
    if (isValidTime(now)) this.clock = Math.max(this.clock, now);
    const out: AnalyticFinding[] = [];
    this.table.expire(this.clock);
    this.flush(this.clock, out);
    return out;
  }

  private started(e: AnalyticEvent, out: AnalyticFinding[]): void {
    const host = hostKeyOf(e);
    const security = isChannel(e, 'security', 4688);
    const key = processKey(
      host,
      fieldText(e, 'ProcessGuid'),
      security ? fieldText(e, 'NewProcessId') : fieldText(e, 'ProcessId'),
    );
    const image = fieldText(e, 'Image') ?? fieldText(e, 'NewProcessName');
    if (key === undefined || image === undefined) return;
    const time = isValidTime(e.time) ? e.time : this.clock;
    const node = this.table.touch(key, host, time);
    node.stub = false;
    node.image = image;
    node.time = time;
    node.commandLine = fieldText(e, 'CommandLine');
    node.user = columnText(e, 'user_name');
    if (isUserWritable(image)) node.event = e;
    const parentKey = processKey(
      host,
      fieldText(e, 'ParentProcessGuid'),
      security ? fieldText(e, 'ProcessId') : fieldText(e, 'ParentProcessId'),
    );
    if (parentKey !== undefined && parentKey !== key) {
      node.parentKey = parentKey;
      const parent = this.table.touch(parentKey, host, time);
      if (parent.stub) {
        parent.image ||= fieldText(e, 'ParentImage') ?? fieldText(e, 'ParentProcessName') ?? '';
        parent.commandLine ??= fieldText(e, 'ParentCommandLine');
      }
      this.table.addChild(parent, key);
    }
    const signed = fieldText(e, 'Signed');
    if (signed !== undefined) this.recordSignature(host, image, signed, fieldText(e, 'SignatureStatus'));
    // The new process may complete a chain as payload, or, arriving late, as script host or installer.
    for (const candidate of this.table.subtree(node, this.installerDepth + 1)) this.consider(candidate, out);
  }

  private imageLoaded(e: AnalyticEvent, out: AnalyticFinding[]): void {
    const image = fieldText(e, 'Image');
    const loaded = fieldText(e, 'ImageLoaded');
    const signed = fieldText(e, 'Signed');
    if (image === undefined || loaded === undefined || signed === undefined) return;
    if (windowsPath(image) !== windowsPath(loaded)) return;
    const host = hostKeyOf(e);
    this.recordSignature(host, image, signed, fieldText(e, 'SignatureStatus'));
    for (const p of this.pending.values())
      if (p.payload.host === host && windowsPath(p.payload.image) === windowsPath(image)) this.finish(p, out);
  }

  private recordSignature(host: string, image: string, signed: string, status: string | undefined): void {
    const yes = /^(?:true|1|yes)$/i.test(signed.trim());
    const no = /^(?:false|0|no)$/i.test(signed.trim());
    if (!yes && !no) return;
    const state: SignatureState = no
      ? 'unsigned'
      : status === undefined || /^valid$/i.test(status)
        ? 'signed'
        : 'invalid';
    const key = `${host}|${windowsPath(image)}`;
    this.signatures.delete(key);
    this.signatures.set(key, { state, status });
    while (this.signatures.size > MAX_SIGNATURES)
      this.signatures.delete(this.signatures.keys().next().value!);
  }

  /** Starts a pending finding when `payload` ends an installer → script host → payload chain. */
  private consider(payload: ProcessNode, out: AnalyticFinding[]): void {
    if (payload.stub || this.pending.has(payload.key) || payload.event === undefined) return;
    const image = windowsPath(payload.image);
    if (!PAYLOAD_EXTENSION.test(image) || !isUserWritable(image)) return;
    if (scriptHostKind(payload.image, payload.commandLine) !== undefined) return;
    const script = this.table.get(payload.parentKey);
    if (script === undefined || script.image === '') return;
    const scriptKind = scriptHostKind(script.image, script.commandLine);
    if (scriptKind === undefined) return;
    const above = this.table.ancestors(script, this.installerDepth);
    const at = above.findIndex((a) => a.image !== '' && isInstaller(a.image));
    if (at < 0) return;
    const chain: ChainPending = {
      installer: above[at]!,
      between: above.slice(0, at).reverse(),
      script,
      scriptKind,
      payload,
      due: payload.time + this.signatureWaitMs,
    };
    this.pending.set(payload.key, chain);
    this.nextDue = Math.min(this.nextDue, chain.due);
    if (this.signatures.has(`${payload.host}|${image}`)) this.finish(chain, out);
    while (this.pending.size > MAX_PENDING) this.finish(this.pending.values().next().value!, out);
  }

  private flush(now: number, out: AnalyticFinding[]): void {
    if (this.pending.size === 0 || now < this.nextDue) return;
    for (const p of [...this.pending.values()]) if (p.due <= now) this.finish(p, out);
    let next = Infinity;
    for (const p of this.pending.values()) next = Math.min(next, p.due);
    this.nextDue = next;
  }

  private finish(p: ChainPending, out: AnalyticFinding[]): void {
    this.pending.delete(p.payload.key);
    const signature = this.signatures.get(`${p.payload.host}|${windowsPath(p.payload.image)}`) ?? {
      state: 'unknown',
    };
    if (signature.state === 'signed') return;
    const dedupe = `${p.payload.host}|${windowsPath(p.payload.image)}|${windowsPath(p.script.image)}`;
    if (this.reported.repeated(dedupe, p.payload.time)) return;
    out.push(chainFinding(p, signature.state, signature.status));
  }
}

function processKey(host: string, guid: string | undefined, pid: string | undefined): string | undefined {
  const g = guid?.replace(/[{}\s]/g, '').toLowerCase();
  if (g !== undefined && g !== '' && !/^0+(?:-0+)*$/.test(g)) return `${host}|${g}`;
  const n = processId(pid);
  return n === undefined ? undefined : `${host}|pid:${n}`;
}
