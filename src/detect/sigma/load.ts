import { ruleKeys } from './model.js';
import { readFile } from 'node:fs/promises';
import { expandInputs } from '../../cli/paths.js';
import type { SigmaRule } from './model.js';
import { RuleError } from './parse/errors.js';
import { parseRules } from './parse/rule.js';

/** The rule trees of a SigmaHQ checkout that hold detection rules (not deprecated or unsupported). */
export const SIGMAHQ_RULE_TREES = [
  'rules',
  'rules-emerging-threats',
  'rules-threat-hunting',
  'rules-placeholder',
  'rules-compliance',
  'rules-dfir',
] as const;

export interface LoadOutcome {
  readonly rules: SigmaRule[];
  readonly errors: RuleError[];
  readonly files: number;
}

/**
 * Loads every `.yml`/`.yaml` rule under the given files and folders. Unreadable files and bad
 * rules are collected as errors with file:line; loading always goes on.
 */
export async function loadRules(paths: readonly string[]): Promise<LoadOutcome> {
  const { files, missing } = await expandInputs(paths, ['.yml', '.yaml']);
  const outcome: LoadOutcome = { rules: [], errors: [], files: files.length };
  for (const m of missing) outcome.errors.push(new RuleError('no such file or directory', m, 0));
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      outcome.errors.push(new RuleError(`cannot read: ${(e as Error).message}`, file, 0));
      continue;
    }
    const parsed = parseRules(text, file);
    outcome.rules.push(...parsed.rules);
    outcome.errors.push(...parsed.errors);
  }
  // A duplicate id would make filters and correlations ambiguous: the first rule wins.
  const seen = new Map<string, SigmaRule>();
  const unique = outcome.rules.filter((r) => {
    if (r.id === undefined) return true;
    const first = seen.get(r.id);
    if (first === undefined) {
      seen.set(r.id, r);
      return true;
    }
    outcome.errors.push(
      new RuleError(`duplicate rule id ${r.id} (also in ${first.source.file})`, r.source.file, r.source.line),
    );
    return false;
  });
  return { ...outcome, rules: unique };
}

/** The rules not switched off (by id or title); a filter for a switched-off rule goes with it. */
export function enabledRules(rules: readonly SigmaRule[], disabled: ReadonlySet<string>): SigmaRule[] {
  if (disabled.size === 0) return [...rules];
  return rules.filter((r) => !ruleKeys(r).some((k) => disabled.has(k)));
}
