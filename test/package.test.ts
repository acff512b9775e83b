import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

/**
 * What `npm pack` would ship must hold every file Vigil reads at run time from beside its code:
 * the UI bundle, the rule pack, the field mappings and the example playbooks. A package without
 * them starts, then serves no UI or loads no rules.
 */
describe('the npm package', () => {
  const built = existsSync(join(root, 'dist/web/index.html'));

  it.skipIf(!built)('ships the UI, rules, mappings and playbooks the code reads at run time', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const packed = new Set(
      (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path.replaceAll('\\', '/')),
    );
    const expected = [
      'package.json',
      'dist/src/cli/main.js',
      'dist/src/pipeline/enrich-worker.js',
      'dist/web/index.html',
      'dist/web/app.js',
      'dist/web/app.css',
      ...['rules', 'mappings', 'playbooks'].flatMap((dir) =>
        readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
          .filter((e) => e.isFile())
          .map(
            (e) =>
              `${join(e.parentPath, e.name)
                .slice(root.length + 1)
                .replaceAll('\\', '/')}`,
          ),
      ),
    ];
    expect(expected.filter((f) => !packed.has(f))).toEqual([]);
    // Nothing of the tests, the benchmarks or the sources.
    expect(
      [...packed].filter((f) => /^(test|bench|src|web\/src)\//.test(f) || /\.test\.js$/.test(f)),
    ).toEqual([]);
  });
});
