import { baseName, fieldText, hostKeyOf, hostOf, isChannel, sysmonId, windowsPath } from './event-fields.js';
import { DEFAULT_RANDOMNESS_THRESHOLD, NameRandomness, type NameScore } from './name-randomness.js';
import { RecentKeys } from './recent-keys.js';
import type { SystemNames } from './system-names.js';
import type { Analytic, AnalyticEvent, AnalyticFinding } from './types.js';

export const RANDOM_SYSTEM_BINARY_ID = 'vigil.analytics.random-system-binary';

export interface RandomSystemBinaryOptions {
  readonly names: SystemNames;
  /** Score above which a name counts as random. Default 6.75; higher means fewer, surer findings. */
  readonly threshold?: number;
  /** File extensions judged, lower case without dot. Default exe, dll, scr, sys, cpl, ocx. */
  readonly extensions?: readonly string[];
  /** A (host, path) already reported is not reported again within this window. Default 24 h. */
  readonly repeatWindowMs?: number;
  readonly maxRemembered?: number;
}

/** C:\Windows, System32, SysWOW64 (and drivers below them), in the spellings event sources use. */
const SYSTEM_FOLDER =
  /^(?:(?:[a-z]:|\\\\\?\\[a-z]:|\\device\\harddiskvolume\d+)\\windows|%systemroot%|%windir%|\\systemroot)\\(?:(?:system32|syswow64|sysnative)\\(?:drivers\\)?)?([^\\]+)$/;

/** Windows servicing writes most files in System32; a name it writes is likelier a real one. */
const SERVICING_WRITERS: ReadonlySet<string> = new Set([
  'tiworker.exe',
  'trustedinstaller.exe',
  'drvinst.exe',
  'poqexec.exe',
  'mousocoreworker.exe',
  'setuphost.exe',
]);

const MAX_VERDICTS = 4096;

interface Sighting {
  readonly path: string;
  readonly started: boolean;
  readonly by?: string;
  readonly commandLine?: string;
}

/**
 * Executables with random-looking names in the Windows system folders (the ngrok case's
 * C:\Windows\System32\<random>.exe): process starts (Sysmon 1, Security 4688) and file creation
 * (Sysmon 11, 29). Names in the known list are never flagged.
 */
export class RandomSystemBinary implements Analytic {
  readonly id = RANDOM_SYSTEM_BINARY_ID;
  private readonly randomness: NameRandomness;
  private readonly threshold: number;
  private readonly extensions: ReadonlySet<string>;
  private readonly reported: RecentKeys;
  /** Verdicts by path (null: not random): the same few programs start all day long. */
  private verdicts = new Map<string, NameScore | null>();

  constructor(o: RandomSystemBinaryOptions) {
    this.randomness = new NameRandomness(o.names);
    this.threshold = o.threshold ?? DEFAULT_RANDOMNESS_THRESHOLD;
    this.extensions = new Set(o.extensions ?? ['exe', 'dll', 'scr', 'sys', 'cpl', 'ocx']);
    this.reported = new RecentKeys(o.repeatWindowMs ?? 86_400_000, o.maxRemembered ?? 10_000);
  }

  observe(e: AnalyticEvent): AnalyticFinding[] {
    const seen = sightingOf(e);
    if (seen === undefined) return [];
    const judged = this.verdict(seen.path);
    if (judged === undefined) return [];
    const host = hostOf(e);
    if (this.reported.repeated(`${hostKeyOf(e)}|${windowsPath(seen.path)}|${seen.started}`, e.time))
      return [];
    return [finding(e, host, seen, judged, this.threshold)];
  }

  advance(): AnalyticFinding[] {
    return [];
  }

  /** judge(), remembered for the paths seen most recently. */
  private verdict(path: string): NameScore | undefined {
    const known = this.verdicts.get(path);
    if (known !== undefined) return known ?? undefined;
    const v = this.judge(path);
    if (path.length <= 1024) {
      // Dropped a whole generation at a time: a flood of unique paths costs no more than without.
      if (this.verdicts.size >= MAX_VERDICTS) this.verdicts = new Map();
      this.verdicts.set(path, v ?? null);
    }
    return v;
  }

  /** The score of a system-folder executable's name when it looks random; undefined otherwise. */
  private judge(path: string): NameScore | undefined {
    const file = SYSTEM_FOLDER.exec(windowsPath(path.trim()))?.[1];
    if (file === undefined) return undefined;
    const dot = file.lastIndexOf('.');
    if (dot <= 0 || !this.extensions.has(file.slice(dot + 1))) return undefined;
    const base = file.slice(0, dot);
    if (this.randomness.isKnown(base)) return undefined;
    const score = this.randomness.score(base);
    return score !== undefined && score.score > this.threshold ? score : undefined;
  }
}

function byServicing(seen: Sighting): boolean {
  return seen.by !== undefined && SERVICING_WRITERS.has(baseName(windowsPath(seen.by)));
}

function sightingOf(e: AnalyticEvent): Sighting | undefined {
  const sysmon = sysmonId(e);
  if (sysmon === 1 || isChannel(e, 'security', 4688)) {
    const path = fieldText(e, 'Image') ?? fieldText(e, 'NewProcessName');
    const by = fieldText(e, 'ParentImage') ?? fieldText(e, 'ParentProcessName');
    return path === undefined
      ? undefined
      : { path, started: true, by, commandLine: fieldText(e, 'CommandLine') };
  }
  if (sysmon === 11 || sysmon === 29) {
    const path = fieldText(e, 'TargetFilename');
    return path === undefined ? undefined : { path, started: false, by: fieldText(e, 'Image') };
  }
  return undefined;
}

function finding(
  e: AnalyticEvent,
  host: string,
  seen: Sighting,
  s: NameScore,
  threshold: number,
): AnalyticFinding {
  const why: string[] = [];
  if (s.surprisal >= 5)
    why.push(`letter pairs unlike Windows names and words (${s.surprisal.toFixed(1)} bits per pair)`);
  if (s.unexplained >= 1) why.push('almost no known name pieces');
  else if (s.unexplained >= 0.75) why.push('few known name pieces');
  if (s.digitsInside > 0)
    why.push(`${s.digitsInside} digit run${s.digitsInside > 1 ? 's' : ''} between letters`);
  const what = seen.started ? 'Process started from' : 'Executable written to';
  const name = baseName(seen.path);
  const reason =
    `${what} ${seen.path}, whose name '${name}' looks random (score ${s.score.toFixed(1)} > ${threshold})` +
    (why.length > 0 ? `: ${why.join(', ')}` : '');
  const evidence: Record<string, string> = {
    path: seen.path,
    name,
    score: s.score.toFixed(2),
    surprisal_bits: s.surprisal.toFixed(2),
    unexplained: s.unexplained.toFixed(2),
    digits_inside: String(s.digitsInside),
    entropy: s.entropy.toFixed(2),
    vowel_ratio: s.vowelRatio.toFixed(2),
    longest_consonant_run: String(s.longestConsonantRun),
  };
  if (seen.by !== undefined) evidence[seen.started ? 'parent' : 'writer'] = seen.by;
  if (seen.commandLine !== undefined) evidence.command_line = seen.commandLine;
  return {
    analytic: RANDOM_SYSTEM_BINARY_ID,
    title: seen.started
      ? 'Randomly named executable ran from a Windows system folder'
      : 'Randomly named executable written to a Windows system folder',
    level: seen.started ? 'high' : byServicing(seen) ? 'low' : 'medium',
    tags: ['attack.defense-evasion', 'attack.t1036.005'],
    time: e.time,
    host,
    reason,
    evidence,
    event: e,
  };
}
