import { createHash } from 'node:crypto';
import { Detector, type Detection } from '../detect/hunt/detector.js';
import { sigmaToSql } from '../detect/retro/sigma-sql.js';
import { Correlator, type CorrelationHit } from '../detect/sigma/correlation/engine.js';
import type { CompiledRule } from '../detect/sigma/compile/rules.js';
import { ruleKeys, type DetectionRule, type SigmaRule } from '../detect/sigma/model.js';
import type { RuleError } from '../detect/sigma/parse/errors.js';
import type { JsonObject } from '../ingest/types.js';
import type { ColumnMapper, Mappings } from '../normalize/index.js';
import {
  asStoredHit,
  correlationAlertId,
  correlationAlertRow,
  detectionAlertId,
  detectionAlertRow,
  type HitInfo,
} from '../pipeline/alerts.js';
import type { Store } from '../store/index.js';
import { entitiesOf, entitiesOfColumns, entityKey, type CorrelationAlert } from '../correlate/index.js';
import type { Suppressions } from '../detect/suppressions.js';
import { rangeParams, TENANT_RANGE, type TimeRange } from './request.js';

export interface RetroHuntOptions extends TimeRange {
  readonly tenant: string;
  readonly mappings: Mappings;
  readonly columns: ColumnMapper;
  /** Write the alerts found (those not already stored). */
  readonly storeAlerts: boolean;
  /** Analysts' exceptions: matching detections raise no alert, as live. */
  readonly suppressions?: Suppressions;
  /** Called with the alerts stored (the new ones), for incident building. */
  readonly onStored?: (alerts: readonly CorrelationAlert[]) => Promise<void>;
  /** Stop after this many matching events per rule. */
  readonly maxMatches?: number;
  readonly pageSize?: number;
  readonly now?: number;
}

export interface RuleHuntResult {
  readonly ruleId: string;
  readonly title: string;
  readonly level: string;
  readonly kind: 'detection' | 'correlation';
  /** Events the SQL pre-selection returned (detection rules). */
  readonly candidates: number;
  readonly matches: number;
  readonly truncated: boolean;
  readonly hosts: { host: string; matches: number }[];
  readonly first: string | null;
  readonly last: string | null;
  readonly eventIds: string[];
  /** The WHERE clause each logsource variant ran as (parameters are listed by name). */
  readonly sql: string[];
}

export interface RetroHuntResult {
  readonly runId: string;
  readonly rules: RuleHuntResult[];
  readonly alertsStored: number;
  readonly errors: { file: string; line: number; message: string }[];
  readonly elapsedMs: number;
}

interface Candidate {
  event_id: string;
  t: string;
  raw: string;
}

const SAMPLE_IDS = 100;

/** An alert to store: its row, and the same alert as incident building sees it. */
interface StoredAlertOf {
  readonly id: string;
  readonly row: string;
  readonly incident: CorrelationAlert;
}

/**
 * Runs Sigma rules over stored history. SQL pre-selects candidates (see sigma-sql.ts), the same
 * engine as live detection decides on each candidate's original record, and correlation rules
 * then run over the detections in time order. Alerts get the ids live detection would give them,
 * so a finding that was already alerted is not alerted twice.
 */
export async function retroHunt(
  store: Store,
  rules: readonly SigmaRule[],
  ruleErrors: readonly RuleError[],
  o: RetroHuntOptions,
): Promise<RetroHuntResult> {
  const started = Date.now();
  const now = o.now ?? started;
  const maxMatches = o.maxMatches ?? 100_000;
  const pageSize = o.pageSize ?? 2000;
  const detector = new Detector(rules, o.mappings);
  const runId = createHash('sha256')
    .update(JSON.stringify([o.tenant, o.from, o.to, rules.map((r) => [r.id, r.title, r.source])]))
    .digest('hex')
    .slice(0, 16);
  const byRule = new Map<DetectionRule, CompiledRule[]>();
  for (const e of detector.ruleSet.entries) {
    const list = byRule.get(e.payload.rule) ?? [];
    list.push(e.payload);
    byRule.set(e.payload.rule, list);
  }
  const results: RuleHuntResult[] = [];
  const found: { d: Detection; info: HitInfo }[] = [];
  const alerts: StoredAlertOf[] = [];
  const provenance = { retro_hunt: runId };
  const correlator = new Correlator<HitInfo>(rules);
  const suppressed = correlator.suppressedKeys();

  for (const [rule, variants] of byRule) {
    const ruleId = rule.id ?? rule.title;
    const compiled = variants.map((v, i) => sigmaToSql(v.pred, 'over', `r${i}_`));
    const where = compiled.map((c) => `(${c.where})`).join(' OR ');
    const params = Object.assign({}, ...compiled.map((c) => c.params), rangeParams(o.tenant, o));
    let after: { t: string; id: string } | null = null;
    let candidates = 0;
    const matched: { d: Detection; info: HitInfo }[] = [];
    let truncated = false;
    for (;;) {
      const page: Candidate[] = await store.query<Candidate>(
        `SELECT event_id, toString(ts) AS t, raw FROM events
         WHERE ${TENANT_RANGE} AND (${where})
         ${after ? "AND (ts, event_id) > (toDateTime64({afterT:String}, 3, 'UTC'), {afterId:String})" : ''}
         ORDER BY ts, event_id LIMIT {page:UInt32}`,
        { ...params, page: pageSize, ...(after ? { afterT: after.t, afterId: after.id } : {}) },
      );
      candidates += page.length;
      for (const c of page) {
        let record: JsonObject;
        try {
          record = JSON.parse(c.raw) as JsonObject;
        } catch {
          continue; // a raw line that is not JSON (syslog text) was never matched as JSON either
        }
        const flat = o.mappings.flatten(record);
        const d = detector
          .detectFlat(flat, { source: 'store', offset: 0 }, () => record)
          .find((x) => x.rule === rule);
        if (d === undefined) continue;
        matched.push({ d, info: { eventId: c.event_id, columns: o.columns.map(flat.fields) } });
        if (matched.length >= maxMatches) break;
      }
      if (matched.length >= maxMatches) {
        truncated = true;
        break;
      }
      if (page.length < pageSize) break;
      const last = page.at(-1)!;
      after = { t: last.t, id: last.event_id };
    }
    found.push(...matched);
    const hosts = new Map<string, number>();
    for (const m of matched) {
      const host = String(m.info.columns.host ?? '');
      hosts.set(host, (hosts.get(host) ?? 0) + 1);
    }
    const times = matched.map((m) => m.d.time).filter((t): t is number => t !== null);
    results.push({
      ruleId,
      title: rule.title,
      level: rule.level,
      kind: 'detection',
      candidates,
      matches: matched.length,
      truncated,
      hosts: [...hosts].map(([host, n]) => ({ host, matches: n })).sort((a, b) => b.matches - a.matches),
      first: times.length ? new Date(Math.min(...times)).toISOString() : null,
      last: times.length ? new Date(Math.max(...times)).toISOString() : null,
      eventIds: matched.slice(0, SAMPLE_IDS).map((m) => m.info.eventId),
      sql: compiled.map((c) => c.where),
    });
    // Like live detection: a rule that a correlation consumes (without `generate`) does not alert.
    if (!ruleKeys(rule).some((k) => suppressed.has(k)))
      for (const m of matched) {
        const entities = entitiesOf(m.d.fields, m.info.columns);
        const keys = () => entities.map(entityKey);
        if (o.suppressions?.match(o.tenant, now, ruleKeys(rule), keys, m.d.fields)) continue;
        const id = detectionAlertId(m.info.eventId, ruleId);
        const time = m.d.time ?? now;
        alerts.push({
          id,
          row: detectionAlertRow(o.tenant, m.d, m.info, time, now, provenance, entities),
          incident: {
            id,
            time,
            ruleId,
            title: rule.title,
            level: rule.level,
            tags: rule.tags,
            host: String(m.info.columns.host ?? ''),
            entities,
          },
        });
      }
  }

  // Correlations see the detections in time order, as live detection would have.
  if (correlator.size > 0) {
    found.sort((a, b) => (a.d.time ?? 0) - (b.d.time ?? 0));
    const hits: CorrelationHit<HitInfo>[] = [];
    for (const f of found) hits.push(...correlator.push(asStoredHit(f.d, f.info, now)));
    hits.push(...correlator.flush());
    const byCorrelation = new Map<string, CorrelationHit<HitInfo>[]>();
    for (const h of hits) {
      const id = h.rule.id ?? h.rule.title;
      const list = byCorrelation.get(id);
      if (list) list.push(h);
      else byCorrelation.set(id, [h]);
      const entities = entitiesOfColumns(h.hits.map((x) => (x.event as HitInfo).columns));
      const hid = correlationAlertId(h);
      alerts.push({
        id: hid,
        row: correlationAlertRow(o.tenant, h, now, provenance, entities),
        incident: {
          id: hid,
          time: h.last,
          ruleId: id,
          title: h.rule.title,
          level: h.rule.level,
          tags: h.rule.tags,
          host: String((h.hits.at(-1)?.event as HitInfo | undefined)?.columns.host ?? ''),
          entities,
        },
      });
    }
    for (const r of rules) {
      if (r.type !== 'correlation') continue;
      const list = byCorrelation.get(r.id ?? r.title) ?? [];
      results.push({
        ruleId: r.id ?? r.title,
        title: r.title,
        level: r.level,
        kind: 'correlation',
        candidates: 0,
        matches: list.length,
        truncated: false,
        hosts: [],
        first: list.length ? new Date(Math.min(...list.map((h) => h.first))).toISOString() : null,
        last: list.length ? new Date(Math.max(...list.map((h) => h.last))).toISOString() : null,
        eventIds: list.flatMap((h) => h.hits.map((x) => (x.event as HitInfo).eventId)).slice(0, SAMPLE_IDS),
        sql: [],
      });
    }
  }

  let alertsStored = 0;
  if (o.storeAlerts) {
    const stored = await storeNewAlerts(store, o.tenant, alerts, runId);
    alertsStored = stored.length;
    await o.onStored?.(stored);
  }
  return {
    runId,
    rules: results,
    alertsStored,
    errors: [...ruleErrors, ...detector.errors].map((e) => ({
      file: e.location.file ?? '',
      line: e.location.line ?? 0,
      message: e.message,
    })),
    elapsedMs: Date.now() - started,
  };
}

/** Inserts the alerts whose ids are not stored yet, in blocks with their own dedup tokens. */
async function storeNewAlerts(
  store: Store,
  tenant: string,
  alerts: readonly StoredAlertOf[],
  runId: string,
): Promise<CorrelationAlert[]> {
  const stored: CorrelationAlert[] = [];
  for (let i = 0; i < alerts.length; i += 5000) {
    const block = alerts.slice(i, i + 5000);
    const ids = block.map((a) => a.id);
    const existing = new Set(
      (
        await store.query<{ alert_id: string }>(
          'SELECT alert_id FROM alerts WHERE tenant = {tenant:String} AND alert_id IN {ids:Array(String)}',
          { tenant, ids },
        )
      ).map((r) => r.alert_id),
    );
    const fresh = block.filter((a) => !existing.has(a.id));
    if (fresh.length === 0) continue;
    await store.insert('alerts', Buffer.from(fresh.map((a) => a.row).join('\n')), {
      dedupToken: `retro:${runId}:${i}`,
    });
    for (const a of fresh) stored.push(a.incident);
  }
  return stored;
}
