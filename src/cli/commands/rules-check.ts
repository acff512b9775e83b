import type { Command } from 'commander';
import { compileRules } from '../../detect/sigma/compile/rules.js';
import { loadRules } from '../../detect/sigma/load.js';
import { Mappings } from '../../normalize/index.js';

export interface RulesReport {
  files: number;
  detection: number;
  compiled: number;
  correlations: number;
  filters: number;
  failures: { where: string; reason: string }[];
  notes: { where: string; note: string }[];
}

/** Loads and compiles a rule tree; lists what fails with file:line and why. */
export async function checkRules(paths: readonly string[], mappings: Mappings): Promise<RulesReport> {
  const loaded = await loadRules(paths);
  const compiled = compileRules(loaded.rules, (ls) => mappings.variants(ls));
  const compiledRules = new Set(compiled.compiled.map((c) => c.rule));
  const failures = [...loaded.errors, ...compiled.errors].map((e) => ({
    where: `${e.location.file}:${e.location.line ?? 0}`,
    reason: e.message,
  }));
  const notes = compiled.notes.map((n) => ({
    where: `${n.rule.source.file}:${n.rule.source.line}`,
    note: n.note,
  }));
  return {
    files: loaded.files,
    detection: loaded.rules.filter((r) => r.type === 'detection').length,
    compiled: compiledRules.size,
    correlations: loaded.rules.filter((r) => r.type === 'correlation').length,
    filters: loaded.rules.filter((r) => r.type === 'filter').length,
    failures,
    notes,
  };
}

export function registerRulesCommands(program: Command): void {
  const rules = program.command('rules').description('Work with Sigma rules');
  rules
    .command('check')
    .description('Load and compile a rule tree; report what does not compile, with file:line and why')
    .argument('<paths...>', 'rule files or folders')
    .option('--notes', 'also list rules that compiled with a caveat (unmapped logsource, placeholder)', false)
    .option('--json', 'print the report as JSON', false)
    .action(async (paths: string[], opts: { notes: boolean; json: boolean }) => {
      const report = await checkRules(paths, Mappings.load());
      if (opts.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      else {
        const total = report.detection;
        const pct = total === 0 ? 100 : (report.compiled / total) * 100;
        process.stdout.write(
          `${report.files} files: ${report.compiled} of ${total} detection rules compile (${pct.toFixed(2)}%), ` +
            `${report.correlations} correlation rules, ${report.filters} filters, ${report.failures.length} problems\n`,
        );
        for (const f of report.failures) process.stdout.write(`  ${f.where}: ${f.reason}\n`);
        if (opts.notes) for (const n of report.notes) process.stdout.write(`  note: ${n.where}: ${n.note}\n`);
        else if (report.notes.length > 0)
          process.stdout.write(`  (${report.notes.length} notes; see --notes)\n`);
      }
      process.exitCode = report.failures.length > 0 ? 1 : 0;
    });
}
