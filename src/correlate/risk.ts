import { LEVELS, levelRank, type Level } from '../detect/sigma/model.js';

/** ATT&CK enterprise tactics in kill-chain order. */
export const TACTICS = [
  'reconnaissance',
  'resource-development',
  'initial-access',
  'execution',
  'persistence',
  'privilege-escalation',
  'defense-evasion',
  'credential-access',
  'discovery',
  'lateral-movement',
  'collection',
  'command-and-control',
  'exfiltration',
  'impact',
] as const;
const TACTIC_SET: ReadonlySet<string> = new Set(TACTICS);

/** The ATT&CK tactics among Sigma tags (`attack.defense-evasion`, or the older `attack.defense_evasion`). */
export function tacticsOf(tags: readonly string[]): string[] {
  const out: string[] = [];
  for (const t of tags) {
    const lower = t.toLowerCase();
    if (!lower.startsWith('attack.')) continue;
    const name = lower.slice(7).replace(/_/g, '-');
    if (TACTIC_SET.has(name) && !out.includes(name)) out.push(name);
  }
  return out;
}

export function killChainOrder(tactics: Iterable<string>): string[] {
  const set = new Set(tactics);
  return TACTICS.filter((t) => set.has(t));
}

const LEVEL_POINTS: Readonly<Record<Level, number>> = {
  informational: 1,
  low: 4,
  medium: 10,
  high: 20,
  critical: 30,
};

/** What a story's risk is made of, so the score can be explained. */
export interface RiskInput {
  readonly levels: readonly Level[];
  readonly tactics: readonly string[];
  readonly hosts: number;
  /** For each rule that fired, how often it fires in all (rare rules say more). */
  readonly ruleFires: readonly number[];
}

export interface Risk {
  readonly score: number;
  readonly severity: Level;
  readonly factors: Readonly<Record<'alerts' | 'tactics' | 'hosts' | 'rarity', number>>;
}

/**
 * A 0–100 score: the worst alert, more alerts with diminishing returns, progress along the kill
 * chain (a story that reaches command-and-control or impact after a foothold), spread across
 * hosts, and how rarely its rules fire anywhere else.
 */
export function riskOf(r: RiskInput): Risk {
  const points = r.levels.map((l) => LEVEL_POINTS[l]).sort((a, b) => b - a);
  const worst = points[0] ?? 0;
  const rest = points.slice(1).reduce((s, p) => s + p, 0);
  const alerts = worst + 10 * Math.log2(1 + rest / 10);
  const ordered = killChainOrder(r.tactics);
  const late = ordered.some((t) => t === 'command-and-control' || t === 'exfiltration' || t === 'impact');
  const tactics = Math.min(25, 5 * Math.max(0, ordered.length - 1)) + (late && ordered.length >= 2 ? 10 : 0);
  const hosts = Math.min(18, 6 * Math.max(0, r.hosts - 1));
  const rarest = r.ruleFires.length === 0 ? 0 : Math.min(...r.ruleFires);
  const rarity = rarest === 0 ? 0 : rarest <= 3 ? 10 : 10 * Math.min(1, 3 / rarest);
  const score = Math.max(0, Math.min(100, Math.round(alerts + tactics + hosts + rarity)));
  const maxLevel = r.levels.reduce<Level>((m, l) => (levelRank(l) > levelRank(m) ? l : m), 'informational');
  const byScore: Level =
    score >= 85
      ? 'critical'
      : score >= 65
        ? 'high'
        : score >= 40
          ? 'medium'
          : score >= 15
            ? 'low'
            : 'informational';
  const severity = LEVELS[Math.max(levelRank(maxLevel), levelRank(byScore))]!;
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    score,
    severity,
    factors: { alerts: round(alerts), tactics: round(tactics), hosts: round(hosts), rarity: round(rarity) },
  };
}
