import type { EntityType } from '../correlate/index.js';
import type { Params, ParamSpec } from './actions/action.js';
import { describe, parseDuration } from './duration.js';
import { isSecretReference, redactUrl } from './secrets.js';
import { compileTemplate, renderTemplate, type Template, type TemplateScope } from './template.js';

/** A step parameter as loaded: a literal, a template, or a list of them. */
export type CompiledParam =
  | { readonly kind: 'value'; readonly value: string | number | boolean }
  | { readonly kind: 'template'; readonly template: Template }
  | { readonly kind: 'list'; readonly items: readonly CompiledParam[] };

type Value = string | number | boolean | readonly string[];

const MAX_LIST = 100;

/** Checks one value against its spec; returns it in its runtime form (durations in ms). */
export function coerceParam(
  spec: ParamSpec,
  value: Value,
): { ok: true; value: Value } | { ok: false; error: string } {
  const fail = (error: string) => ({ ok: false as const, error });
  const bounded = (n: number, what: string) =>
    spec.min !== undefined && n < spec.min
      ? fail(`${what} is below the minimum ${spec.min}`)
      : spec.max !== undefined && n > spec.max
        ? fail(`${what} is above the maximum ${spec.max}`)
        : { ok: true as const, value: n };
  switch (spec.type) {
    case 'string':
    case 'text':
      if (Array.isArray(value)) return fail('expected text, not a list');
      return { ok: true, value: spec.type === 'string' ? String(value).trim() : String(value) };
    case 'number': {
      const n =
        typeof value === 'number'
          ? value
          : typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())
            ? Number(value)
            : NaN;
      if (!Number.isFinite(n)) return fail(`expected a number, not ${describe(value)}`);
      return bounded(n, String(n));
    }
    case 'boolean':
      if (typeof value === 'boolean') return { ok: true, value };
      if (value === 'true' || value === 'false') return { ok: true, value: value === 'true' };
      return fail(`expected true or false, not ${describe(value)}`);
    case 'duration': {
      const d = parseDuration(value);
      if (!d.ok) return fail(d.error);
      return bounded(d.ms, String(value));
    }
    case 'list': {
      const items = Array.isArray(value) ? value : [String(value)];
      const out = items.map((x) => String(x).trim()).filter((x) => x !== '');
      if (out.length > MAX_LIST) return fail(`at most ${MAX_LIST} items`);
      return { ok: true, value: out };
    }
    case 'enum':
      if (typeof value !== 'string' || !(spec.values ?? []).includes(value))
        return fail(`expected one of ${(spec.values ?? []).join(', ')}, not ${describe(value)}`);
      return { ok: true, value };
    case 'secret':
      if (!isSecretReference(value))
        return fail('a secret is a reference to an environment variable, env:NAME, never the value itself');
      return { ok: true, value };
    case 'url': {
      if (isSecretReference(value)) return { ok: true, value };
      if (typeof value !== 'string') return fail(`expected a URL, not ${describe(value)}`);
      let u: URL;
      try {
        u = new URL(value);
      } catch {
        return fail(`"${redactUrl(value)}" is not a URL`);
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:')
        return fail(`only http and https URLs are allowed, not ${u.protocol.replace(/:$/, '')}`);
      if (u.password !== '')
        return fail('a URL with a password belongs in an environment variable (env:NAME)');
      return { ok: true, value };
    }
  }
}

export interface CompiledParamResult {
  readonly param: CompiledParam;
  readonly fanOut: EntityType | null;
  readonly usesAlert: boolean;
}

function compileText(
  spec: ParamSpec,
  text: string,
): { ok: true; result: CompiledParamResult } | { ok: false; error: string } {
  if (!text.includes('{{')) {
    const checked = coerceParam(spec, text);
    if (!checked.ok) return checked;
    return { ok: true, result: { param: { kind: 'value', value: text }, fanOut: null, usesAlert: false } };
  }
  if (spec.type === 'secret') return { ok: false, error: 'a secret cannot be a template: write env:NAME' };
  const t = compileTemplate(text);
  if (!t.ok) return t;
  return {
    ok: true,
    result: {
      param: { kind: 'template', template: t.template },
      fanOut: t.template.fanOut,
      usesAlert: t.template.usesAlert,
    },
  };
}

/** Compiles a parameter's YAML value against its spec: literals are checked now, templates when rendered. */
export function compileParam(
  spec: ParamSpec,
  raw: unknown,
): { ok: true; result: CompiledParamResult } | { ok: false; error: string } {
  if (raw === null || raw === undefined) return { ok: false, error: 'has no value' };
  if (spec.type === 'list' && Array.isArray(raw)) {
    const items: CompiledParam[] = [];
    let fanOut: EntityType | null = null;
    let usesAlert = false;
    for (const item of raw) {
      if (typeof item !== 'string' && typeof item !== 'number')
        return { ok: false, error: `list items are text, not ${describe(item)}` };
      const c = compileText({ type: 'string', description: '' }, String(item));
      if (!c.ok) return c;
      if (c.result.fanOut !== null) {
        if (fanOut !== null && fanOut !== c.result.fanOut)
          return {
            ok: false,
            error: `a step fans out over one entity type; this names ${fanOut} and ${c.result.fanOut}`,
          };
        fanOut = c.result.fanOut;
      }
      usesAlert ||= c.result.usesAlert;
      items.push(c.result.param);
    }
    if (items.length > MAX_LIST) return { ok: false, error: `at most ${MAX_LIST} items` };
    return { ok: true, result: { param: { kind: 'list', items }, fanOut, usesAlert } };
  }
  if (typeof raw === 'string') return compileText(spec, raw);
  if (typeof raw === 'number' || typeof raw === 'boolean') {
    const checked = coerceParam(spec, raw);
    if (!checked.ok) return checked;
    return { ok: true, result: { param: { kind: 'value', value: raw }, fanOut: null, usesAlert: false } };
  }
  return {
    ok: false,
    error: `expected ${spec.type === 'list' ? 'a list or text' : spec.type}, not ${describe(raw)}`,
  };
}

function renderOne(p: CompiledParam, scope: TemplateScope, fanValue: string | undefined): Value {
  switch (p.kind) {
    case 'value':
      return p.value;
    case 'template':
      return renderTemplate(p.template, scope, fanValue);
    case 'list':
      return p.items.map((i) => String(renderOne(i, scope, fanValue)));
  }
}

/** Fills and checks a step's parameters for one run (and one fan-out value). */
export function renderParams(
  specs: Readonly<Record<string, ParamSpec>>,
  compiled: Readonly<Record<string, CompiledParam>>,
  scope: TemplateScope,
  fanValue?: string,
): { ok: true; params: Params } | { ok: false; error: string } {
  const out: Record<string, Value> = {};
  for (const [name, p] of Object.entries(compiled)) {
    const spec = specs[name]!;
    const rendered = renderOne(p, scope, fanValue);
    if (rendered === '' || (Array.isArray(rendered) && rendered.length === 0)) {
      if (spec.required) return { ok: false, error: `parameter ${name} is empty for this run` };
      continue;
    }
    const checked = coerceParam(spec, rendered);
    if (!checked.ok) return { ok: false, error: `parameter ${name}: ${checked.error}` };
    out[name] = checked.value;
  }
  return { ok: true, params: out };
}

/** Parameters as run records keep them: secrets stay references, literal URLs keep their origin. */
export function recordedParams(
  specs: Readonly<Record<string, ParamSpec>>,
  params: Params,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(params)) {
    const spec = specs[name];
    if (spec?.type === 'url' && typeof v === 'string' && !isSecretReference(v)) out[name] = redactUrl(v);
    else out[name] = v;
  }
  return out;
}
