import { readFile, stat } from 'node:fs/promises';
import { compileRules } from '../../detect/sigma/compile/rules.js';
import { ruleKeys } from '../../detect/sigma/model.js';
import { parseRules } from '../../detect/sigma/parse/rule.js';
import { parseCount } from '../../search/index.js';
import { authorize } from '../auth.js';
import type { RequestContext, Services } from '../context.js';
import { HttpError, readBody, readJson, sendJson, type Router } from '../http.js';
import type { Propagation } from '../pipeline-control.js';

const MAX_RULE_BYTES = 1024 * 1024;
const DAY = 8.64e7;

/** The loaded rules, and a checker that says what is wrong with a rule, at its line. */
export function ruleRoutes(router: Router<RequestContext>): void {
  router.on('GET', '/api/v1/rules', async (ctx) => {
    authorize(ctx.principal, 'read');
    const q = ctx.url.searchParams;
    const limit = parseCount(q.get('limit'), 100, 5000, 'limit');
    const offset = parseCount(q.get('offset'), 0, 1_000_000, 'offset');
    const text = (q.get('q') ?? '').toLowerCase();
    const s = ctx.services;
    const hits = new Map(
      (
        await s.store.query<{ rule_id: string; n: string | number }>(
          `SELECT rule_id, count() AS n FROM alerts WHERE tenant = {tenant:String}
           AND ts >= fromUnixTimestamp64Milli({from:Int64}) GROUP BY rule_id`,
          { tenant: ctx.tenant, from: Date.now() - 30 * DAY },
        )
      ).map((r) => [r.rule_id, Number(r.n)]),
    );
    const disabled = s.rules.disabled();
    const all = s.rules.all
      .filter((r) => r.type !== 'filter')
      .map((r) => ({
        id: r.id ?? r.title,
        title: r.title,
        type: r.type,
        level: r.level,
        status: r.status ?? null,
        tags: r.tags,
        file: r.source.file,
        line: r.source.line,
        hits30d: hits.get(r.id ?? r.title) ?? 0,
        enabled: s.rules.enabled(r, disabled),
      }))
      .filter(
        (r) =>
          text === '' ||
          r.title.toLowerCase().includes(text) ||
          r.id.toLowerCase().includes(text) ||
          r.tags.some((t) => t.includes(text)),
      );
    all.sort((a, b) => b.hits30d - a.hits30d || a.title.localeCompare(b.title));
    sendJson(ctx.res, 200, { total: all.length, rules: all.slice(offset, offset + limit) });
  });

  /** A loaded rule's YAML, from the file it was loaded from (the whole file, and the rule's line). */
  router.on('GET', '/api/v1/rules/:id/yaml', async (ctx, params) => {
    authorize(ctx.principal, 'read');
    const rule = ctx.services.rules.all.find((r) => (r.id ?? r.title) === params.id);
    if (rule === undefined) throw new HttpError(404, `no loaded rule ${params.id}`);
    let text: string;
    try {
      const st = await stat(rule.source.file);
      if (st.size > MAX_RULE_BYTES) throw new HttpError(413, 'the rule file is too large to show');
      text = await readFile(rule.source.file, 'utf8');
    } catch (e) {
      if (e instanceof HttpError) throw e;
      throw new HttpError(404, `the rule's file cannot be read any more: ${(e as Error).message}`);
    }
    sendJson(ctx.res, 200, { id: params.id, file: rule.source.file, line: rule.source.line, yaml: text });
  });

  // Adds a rule to the running rule set (admin: rules apply to every tenant). It is checked as
  // /check does; one that does not load cleanly is refused with its errors at their lines.
  router.on('POST', '/api/v1/rules', async (ctx) => {
    authorize(ctx.principal, 'admin');
    const s = ctx.services;
    const yaml = (await readBody(ctx.req, MAX_RULE_BYTES)).toString('utf8');
    const { parsed, errors } = checkRules(yaml, ctx);
    if (errors.length > 0 || parsed.rules.length !== 1)
      throw new HttpError(400, errors.length > 0 ? 'the rule does not load' : 'post exactly one rule', {
        errors,
      });
    const rule = parsed.rules[0]!;
    if (rule.id === undefined)
      throw new HttpError(400, 'an uploaded rule needs an id (a UUID), so it can be found again');
    const taken = s.rules.all.find((r) => r.id === rule.id);
    if (taken !== undefined && !taken.source.file.startsWith(s.rules.customDir))
      throw new HttpError(409, `${rule.id} is the id of a rule of the configured rule set (${taken.title})`);
    s.rules.addRule(yaml, rule.id);
    const propagation = await reloadRules(s);
    s.log(`rule ${rule.id} (${rule.title}) uploaded by ${ctx.principal.tokenId}`);
    sendJson(ctx.res, 201, {
      id: rule.id,
      title: rule.title,
      compiled: s.detector.compiledRuleCount,
      ...(propagation === null ? {} : { propagation }),
    });
  });

  router.on('PATCH', '/api/v1/rules/:id', async (ctx, params) => {
    authorize(ctx.principal, 'admin');
    const s = ctx.services;
    const body = (await readJson(ctx.req, 4096)) as Record<string, unknown> | null;
    if (typeof body?.enabled !== 'boolean') throw new HttpError(400, '"enabled" must be true or false');
    if (!s.rules.all.some((r) => (r.id ?? r.title) === params.id))
      throw new HttpError(404, `no loaded rule ${params.id}`);
    s.rules.setEnabled(params.id!, body.enabled);
    const propagation = await reloadRules(s);
    s.log(`rule ${params.id} ${body.enabled ? 'enabled' : 'disabled'} by ${ctx.principal.tokenId}`);
    sendJson(ctx.res, 200, {
      id: params.id,
      enabled: body.enabled,
      compiled: s.detector.compiledRuleCount,
      ...(propagation === null ? {} : { propagation }),
    });
  });

  /** Parses and compiles posted Sigma YAML as the server would, and reports each problem at its line. */
  router.on('POST', '/api/v1/rules/check', async (ctx) => {
    authorize(ctx.principal, 'read');
    const yaml = (await readBody(ctx.req, MAX_RULE_BYTES)).toString('utf8');
    if (yaml.trim() === '') throw new HttpError(400, 'the body is empty: post the rule as YAML');
    const { parsed, compiled, errors } = checkRules(yaml, ctx);
    const known = new Set(ctx.services.detector.rules.flatMap(ruleKeys));
    sendJson(ctx.res, 200, {
      valid: errors.length === 0 && parsed.rules.length > 0,
      rules: parsed.rules.map((r) => ({
        id: r.id ?? null,
        title: r.title,
        type: r.type,
        loaded: ruleKeys(r).some((k) => known.has(k)),
      })),
      errors,
      notes: compiled.notes.map((n) => ({ rule: n.rule.title, note: n.note })),
    });
  });
}

/** Parses and compiles Sigma YAML as the server would; each problem with its line. */
function checkRules(yaml: string, ctx: RequestContext) {
  const parsed = parseRules(yaml, 'rule.yml');
  const compiled = compileRules(parsed.rules, (ls) => ctx.services.mappings.variants(ls));
  const errors = [...parsed.errors, ...compiled.errors].map((e) => ({
    line: e.location.line ?? 0,
    message: e.message,
  }));
  return { parsed, compiled, errors };
}

let reloading: Promise<unknown> = Promise.resolve();

/**
 * Builds the rule set again and hands it to the pipeline, one reload at a time. The new workers
 * must start before the switch; the old ones finish what they were given, then close. On an api
 * node the pipeline is the cluster's workers: the answer says how far the change reached.
 */
export function reloadRules(s: Services): Promise<Propagation | null> {
  const run = async () => {
    const old = s.rules.pool;
    const loaded = await s.rules.load();
    const pool = s.rules.pool;
    let usable = pool;
    if (pool !== undefined)
      await pool.ready.catch((e: unknown) => {
        s.log(
          `pipeline workers failed to start after a rule change, working on the main thread: ${(e as Error).message}`,
        );
        usable = undefined;
      });
    s.detector = s.rules.detector;
    s.ruleErrors = loaded.errors;
    try {
      return await s.pipeline.useRules(s.rules.detector, usable);
    } finally {
      void old?.retire();
    }
  };
  const next = reloading.then(run, run);
  reloading = next;
  return next;
}
