import { baseName, hostOf, windowsPath } from './event-fields.js';
import { persistenceEntries, type PersistenceEntry, type PersistenceKind } from './persistence-names.js';
import { commandProgram, isGenericTool, isUserWritable } from './paths.js';
import { RecentKeys } from './recent-keys.js';
import type { Analytic, AnalyticEvent, AnalyticFinding } from './types.js';
import type { Vendor, VendorCatalog } from './vendor-catalog.js';
import { VendorMatcher, type VendorMatch } from './vendor-matcher.js';

export const VENDOR_IMPERSONATION_ID = 'vigil.analytics.vendor-lookalike-persistence';

export interface VendorImpersonationOptions {
  readonly catalog: VendorCatalog;
  /** A (host, entry) already reported is not reported again within this window. Default 1 h. */
  readonly repeatWindowMs?: number;
  /** Reported entries remembered for that. Default 10,000. */
  readonly maxRemembered?: number;
}

const KIND_LABEL: Readonly<Record<PersistenceKind, string>> = {
  'run-key': 'Run value',
  service: 'Service',
  'scheduled-task': 'Scheduled task',
};

const KIND_TAGS: Readonly<Record<PersistenceKind, readonly string[]>> = {
  'run-key': ['attack.t1547.001'],
  service: ['attack.t1543.003', 'attack.t1036.004'],
  'scheduled-task': ['attack.t1053.005', 'attack.t1036.004'],
};

interface Verdict {
  readonly entry: PersistenceEntry;
  readonly match: VendorMatch;
  readonly lookalike: boolean;
}

/**
 * Autostart entries (Run values, services, scheduled tasks) named like a security vendor's product
 * but misspelled or written with look-alike characters: the ngrok case's 'reg add ...\Run /v
 * <vendor with a typo>'. An exactly spelled vendor name is reported (at medium) only when neither
 * the process that wrote it nor the program it runs lies in that vendor's install folders: a
 * vendor's own software naming things after itself is normal, reg.exe doing it is not.
 */
export class VendorImpersonation implements Analytic {
  readonly id = VENDOR_IMPERSONATION_ID;
  private readonly matcher: VendorMatcher;
  private readonly reported: RecentKeys;

  constructor(o: VendorImpersonationOptions) {
    this.matcher = new VendorMatcher(o.catalog);
    this.reported = new RecentKeys(o.repeatWindowMs ?? 3_600_000, o.maxRemembered ?? 10_000);
  }

  observe(e: AnalyticEvent): AnalyticFinding[] {
    const entries = persistenceEntries(e);
    if (entries.length === 0) return [];
    const verdict = this.judge(entries);
    if (verdict === undefined) return [];
    const host = hostOf(e);
    const key = `${host.toLowerCase()}|${verdict.entry.kind}|${verdict.entry.name.toLowerCase()}`;
    if (this.reported.repeated(key, e.time)) return [];
    return [finding(e, host, verdict)];
  }

  advance(): AnalyticFinding[] {
    return [];
  }

  /** The most telling match among an event's entries: a lookalike before an exact name. */
  private judge(entries: readonly PersistenceEntry[]): Verdict | undefined {
    let exact: Verdict | undefined;
    for (const entry of entries) {
      const { lookalikes, exact: exacts } = this.matcher.match(entry.name);
      const look = lookalikes.find((m) => !ownedBy(m.vendor, entry));
      if (look !== undefined) return { entry, match: look, lookalike: true };
      const named = exacts.find((m) => !ownedBy(m.vendor, entry));
      if (named !== undefined && exact === undefined) exact = { entry, match: named, lookalike: false };
    }
    return exact;
  }
}

/** Written by the vendor's own binary, or pointing into the vendor's folders from a non-generic writer. */
export function ownedBy(vendor: Vendor, entry: PersistenceEntry): boolean {
  if (entry.writer !== undefined && inVendorFolder(vendor, entry.writer)) return true;
  const target = entry.target === undefined ? '' : commandProgram(entry.target);
  if (target === '' || !inVendorFolder(vendor, target)) return false;
  return entry.writer === undefined || !isGenericTool(entry.writer);
}

function inVendorFolder(vendor: Vendor, path: string): boolean {
  if (isUserWritable(path)) return false;
  const p = windowsPath(path);
  return vendor.paths.some((fragment) => p.includes(fragment));
}

/** Why an exactly named entry is not the vendor's own, in the words of ownedBy's rule. */
function notTheVendors(entry: PersistenceEntry, vendor: string): string {
  const folders = `${vendor}'s install folders`;
  const runs = entry.target === undefined ? undefined : baseName(commandProgram(entry.target));
  if (entry.writer === undefined)
    return runs === undefined || runs === ''
      ? `runs nothing in ${folders}`
      : `runs ${runs}, outside ${folders}`;
  const writer = baseName(entry.writer);
  if (isGenericTool(entry.writer)) return `was created by ${writer}, not software in ${folders}`;
  return `was created by ${writer} to run ${runs || 'nothing known'}, neither in ${folders}`;
}

function finding(e: AnalyticEvent, host: string, v: Verdict): AnalyticFinding {
  const { entry, match } = v;
  const label = `${KIND_LABEL[entry.kind]} '${entry.name}'`;
  const vendorName =
    match.name.display === match.vendor.vendor
      ? `the vendor name '${match.name.display}'`
      : `the ${match.vendor.vendor} name '${match.name.display}'`;
  let reason: string;
  if (v.lookalike) {
    const edits = match.distance === 1 ? '1 edit' : `${match.distance} edits`;
    const how = match.folded ? ' once look-alike characters are read as letters' : '';
    reason =
      match.distance === 0
        ? `${label} imitates ${vendorName} with look-alike characters`
        : `${label} is ${edits} from ${vendorName}${how}`;
    if (match.inside) reason += ` (run into '${match.written}')`;
  } else {
    reason = `${label} uses ${vendorName} but ${notTheVendors(entry, match.vendor.vendor)}`;
  }
  const evidence: Record<string, string> = {
    kind: entry.kind,
    via: entry.via,
    name: entry.name,
    vendor: match.vendor.vendor,
    vendor_name: match.name.display,
    matched_text: match.written,
    distance: String(match.distance),
    homoglyphs: String(match.folded),
  };
  if (entry.writer !== undefined) evidence.writer = entry.writer;
  if (entry.target !== undefined) evidence.target = entry.target;
  if (entry.location !== undefined) evidence.location = entry.location;
  return {
    analytic: VENDOR_IMPERSONATION_ID,
    title: v.lookalike
      ? 'Autostart entry named like a misspelled security vendor'
      : 'Autostart entry named after a security vendor by an unrelated program',
    level: v.lookalike ? 'high' : 'medium',
    tags: ['attack.persistence', 'attack.defense-evasion', 'attack.t1036', ...KIND_TAGS[entry.kind]],
    time: e.time,
    host,
    reason,
    evidence,
    event: e,
  };
}
