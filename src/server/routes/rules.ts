import { readFile, stat } from 'node:fs/promises';
import { compileRules } from '../../detect/sigma/compile/rules.js';
import { ruleKeys } from '../../detect/sigma/model.js';
import { parseRules } from '../../detect/sigma/parse/rule.js';
import { parseCount } from '../../search/index.js';
import { authorize } from '../auth.js';
import type { RequestContext } from '../context.js';
import { HttpError, readBody, sendJson, type Router } from '../http.js';

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
    const all = s.detector.rules
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
    const rule = ctx.services.detector.rules.find((r) => (r.id ?? r.title) === params.id);
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

  /** Parses and compiles posted Sigma YAML as the server would, and reports each problem at its line. */
  router.on('POST', '/api/v1/rules/check', async (ctx) => {
    authorize(ctx.principal, 'read');
    const yaml = (await readBody(ctx.req, MAX_RULE_BYTES)).toString('utf8');
    if (yaml.trim() === '') throw new HttpError(400, 'the body is empty: post the rule as YAML');
    const parsed = parseRules(yaml, 'rule.yml');
    const compiled = compileRules(parsed.rules, (ls) => ctx.services.mappings.variants(ls));
    const errors = [...parsed.errors, ...compiled.errors].map((e) => ({
      line: e.location.line ?? 0,
      message: e.message,
    }));
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
