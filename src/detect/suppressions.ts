import type { FieldValue, Scalar } from './sigma/engine/event-view.js';

/**
 * An exception an analyst made: matching detections raise no alert. Every set part must match;
 * an exception with none would silence everything, so it is refused. It names its author and why,
 * and expires unless told otherwise.
 */
export interface Suppression {
  readonly id: string;
  /** Rule id or title; empty for any rule. */
  readonly ruleId: string;
  /** An entity of the alert, `type:value` as correlation names it (user:svc-backup). */
  readonly entity: string;
  /** A field of the event and the value it must have (case-insensitive). */
  readonly field: string;
  readonly value: string;
  readonly reason: string;
  readonly author: string;
  readonly created: number;
  /** Epoch ms; 0 never expires. */
  readonly expires: number;
}

const MAX_TEXT = 1024;

/** Checks a suppression's shape; returns the problem, or null. */
export function suppressionProblem(s: Omit<Suppression, 'id' | 'created'>): string | null {
  if (s.ruleId === '' && s.entity === '' && s.field === '')
    return 'a suppression needs a rule, an entity or a field value: one with none would silence everything';
  if (s.field !== '' && s.value === '') return 'a field suppression needs the value to match';
  if (s.entity !== '' && !/^[a-z]+:./.test(s.entity))
    return 'entity must be type:value, e.g. user:svc-backup';
  if (s.reason.trim() === '') return 'say why (reason): exceptions without a reason cannot be reviewed';
  for (const [name, v] of Object.entries({
    ruleId: s.ruleId,
    entity: s.entity,
    field: s.field,
    value: s.value,
    reason: s.reason,
  }))
    if (v.length > MAX_TEXT) return `${name} is longer than ${MAX_TEXT} characters`;
  if (!Number.isFinite(s.expires) || s.expires < 0) return 'expires must be a time';
  return null;
}

function valueMatches(v: FieldValue | undefined, want: string): boolean {
  if (v === undefined || v === null) return false;
  const one = (x: Scalar) => x !== null && String(x).toLowerCase() === want;
  return Array.isArray(v) ? (v as readonly Scalar[]).some(one) : one(v as Scalar);
}

export type TenantSuppression = Suppression & { readonly tenant: string };

/** The live exceptions, each for its tenant, checked for every detection before it becomes an alert. */
export class Suppressions {
  private readonly byTenant = new Map<string, Suppression[]>();
  readonly size: number;

  constructor(list: readonly TenantSuppression[] = []) {
    for (const s of list) {
      let l = this.byTenant.get(s.tenant);
      if (l === undefined) this.byTenant.set(s.tenant, (l = []));
      l.push({ ...s, entity: s.entity.toLowerCase(), value: s.value.toLowerCase() });
    }
    this.size = list.length;
  }

  /** The suppression that silences this detection at `now`, if any. */
  match(
    tenant: string,
    now: number,
    ruleKeys: readonly string[],
    entityKeys: () => readonly string[],
    fields: ReadonlyMap<string, FieldValue>,
  ): Suppression | null {
    const list = this.byTenant.get(tenant);
    if (list === undefined) return null;
    let entities: ReadonlySet<string> | null = null;
    for (const s of list) {
      if (s.expires !== 0 && s.expires <= now) continue;
      if (s.ruleId !== '' && !ruleKeys.includes(s.ruleId)) continue;
      if (s.field !== '' && !valueMatches(fields.get(s.field), s.value)) continue;
      if (s.entity !== '') {
        entities ??= new Set(entityKeys());
        if (!entities.has(s.entity)) continue;
      }
      return s;
    }
    return null;
  }
}
