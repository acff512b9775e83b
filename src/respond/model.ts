import type { EntityType } from '../correlate/index.js';
import type { Level } from '../detect/sigma/model.js';
import type { Condition } from './conditions.js';
import type { CompiledParam } from './params.js';
import type { IncidentChange } from './subject.js';

export const MODES = ['auto', 'approve', 'dry-run'] as const;
/** `auto` acts at once (unless min_confidence asks for approval), `approve` waits for a person, `dry-run` only plans. */
export type Mode = (typeof MODES)[number];

export type Trigger =
  | {
      readonly kind: 'incident';
      readonly change: IncidentChange;
      readonly minSeverity: Level | null;
      readonly line: number;
    }
  | {
      readonly kind: 'alert';
      readonly rule: string | null;
      readonly level: Level | null;
      readonly line: number;
    }
  | { readonly kind: 'entity'; readonly type: EntityType; readonly value: string; readonly line: number };

export interface Step {
  readonly id: string;
  readonly action: string;
  readonly params: Readonly<Record<string, CompiledParam>>;
  /** Whether rollback undoes this step (only actions that can be undone). */
  readonly rollback: boolean;
  readonly timeoutMs: number;
  readonly retries: number;
  /** The entity type the step runs once per value of, if any. */
  readonly fanOut: EntityType | null;
  readonly line: number;
}

export interface Playbook {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly version: number;
  readonly enabled: boolean;
  readonly mode: Mode;
  /** Below this risk score a person must approve, whatever the mode. */
  readonly minConfidence: number | null;
  readonly triggers: readonly Trigger[];
  readonly conditions: readonly (Condition & { readonly line: number })[];
  readonly steps: readonly Step[];
  readonly source: { readonly file: string; readonly line: number };
}

export const STEP_DEFAULTS = { timeoutMs: 30_000, retries: 2 } as const;
export const STEP_LIMITS = { maxTimeoutMs: 10 * 60_000, maxRetries: 10, maxSteps: 20 } as const;
