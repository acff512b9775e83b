import type { EvtxRecord } from '../../ingest/evtx/index.js';
import type { JsonObject } from '../../ingest/types.js';
import type { CompiledRule, LogsourceVariant } from '../sigma/compile/rules.js';
import { compileRules } from '../sigma/compile/rules.js';
import type { CorrelationHit, RuleHit } from '../sigma/correlation/engine.js';
import { MapView, type FieldValue } from '../sigma/engine/event-view.js';
import { RuleSet } from '../sigma/engine/ruleset.js';
import { ruleKeys, type DetectionRule, type Logsource, type SigmaRule } from '../sigma/model.js';
import type { RuleError } from '../sigma/parse/errors.js';

/** Turns events of any supported shape into the flat Sigma view, and logsources into variants. */
export interface EventNormalizer {
  flatten(event: JsonObject): { fields: ReadonlyMap<string, FieldValue>; time: number | null };
  /** The same view, straight from a decoded EVTX record. */
  flattenEvtxRecord(record: EvtxRecord): { fields: ReadonlyMap<string, FieldValue>; time: number | null };
  variants(logsource: Logsource): readonly LogsourceVariant[];
}

/** Where an event came from. */
export interface EventOrigin {
  readonly source: string;
  readonly offset: number;
  readonly recordId?: number;
}

/** One rule matching one event. */
export interface Detection {
  readonly rule: DetectionRule;
  readonly variant: string;
  /** Sigma field name → event field name in this variant (for correlation group-by). */
  readonly fieldMap: Readonly<Record<string, string>>;
  /** Epoch ms of the event, or null when it carries no time. */
  readonly time: number | null;
  readonly fields: ReadonlyMap<string, FieldValue>;
  readonly event: JsonObject;
  readonly origin: EventOrigin;
}

export interface DetectorOptions {
  readonly placeholders?: ReadonlyMap<string, readonly string[]>;
  readonly unknownPlaceholders?: 'reject' | 'wildcard';
}

/**
 * The detection stage: compiled rules over normalized events. Correlations run over its
 * detections afterwards (see run.ts), in time order.
 */
export class Detector {
  readonly errors: RuleError[];
  readonly notes: { rule: DetectionRule; note: string }[];
  readonly rules: readonly SigmaRule[];
  /** Detection rules that compiled (at least one logsource variant); the status page reads it. */
  readonly compiledRuleCount: number;
  events = 0;
  /** Sees every event's flat view (incident building learns rarity and lineage from them). */
  onEvent:
    ((fields: ReadonlyMap<string, FieldValue>, time: number | null, origin: EventOrigin) => void) | null =
    null;
  /** Null once released (releaseCompiled): compiled again on the next match. */
  private compiled: readonly CompiledRule[] | null;
  private readonly bucketFields: readonly string[];
  private index: RuleSet<CompiledRule> | null = null;
  private readonly view = new MapView();

  constructor(
    rules: readonly SigmaRule[],
    private readonly normalizer: EventNormalizer,
    private readonly options: DetectorOptions = {},
  ) {
    this.rules = rules;
    const compiled = this.compile();
    this.errors = compiled.errors;
    this.notes = compiled.notes;
    this.compiled = compiled.compiled;
    this.bucketFields = compiled.bucketFields;
    this.compiledRuleCount = new Set(compiled.compiled.map((c) => c.rule)).size;
  }

  /**
   * The rules' index, built on first use: with pipeline workers, the server's main thread keeps a
   * Detector for its rule list and counts but never matches, and the index is a third of the
   * compiled rules' memory and half their build time.
   */
  get ruleSet(): RuleSet<CompiledRule> {
    this.compiled ??= this.compile().compiled;
    this.index ??= new RuleSet(
      this.compiled.map((c) => ({ payload: c, pred: c.pred, indexed: c.detection, buckets: c.buckets })),
      { bucketFields: this.bucketFields },
    );
    return this.index;
  }

  private compile(): ReturnType<typeof compileRules> {
    return compileRules(this.rules, (ls) => this.normalizer.variants(ls), this.options);
  }

  /**
   * Drops the compiled rules (the next match compiles them again): the server's main thread keeps
   * a Detector for its rule list and counts while pipeline workers match, and the compiled rules
   * were a third of its heap, which every full garbage collection marks again.
   */
  releaseCompiled(): void {
    this.compiled = null;
    this.index = null;
  }

  detect(event: JsonObject, origin: EventOrigin): Detection[] {
    return this.detectFlat(this.normalizer.flatten(event), origin, () => event);
  }

  /** Detection over an EVTX record; its JSON is rendered only when a rule matched. */
  detectRecord(record: EvtxRecord, origin: EventOrigin): Detection[] {
    return this.detectFlat(this.normalizer.flattenEvtxRecord(record), origin, () => record.toJSON());
  }

  /**
   * Detection over an event already flattened; `json` renders the event, and is only called for
   * events that some rule matched (so readers can skip building documents nobody reads).
   */
  detectFlat(
    flat: { fields: ReadonlyMap<string, FieldValue>; time: number | null },
    origin: EventOrigin,
    json: () => JsonObject,
  ): Detection[] {
    this.events++;
    const { fields, time } = flat;
    this.onEvent?.(fields, time, origin);
    // Matching is synchronous and keeps no reference to the view: one serves every event.
    this.view.fields = fields;
    const matched = this.ruleSet.match(this.view);
    if (matched.length === 0) return [];
    const event = json();
    const out: Detection[] = [];
    const seen = new Set<DetectionRule>();
    for (const m of matched) {
      // Two variants of one rule can both accept an event; it is still one detection.
      if (seen.has(m.rule)) continue;
      seen.add(m.rule);
      out.push({ rule: m.rule, variant: m.variant, fieldMap: m.fieldMap, time, fields, event, origin });
    }
    return out;
  }
}

export function asRuleHit(d: Detection): RuleHit<Detection> {
  return {
    keys: ruleKeys(d.rule),
    time: d.time ?? 0,
    field: (name) => d.fields.get(d.fieldMap[name] ?? name),
    event: d,
  };
}

export type { CorrelationHit };
