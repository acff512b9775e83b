import type { MailSensor } from '../mail/sensor.js';
import type { TelemetryGap } from '../model.js';
import type { Rng } from '../prng.js';
import type { FlatSensors } from '../sensors/flat.js';
import type { LinuxSensor } from '../sensors/linux.js';
import type { WindowsSensor } from '../sensors/windows.js';
import { hashesOf, type Host, type World } from '../world.js';

/** What a story is given to play: its own random stream and sensors that label its events. */
export interface StoryKit {
  readonly id: string;
  readonly r: Rng;
  readonly world: World;
  readonly win: WindowsSensor;
  readonly lin: LinuxSensor;
  readonly flat: FlatSensors;
  /** The organization's mail server, journaling what it receives (and the mail office it serves). */
  readonly mail: MailSensor;
  /** Epoch ms of the story's first step. */
  readonly start: number;
  /** Silences a sensor from a time on (for the whole scenario, noise included). */
  readonly mute: (gap: TelemetryGap) => void;
}

export interface StoryResult {
  readonly hosts: Host[];
  readonly gaps?: TelemetryGap[];
}

export interface Story {
  readonly name: string;
  readonly title: string;
  /** Rule ids, from Vigil's pack and SigmaHQ, that fire on every play of this story. */
  readonly expectedRules: readonly string[];
  readonly play: (kit: StoryKit) => StoryResult;
}

/** The fleet has no host or account left for a story. */
export class CastingError extends RangeError {
  override readonly name = 'CastingError';
}

export function need<T>(x: T | null | undefined, what: string): T {
  if (x === null || x === undefined) throw new CastingError(`not enough ${what} for the stories: add hosts`);
  return x;
}

/** A story's own clock: each step moves on by a random number of seconds. */
export class Clock {
  constructor(
    private readonly r: Rng,
    public t: number,
  ) {}

  step(minSeconds: number, maxSeconds: number): number {
    this.t += this.r.int(minSeconds * 1000, maxSeconds * 1000);
    return this.t;
  }
}

/** Sysmon hashes for a file only this story has. */
export function uniqueHashes(kit: StoryKit, what: string): string {
  return hashesOf(`${kit.world.seed}|${kit.id}|${what}|${kit.r.hex(16)}`);
}

const WORDS = [
  'cdn',
  'sync',
  'update',
  'cloud',
  'secure',
  'api',
  'edge',
  'static',
  'telemetry',
  'metrics',
  'node',
  'portal',
  'assets',
  'relay',
];
const TLDS = ['com', 'net', 'org', 'info', 'xyz', 'top', 'io', 'co'];

/** A command-and-control name no one else in the scenario resolves. */
export function c2Domain(kit: StoryKit): string {
  return kit.world.freshDomain(
    kit.r,
    (r) => `${r.pick(WORDS)}-${r.pick(WORDS)}${r.int(1, 99)}.${r.pick(TLDS)}`,
  );
}

/** An address at a hosting provider, not used elsewhere in the scenario. */
export function vpsIp(kit: StoryKit): string {
  return kit.world.freshIp(kit.r, ['5', '31', '37', '45', '91', '103', '146', '176', '185', '193', '194']);
}

export const SYS32 = 'C:\\Windows\\System32';
