import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Detector } from '../detect/hunt/detector.js';
import { enabledRules, loadRules } from '../detect/sigma/load.js';
import { ruleKeys, type SigmaRule } from '../detect/sigma/model.js';
import type { RuleError } from '../detect/sigma/parse/errors.js';
import { parseRules } from '../detect/sigma/parse/rule.js';
import type { RuleChanges } from '../cluster/control.js';
import type { Mappings } from '../normalize/index.js';
import { EnrichPool } from '../pipeline/index.js';

/**
 * The rule set `vigil serve` runs: the configured rule folders, plus rules uploaded through the
 * API (kept as files in DATA/rules), minus the ones switched off (DATA/rules/disabled.json).
 * A change builds a new detector and new pipeline workers and hands them over; the old workers
 * finish what they were given first.
 */
export class LiveRules {
  all: readonly SigmaRule[] = [];
  detector!: Detector;
  pool: EnrichPool | undefined;
  readonly customDir: string;

  constructor(
    private readonly basePaths: readonly string[],
    dataDir: string,
    private readonly mappings: Mappings,
    private readonly workers: number,
    private readonly log: (m: string) => void,
  ) {
    this.customDir = join(dataDir, 'rules');
  }

  get paths(): string[] {
    return existsSync(this.customDir) ? [...this.basePaths, this.customDir] : [...this.basePaths];
  }

  disabled(): Set<string> {
    try {
      const v = JSON.parse(readFileSync(join(this.customDir, 'disabled.json'), 'utf8')) as unknown;
      return new Set(Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
    } catch {
      return new Set();
    }
  }

  /** Loads the rules and starts their workers; returns the load's errors. */
  async load(): Promise<{ errors: RuleError[]; compiled: number }> {
    const loaded = await loadRules(this.paths);
    for (const e of loaded.errors.slice(0, 20)) this.log(`rule not loaded: ${e.describe()}`);
    const disabled = this.disabled();
    this.all = loaded.rules;
    const detector = new Detector(enabledRules(loaded.rules, disabled), this.mappings);
    this.detector = detector;
    this.pool = this.workers > 0 ? new EnrichPool(this.workers, this.paths, [...disabled]) : undefined;
    // The workers match; this thread needs the rules' list and counts only (a failed pool makes
    // the detector compile them again, on this thread).
    this.pool?.ready.then(
      () => detector.releaseCompiled(),
      () => undefined,
    );
    return { errors: [...loaded.errors, ...this.detector.errors], compiled: this.detector.compiledRuleCount };
  }

  enabled(rule: SigmaRule, disabled = this.disabled()): boolean {
    return !ruleKeys(rule).some((k) => disabled.has(k));
  }

  /** Keeps an uploaded rule (already checked) as a file of its own; returns the file. */
  addRule(yaml: string, id: string): string {
    mkdirSync(this.customDir, { recursive: true });
    const file = join(this.customDir, uploadedFileName(id));
    writeAtomically(file, yaml);
    return file;
  }

  /** What this node changed in the configured rule set: what an api node hands to the workers. */
  changes(): RuleChanges {
    const uploaded: { id: string; yaml: string }[] = [];
    for (const name of this.uploadedFiles()) {
      const yaml = readFileSync(join(this.customDir, name), 'utf8');
      const id = parseRules(yaml, name).rules[0]?.id;
      if (id !== undefined) uploaded.push({ id, yaml });
    }
    return { uploaded, disabled: [...this.disabled()] };
  }

  /**
   * Makes the files say what the cluster says (an api node starting, or another api node's
   * change): uploaded rules it lacks are written, ones not listed removed, the switches replaced.
   */
  applyChanges(changes: RuleChanges): void {
    mkdirSync(this.customDir, { recursive: true });
    const keep = new Set(changes.uploaded.map((u) => uploadedFileName(u.id)));
    for (const name of this.uploadedFiles())
      if (!keep.has(name)) rmSync(join(this.customDir, name), { force: true });
    for (const u of changes.uploaded) this.addRule(u.yaml, u.id);
    writeAtomically(
      join(this.customDir, 'disabled.json'),
      JSON.stringify([...new Set(changes.disabled)].sort(), null, 2),
    );
  }

  private uploadedFiles(): string[] {
    if (!existsSync(this.customDir)) return [];
    return readdirSync(this.customDir)
      .filter((n) => /^[0-9a-f]{16}\.yml$/.test(n))
      .sort();
  }

  setEnabled(id: string, enabled: boolean): void {
    const disabled = this.disabled();
    if (enabled) disabled.delete(id);
    else disabled.add(id);
    mkdirSync(this.customDir, { recursive: true });
    writeAtomically(join(this.customDir, 'disabled.json'), JSON.stringify([...disabled].sort(), null, 2));
  }
}

const uploadedFileName = (id: string) => `${createHash('sha256').update(id).digest('hex').slice(0, 16)}.yml`;

function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}
