import { VigilError, type SourceLocation } from '../../core/errors.js';
import type { JsonObject } from '../../ingest/types.js';
import type { FieldValue } from '../sigma/engine/event-view.js';
import type { DetectionRule } from '../sigma/model.js';
import type { Detection, EventOrigin } from './detector.js';

/** A detection as it crosses between threads: the rule by its index in the shared rule list. */
export interface WireDetection {
  readonly rule: number;
  readonly variant: string;
  readonly time: number | null;
  readonly fields: Map<string, FieldValue>;
  readonly event: JsonObject;
  readonly origin: EventOrigin;
}

export interface WireError {
  readonly code: string;
  readonly message: string;
  readonly location: SourceLocation;
}

export function toWireError(e: VigilError): WireError {
  return { code: e.code, message: e.message, location: e.location };
}

export function fromWireError(e: WireError): VigilError {
  return new VigilError(e.code, e.message, e.location);
}

export function toWireDetection(d: Detection, ruleIndex: ReadonlyMap<DetectionRule, number>): WireDetection {
  return {
    rule: ruleIndex.get(d.rule)!,
    variant: d.variant,
    time: d.time,
    fields: d.fields as Map<string, FieldValue>,
    event: d.event,
    origin: d.origin,
  };
}

export function fromWireDetection(
  w: WireDetection,
  rules: readonly DetectionRule[],
  fieldMapOf: (rule: DetectionRule, variant: string) => Readonly<Record<string, string>>,
): Detection {
  const rule = rules[w.rule]!;
  return {
    rule,
    variant: w.variant,
    fieldMap: fieldMapOf(rule, w.variant),
    time: w.time,
    fields: w.fields,
    event: w.event,
    origin: w.origin,
  };
}
