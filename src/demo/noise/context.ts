import type { Rng } from '../prng.js';
import type { FlatSensors } from '../sensors/flat.js';
import type { LinuxSensor } from '../sensors/linux.js';
import type { WindowsSensor } from '../sensors/windows.js';
import type { Account, World } from '../world.js';
import type { Destination, DestinationKind } from './destinations.js';

/** What the background generators share. */
export interface NoiseContext {
  readonly world: World;
  readonly r: Rng;
  readonly win: WindowsSensor;
  readonly lin: LinuxSensor;
  readonly flat: FlatSensors;
  readonly dest: Record<DestinationKind, Destination[]>;
  /** Epoch ms where the scenario's window begins (a day before `now`). */
  readonly start: number;
}

/** Accounts no story holds. */
export function freeAdmins(world: World): Account[] {
  return world.admins.filter((a) => !world.reservedAccounts.has(a));
}

export const sec = 1000;
export const min = 60 * sec;
