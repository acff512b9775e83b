/* global console, process */
// Installs the locked dependencies when they are missing, so that `npm start` and `npm test`
// work straight after cloning. `install`, not `ci`: see .ci/run for why.
// Node built-ins only: nothing else is installed yet.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const wanted = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
const missing = wanted.filter((name) => !existsSync(join(root, 'node_modules', name, 'package.json')));
if (missing.length > 0) {
  console.error(
    `Installing dependencies (missing: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''})`,
  );
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['install', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
