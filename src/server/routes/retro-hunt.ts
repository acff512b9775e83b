import { ruleKeys, type SigmaRule } from '../../detect/sigma/model.js';
import type { RuleError } from '../../detect/sigma/parse/errors.js';
import { parseRules } from '../../detect/sigma/parse/rule.js';
import { parseCount, parseRange, retroHunt } from '../../search/index.js';
import { Suppressions } from '../../detect/suppressions.js';
import { authorize } from '../auth.js';
import type { RequestContext } from '../context.js';
import { HttpError, readJson, sendJson, type Router } from '../http.js';

const MAX_RULE_BYTES = 1024 * 1024;

/**
 * The loaded rules named by id or name, with what they need to run as they do live: the filters
 * that target them and, for a correlation, the rules it correlates.
 */
export function selectRules(all: readonly SigmaRule[], wanted: readonly string[]): SigmaRule[] {
  const byKey = new Map<string, SigmaRule>();
  for (const r of all) for (const k of ruleKeys(r)) byKey.set(k, r);
  const chosen = new Set<SigmaRule>();
  const add = (key: string): void => {
    const r = byKey.get(key);
    if (r === undefined || chosen.has(r)) return;
    chosen.add(r);
    if (r.type === 'correlation') r.correlation.rules.forEach(add);
  };
  for (const w of wanted) {
    if (!byKey.has(w)) throw new HttpError(400, `no loaded rule has the id or name ${JSON.stringify(w)}`);
    add(w);
  }
  for (const r of all)
    if (r.type === 'filter' && r.rules.some((t) => [...chosen].some((c) => ruleKeys(c).includes(t))))
      chosen.add(r);
  return [...chosen];
}

export function retroHuntRoutes(router: Router<RequestContext>): void {
  router.on('POST', '/api/v1/retro-hunt', async (ctx) => {
    const body = await readJson(ctx.req, MAX_RULE_BYTES);
    if (body === null || typeof body !== 'object' || Array.isArray(body))
      throw new HttpError(400, 'the body must be a JSON object');
    const b = body as Record<string, unknown>;
    const store = b.store !== false;
    authorize(ctx.principal, store ? 'write' : 'read');
    const s = ctx.services;
    let rules: SigmaRule[];
    let errors: readonly RuleError[] = [];
    if (typeof b.rule === 'string') {
      const parsed = parseRules(b.rule, 'request');
      if (parsed.rules.length === 0)
        throw new HttpError(400, 'no rule could be loaded', {
          errors: parsed.errors.map((e) => ({ line: e.location.line ?? 0, message: e.message })),
        });
      // A correlation posted alone runs over the loaded rules it names.
      const given = new Set(parsed.rules.flatMap(ruleKeys));
      const missing = parsed.rules.flatMap((r) =>
        r.type === 'correlation' ? r.correlation.rules.filter((k) => !given.has(k)) : [],
      );
      const known = new Set(s.detector.rules.flatMap(ruleKeys));
      rules = [
        ...parsed.rules,
        ...selectRules(
          s.detector.rules,
          missing.filter((k) => known.has(k)),
        ),
      ];
      errors = parsed.errors;
    } else if (Array.isArray(b.rule_ids) && b.rule_ids.every((x) => typeof x === 'string')) {
      rules = selectRules(s.detector.rules, b.rule_ids as string[]);
    } else throw new HttpError(400, 'give "rule" (Sigma YAML) or "rule_ids" (ids of loaded rules)');
    if (s.retroHuntBusy)
      throw new HttpError(
        429,
        'a retro-hunt is already running; try again when it ends',
        {},
        {
          'retry-after': '10',
        },
      );
    s.retroHuntBusy = true;
    try {
      const result = await retroHunt(s.store, rules, errors, {
        tenant: ctx.tenant,
        ...parseRange(b.from, b.to, 30 * 8.64e7),
        mappings: s.mappings,
        columns: s.columns,
        storeAlerts: store,
        suppressions: new Suppressions(await s.incidents.suppressions(ctx.tenant)),
        // New findings join the live incidents of their hosts and processes (where this process
        // builds them: not on an api node over a ClickHouse server).
        onStored: async (alerts) => {
          const builder = s.incidentBuilder;
          if (builder === null) return;
          await builder.record([{ tenant: ctx.tenant, facts: { sightings: [], lineage: [] }, alerts }]);
          await builder.flush();
        },
        maxMatches: parseCount(b.max_matches, 100_000, 1_000_000, 'max_matches'),
      });
      sendJson(ctx.res, 200, result);
    } finally {
      s.retroHuntBusy = false;
    }
  });
}
