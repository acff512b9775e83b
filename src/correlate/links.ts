import type { Entity, EntityType } from './entities.js';

/** Why two alerts belong together. */
export type LinkKind =
  | 'process-tree'
  | 'same-hash'
  | 'same-email'
  | 'same-file'
  | 'same-network'
  | 'same-registry'
  | 'same-container'
  | 'same-email-party'
  | 'same-host'
  | 'same-user'
  | 'repeated-detection'
  | 'telemetry-gap';

/**
 * Strong links alone make one story (the same process tree, file hash or email); medium ones
 * nearly so; weak ones (same host, same user) only together, and only close in time.
 */
interface LinkClass {
  readonly kind: LinkKind;
  readonly weight: number;
  /** Time apart at which the link still counts in full, and at which it stops counting. */
  readonly fullMs: number;
  readonly maxMs: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const STRONG = (kind: LinkKind): LinkClass => ({ kind, weight: 1, fullMs: 7 * DAY, maxMs: 7 * DAY });
const MEDIUM = (kind: LinkKind): LinkClass => ({ kind, weight: 0.7, fullMs: 12 * HOUR, maxMs: DAY });
const WEAK = (kind: LinkKind, weight: number): LinkClass => ({ kind, weight, fullMs: HOUR, maxMs: 4 * HOUR });

const CLASSES: Readonly<Record<EntityType, LinkClass>> = {
  process: STRONG('process-tree'),
  hash: STRONG('same-hash'),
  attachment: STRONG('same-email'),
  message: STRONG('same-email'),
  file: MEDIUM('same-file'),
  ip: MEDIUM('same-network'),
  domain: MEDIUM('same-network'),
  url: MEDIUM('same-network'),
  registry: MEDIUM('same-registry'),
  container: STRONG('same-container'),
  image: MEDIUM('same-container'),
  sender: MEDIUM('same-email-party'),
  recipient: WEAK('same-email-party', 0.4),
  host: WEAK('same-host', 0.6),
  user: WEAK('same-user', 0.4),
  // A sensor going blind on a host belongs with what was happening on that host (Waterbear).
  telemetry: { kind: 'telemetry-gap', weight: 1, fullMs: 6 * HOUR, maxMs: 12 * HOUR },
  // The same rule again on the same host within days: one recurring activity, not a new story.
  detection: { kind: 'repeated-detection', weight: 1, fullMs: 2 * DAY, maxMs: 3 * DAY },
};

/** host|pid: pids are reused, so the same pid is the same process only for a while. */
const PID: LinkClass = { kind: 'process-tree', weight: 0.8, fullMs: HOUR, maxMs: 4 * HOUR };

/** The longest time apart at which any link still counts: older alerts can be forgotten. */
export const MAX_LINK_MS = Math.max(...Object.values(CLASSES).map((c) => c.maxMs));

export function linkClass(e: { readonly type: EntityType; readonly value: string }): LinkClass {
  return e.type === 'process' && e.value.includes('|') ? PID : CLASSES[e.type];
}

/** Evidence a link needs to join two alerts. */
export const LINK_THRESHOLD = 1;

export interface LinkEvidence {
  readonly kind: LinkKind;
  readonly entity: { readonly type: EntityType; readonly value: string };
  /** This entity's share of the score: class weight × rarity × closeness in time. */
  readonly weight: number;
}

export interface Link {
  readonly from: string;
  readonly to: string;
  readonly score: number;
  readonly evidence: readonly LinkEvidence[];
  /** One sentence, for analysts. */
  readonly reason: string;
}

/** A shared value counts in full up to `fullMs` apart, then fades to nothing at `maxMs`. */
export function closeness(c: LinkClass, apartMs: number): number {
  const d = Math.abs(apartMs);
  if (d <= c.fullMs) return 1;
  if (d >= c.maxMs) return 0;
  return 1 - (d - c.fullMs) / (c.maxMs - c.fullMs);
}

/**
 * Whether a shared value of this type, held in these roles, links two alerts. A process links
 * when one alert's process is the other's process or parent, or when both are children of one
 * parent, unless that parent starts programs for everyone (explorer.exe, services.exe).
 */
export function rolesLink(type: EntityType, a: Entity['role'], b: Entity['role']): boolean {
  // Every alert holds its host's telemetry as `parent`, a gap in it as `self`: only gaps link.
  if (type === 'telemetry') return a === 'self' || b === 'self';
  if (type !== 'process' || a === 'self' || b === 'self') return true;
  return a === 'parent' && b === 'parent';
}

function describe(e: LinkEvidence): string {
  const v = e.entity.value.length > 80 ? `${e.entity.value.slice(0, 77)}...` : e.entity.value;
  switch (e.kind) {
    case 'process-tree':
      return `the same process tree (${v})`;
    case 'same-hash':
      return `the same file hash ${v}`;
    case 'same-email':
      return `the same email (${v})`;
    case 'same-file':
      return `the same file ${v}`;
    case 'same-network':
      return `the same ${e.entity.type === 'ip' ? 'IP address' : e.entity.type} ${v}`;
    case 'same-registry':
      return `the same registry key ${v}`;
    case 'same-container':
      return `the same container ${e.entity.type === 'image' ? 'image' : ''} ${v}`.replace('  ', ' ');
    case 'same-email-party':
      return `the same ${e.entity.type} ${v}`;
    case 'same-host':
      return `the same host ${v}`;
    case 'same-user':
      return `the same user ${v}`;
    case 'telemetry-gap':
      return `a telemetry gap on ${v}`;
    case 'repeated-detection':
      return `the same detection repeating on ${v.slice(0, v.indexOf('|'))}`;
  }
}

function minutes(ms: number): string {
  const m = Math.round(Math.abs(ms) / 60_000);
  if (m < 1) return 'under a minute';
  if (m < 120) return `${m} min`;
  const h = Math.round(m / 60);
  return h < 48 ? `${h} h` : `${Math.round(h / 24)} days`;
}

export function explain(evidence: readonly LinkEvidence[], apartMs: number): string {
  const parts = [...evidence].sort((a, b) => b.weight - a.weight).map(describe);
  const list = parts.length <= 1 ? parts.join('') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
  return `${list}, ${minutes(apartMs)} apart`;
}
