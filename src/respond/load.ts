import { readFile, stat } from 'node:fs/promises';
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
} from 'yaml';
import { expandInputs } from '../cli/paths.js';
import { ENTITY_TYPES, type EntityType } from '../correlate/index.js';
import { VigilError } from '../core/errors.js';
import { LEVELS, type Level } from '../detect/sigma/model.js';
import type { ActionRegistry } from './actions/action.js';
import { parseCondition } from './conditions.js';
import { describe, parseDuration } from './duration.js';
import {
  MODES,
  STEP_DEFAULTS,
  STEP_LIMITS,
  type Mode,
  type Playbook,
  type Step,
  type Trigger,
} from './model.js';
import { compileParam, coerceParam, type CompiledParam } from './params.js';

/** A problem in a playbook file, at its line. */
export class PlaybookError extends VigilError {
  constructor(message: string, file: string, line: number) {
    super('playbook', message, { file, line });
    this.name = 'PlaybookError';
  }
}

export interface PlaybookLoad {
  readonly playbooks: Playbook[];
  readonly errors: PlaybookError[];
  readonly files: number;
}

const MAX_FILE_BYTES = 1024 * 1024;
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const TOP_KEYS = [
  'id',
  'title',
  'description',
  'version',
  'enabled',
  'mode',
  'min_confidence',
  'triggers',
  'conditions',
  'steps',
];
const STEP_KEYS = ['id', 'action', 'with', 'rollback', 'timeout', 'retries'];
const ENTITY_NAMES = ENTITY_TYPES.filter((t) => t !== 'detection' && t !== 'telemetry');

/** Reads one playbook document; every problem is collected with its line, and any problem keeps the playbook out. */
export function parsePlaybook(
  text: string,
  file: string,
  actions: ActionRegistry,
): { playbook: Playbook | null; errors: PlaybookError[] } {
  const lines = new LineCounter();
  const errors: PlaybookError[] = [];
  const lineOf = (node: unknown): number => {
    const range = (node as Node | null | undefined)?.range;
    return range ? lines.linePos(range[0]).line : 1;
  };
  const fail = (message: string, node: unknown): void =>
    void errors.push(new PlaybookError(message, file, lineOf(node)));
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  } catch (e) {
    return { playbook: null, errors: [new PlaybookError(`YAML: ${(e as Error).message}`, file, 1)] };
  }
  if (doc.errors.length > 0) {
    for (const e of doc.errors.slice(0, 5))
      errors.push(
        new PlaybookError(
          `YAML: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
          file,
          e.linePos?.[0].line ?? 1,
        ),
      );
    return { playbook: null, errors };
  }
  const root = doc.contents;
  if (!isMap(root)) {
    fail('a playbook is a mapping with id, title, version, mode, triggers and steps', root);
    return { playbook: null, errors };
  }
  const js = (node: unknown): unknown => {
    if (node === null || node === undefined) return null;
    try {
      return (node as Node).toJS(doc, { maxAliasCount: 50 });
    } catch (e) {
      fail(`YAML: ${(e as Error).message}`, node);
      return null;
    }
  };
  const pairs = (map: YAMLMap, allowed: readonly string[], what: string): Map<string, Pair> => {
    const out = new Map<string, Pair>();
    for (const pair of map.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : null;
      if (key === null) fail(`${what}: keys are words`, pair.key);
      else if (!allowed.includes(key))
        fail(`${what}: unknown key "${key}" (known: ${allowed.join(', ')})`, pair.key);
      else out.set(key, pair);
    }
    return out;
  };
  const top = pairs(root, TOP_KEYS, 'playbook');
  const value = (key: string): unknown => js(top.get(key)?.value);
  const nodeOf = (key: string): unknown => top.get(key)?.value ?? top.get(key)?.key ?? root;

  const id = value('id');
  if (typeof id !== 'string' || !ID.test(id))
    fail('id: required, letters, digits, ".", "_" or "-" (at most 64)', nodeOf('id'));
  const title = value('title');
  if (typeof title !== 'string' || title.trim() === '' || title.length > 200)
    fail('title: required text of at most 200 characters', nodeOf('title'));
  const descriptionRaw = value('description');
  if (descriptionRaw !== null && typeof descriptionRaw !== 'string')
    fail('description: text', nodeOf('description'));
  const version = value('version');
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1)
    fail('version: required, a whole number from 1, raised with every change', nodeOf('version'));
  const enabledRaw = value('enabled');
  if (enabledRaw !== null && typeof enabledRaw !== 'boolean')
    fail('enabled: true or false', nodeOf('enabled'));
  const mode = value('mode');
  if (typeof mode !== 'string' || !(MODES as readonly string[]).includes(mode))
    fail(`mode: required, one of ${MODES.join(', ')}`, nodeOf('mode'));
  const minConfidenceRaw = value('min_confidence');
  if (
    minConfidenceRaw !== null &&
    (typeof minConfidenceRaw !== 'number' ||
      !Number.isInteger(minConfidenceRaw) ||
      minConfidenceRaw < 0 ||
      minConfidenceRaw > 100)
  )
    fail('min_confidence: a risk score from 0 to 100', nodeOf('min_confidence'));

  const triggers = readTriggers(top.get('triggers')?.value, nodeOf('triggers'), js, fail, lineOf, pairs);
  const conditions: Playbook['conditions'][number][] = [];
  const condNode = top.get('conditions')?.value;
  if (condNode !== undefined && condNode !== null) {
    if (!isSeq(condNode)) fail('conditions: a list of comparisons such as "risk >= 70"', condNode);
    else
      for (const item of condNode.items) {
        const c = parseCondition(js(item));
        if (c.ok) conditions.push({ ...c.condition, line: lineOf(item) });
        else fail(`condition: ${c.error}`, item);
      }
  }
  const alertTriggered = triggers.some((t) => t.kind !== 'incident');
  const steps = readSteps(
    top.get('steps')?.value,
    nodeOf('steps'),
    actions,
    alertTriggered,
    js,
    fail,
    lineOf,
    pairs,
  );

  errors.sort((a, b) => (a.location.line ?? 0) - (b.location.line ?? 0));
  if (errors.length > 0) return { playbook: null, errors };
  return {
    playbook: {
      id: id as string,
      title: (title as string).trim(),
      description: typeof descriptionRaw === 'string' ? descriptionRaw : '',
      version: version as number,
      enabled: enabledRaw === null ? true : (enabledRaw as boolean),
      mode: mode as Mode,
      minConfidence: minConfidenceRaw === null ? null : (minConfidenceRaw as number),
      triggers,
      conditions,
      steps,
      source: { file, line: lineOf(root) },
    },
    errors,
  };
}

/** A parameter's value when it has no placeholders. */
function literalOf(p: CompiledParam): string | number | boolean | string[] | undefined {
  if (p.kind === 'value') return p.value;
  if (p.kind === 'template') return undefined;
  const items = p.items.map(literalOf);
  return items.every((i) => i !== undefined) ? items.map(String) : undefined;
}

type Js = (node: unknown) => unknown;
type Fail = (message: string, node: unknown) => void;
type LineOf = (node: unknown) => number;
type Pairs = (map: YAMLMap, allowed: readonly string[], what: string) => Map<string, Pair>;

const isLevel = (v: unknown): v is Level =>
  typeof v === 'string' && (LEVELS as readonly string[]).includes(v);

function readTriggers(
  node: unknown,
  at: unknown,
  js: Js,
  fail: Fail,
  lineOf: LineOf,
  pairs: Pairs,
): Trigger[] {
  const out: Trigger[] = [];
  if (!isSeq(node) || node.items.length === 0) {
    fail(
      'triggers: required, a list of {incident: created|escalated}, {alert: {rule, level}} or {entity: {type, value}}',
      node ?? at,
    );
    return out;
  }
  for (const item of node.items) {
    const line = lineOf(item);
    if (!isMap(item)) {
      fail(
        'a trigger is a mapping: {incident: created}, {alert: {rule: ...}} or {entity: {type: ..., value: ...}}',
        item,
      );
      continue;
    }
    const p = pairs(item, ['incident', 'min_severity', 'alert', 'entity'], 'trigger');
    const kinds = ['incident', 'alert', 'entity'].filter((k) => p.has(k));
    if (kinds.length !== 1) {
      fail('a trigger names exactly one of incident, alert or entity', item);
      continue;
    }
    if (p.has('min_severity') && kinds[0] !== 'incident')
      fail('min_severity belongs to incident triggers', p.get('min_severity')!.key);
    if (kinds[0] === 'incident') {
      const change = js(p.get('incident')!.value);
      if (change !== 'created' && change !== 'escalated') {
        fail('incident: created or escalated', p.get('incident')!.value);
        continue;
      }
      const min = p.has('min_severity') ? js(p.get('min_severity')!.value) : null;
      if (min !== null && !isLevel(min)) {
        fail(`min_severity: one of ${LEVELS.join(', ')}`, p.get('min_severity')!.value);
        continue;
      }
      out.push({ kind: 'incident', change, minSeverity: min, line });
    } else if (kinds[0] === 'alert') {
      const body = p.get('alert')!.value;
      if (!isMap(body)) {
        fail('alert: a mapping with rule (an id or a title glob) and/or level', body ?? item);
        continue;
      }
      const a = pairs(body, ['rule', 'level'], 'alert trigger');
      const rule = a.has('rule') ? js(a.get('rule')!.value) : null;
      const level = a.has('level') ? js(a.get('level')!.value) : null;
      if (rule !== null && (typeof rule !== 'string' || rule.trim() === ''))
        fail('rule: a rule id or a title glob', a.get('rule')!.value);
      else if (level !== null && !isLevel(level))
        fail(`level: one of ${LEVELS.join(', ')} (the lowest that triggers)`, a.get('level')!.value);
      else if (rule === null && level === null) fail('alert: name a rule, a level, or both', body);
      else out.push({ kind: 'alert', rule: rule as string | null, level: level as Level | null, line });
    } else {
      const body = p.get('entity')!.value;
      if (!isMap(body)) {
        fail('entity: a mapping with type and value (a glob)', body ?? item);
        continue;
      }
      const e = pairs(body, ['type', 'value'], 'entity trigger');
      const type = js(e.get('type')?.value);
      const value = js(e.get('value')?.value);
      if (typeof type !== 'string' || !(ENTITY_NAMES as readonly string[]).includes(type))
        fail(`entity type: one of ${ENTITY_NAMES.join(', ')}`, e.get('type')?.value ?? body);
      else if (typeof value !== 'string' || value === '')
        fail('entity value: a glob such as "*.evil.example"', e.get('value')?.value ?? body);
      else out.push({ kind: 'entity', type: type as EntityType, value, line });
    }
  }
  return out;
}

function readSteps(
  node: unknown,
  at: unknown,
  actions: ActionRegistry,
  alertTriggered: boolean,
  js: Js,
  fail: Fail,
  lineOf: LineOf,
  pairs: Pairs,
): Step[] {
  const out: Step[] = [];
  if (!isSeq(node) || node.items.length === 0) {
    fail('steps: required, a list of {action, with}', node ?? at);
    return out;
  }
  if (node.items.length > STEP_LIMITS.maxSteps) fail(`steps: at most ${STEP_LIMITS.maxSteps}`, node);
  const ids = new Set<string>();
  node.items.forEach((item, index) => {
    if (!isMap(item)) {
      fail('a step is a mapping with action and with', item);
      return;
    }
    const p = pairs(item, STEP_KEYS, 'step');
    const idRaw = p.has('id') ? js(p.get('id')!.value) : `step-${index + 1}`;
    if (typeof idRaw !== 'string' || !ID.test(idRaw)) {
      fail('step id: letters, digits, ".", "_" or "-"', p.get('id')?.value);
      return;
    }
    if (ids.has(idRaw)) fail(`step id "${idRaw}" is used twice`, p.get('id')?.value ?? item);
    ids.add(idRaw);
    const name = js(p.get('action')?.value);
    const action = typeof name === 'string' ? actions.get(name) : undefined;
    if (action === undefined) {
      fail(
        typeof name === 'string'
          ? `unknown action "${name}" (known: ${actions.names().join(', ')})`
          : 'step: action is required',
        p.get('action')?.value ?? item,
      );
      return;
    }
    const params: Record<string, CompiledParam> = {};
    let fanOut: EntityType | null = null;
    const withNode = p.get('with')?.value;
    const literals: Record<string, string | number | boolean | readonly string[]> = {};
    let allLiteral = true;
    const named = new Set<string>();
    if (withNode !== undefined && withNode !== null && !isMap(withNode))
      fail('with: a mapping of parameters', withNode);
    else if (isMap(withNode)) {
      const given = pairs(withNode, Object.keys(action.params), `${action.name} parameters`);
      for (const [pname, pair] of given) {
        named.add(pname);
        const spec = action.params[pname]!;
        const c = compileParam(spec, js(pair.value));
        if (!c.ok) {
          fail(`${pname}: ${c.error}`, pair.value ?? pair.key);
          continue;
        }
        params[pname] = c.result.param;
        if (c.result.usesAlert && !alertTriggered)
          fail(
            `${pname}: alert.* is empty unless an alert or entity trigger starts the playbook`,
            pair.value,
          );
        if (c.result.fanOut !== null) {
          if (fanOut !== null && fanOut !== c.result.fanOut)
            fail(
              `${pname}: a step fans out over one entity type; this step names ${fanOut} and ${c.result.fanOut}`,
              pair.value,
            );
          fanOut = c.result.fanOut;
        }
        const literal = literalOf(c.result.param);
        const v = literal === undefined ? null : coerceParam(spec, literal);
        if (v?.ok) literals[pname] = v.value;
        else allLiteral = false;
      }
    }
    for (const [pname, spec] of Object.entries(action.params))
      if (spec.required && !named.has(pname))
        fail(`${action.name}: parameter ${pname} is required`, withNode ?? item);
    if (allLiteral && named.size === Object.keys(params).length && action.check) {
      const problem = action.check(literals);
      if (problem !== null) fail(`${action.name}: ${problem}`, withNode ?? item);
    }
    const rollbackRaw = p.has('rollback') ? js(p.get('rollback')!.value) : null;
    if (rollbackRaw !== null && typeof rollbackRaw !== 'boolean')
      fail('rollback: true or false', p.get('rollback')!.value);
    if (rollbackRaw === true && action.irreversible !== undefined)
      fail(
        `rollback: ${action.name} cannot be rolled back: ${action.irreversible}`,
        p.get('rollback')!.value,
      );
    let timeoutMs: number = STEP_DEFAULTS.timeoutMs;
    if (p.has('timeout')) {
      const d = parseDuration(js(p.get('timeout')!.value));
      if (!d.ok) fail(`timeout: ${d.error}`, p.get('timeout')!.value);
      else if (d.ms < 100 || d.ms > STEP_LIMITS.maxTimeoutMs)
        fail('timeout: from 100ms to 10m', p.get('timeout')!.value);
      else timeoutMs = d.ms;
    }
    let retries: number = STEP_DEFAULTS.retries;
    if (p.has('retries')) {
      const r = js(p.get('retries')!.value);
      if (typeof r !== 'number' || !Number.isInteger(r) || r < 0 || r > STEP_LIMITS.maxRetries)
        fail(
          `retries: a whole number from 0 to ${STEP_LIMITS.maxRetries}, not ${describe(r)}`,
          p.get('retries')!.value,
        );
      else retries = r;
    }
    out.push({
      id: idRaw,
      action: action.name,
      params,
      rollback: rollbackRaw === null ? action.irreversible === undefined : rollbackRaw === true,
      timeoutMs,
      retries,
      fanOut,
      line: lineOf(item),
    });
  });
  return out;
}

/**
 * Loads every `.yml`/`.yaml` playbook under the given files and folders. A bad file, or a bad
 * playbook, is an error with file:line; the others still load. Ids are unique: the first wins.
 */
export async function loadPlaybooks(
  paths: readonly string[],
  actions: ActionRegistry,
): Promise<PlaybookLoad> {
  const { files, missing } = await expandInputs(paths, ['.yml', '.yaml']);
  const playbooks: Playbook[] = [];
  const errors: PlaybookError[] = missing.map((m) => new PlaybookError('no such file or directory', m, 0));
  const seen = new Map<string, Playbook>();
  for (const file of files) {
    let text: string;
    try {
      if ((await stat(file)).size > MAX_FILE_BYTES) {
        errors.push(new PlaybookError(`larger than ${MAX_FILE_BYTES} bytes: not a playbook`, file, 0));
        continue;
      }
      text = await readFile(file, 'utf8');
    } catch (e) {
      errors.push(new PlaybookError(`cannot read: ${(e as Error).message}`, file, 0));
      continue;
    }
    const parsed = parsePlaybook(text, file, actions);
    errors.push(...parsed.errors);
    const pb = parsed.playbook;
    if (pb === null) continue;
    const first = seen.get(pb.id);
    if (first !== undefined) {
      errors.push(
        new PlaybookError(
          `duplicate playbook id ${pb.id} (also in ${first.source.file})`,
          file,
          pb.source.line,
        ),
      );
      continue;
    }
    seen.set(pb.id, pb);
    playbooks.push(pb);
  }
  return { playbooks, errors, files: files.length };
}

/** The environment variables a playbook's secrets and URLs name (`env:NAME`). */
export function envReferences(p: Playbook): string[] {
  const names = new Set<string>();
  const visit = (c: CompiledParam): void => {
    if (c.kind === 'value' && typeof c.value === 'string' && c.value.startsWith('env:'))
      names.add(c.value.slice(4));
    else if (c.kind === 'list') c.items.forEach(visit);
  };
  for (const s of p.steps) Object.values(s.params).forEach(visit);
  return [...names].sort();
}
