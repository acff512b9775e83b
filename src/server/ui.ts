import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
};

/**
 * The UI runs only what the server sends: no other origin for scripts, styles, images or API
 * calls, and no framing. (Cytoscape sets element styles itself, hence inline styles.)
 */
const HEADERS = {
  'content-security-policy':
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/** The built UI (dist/web), read once: a fixed set of files, so no path ever reaches the disk. */
export class UiAssets {
  private readonly files = new Map<string, { body: Buffer; type: string }>();

  constructor(dir = join(dirname(fileURLToPath(import.meta.url)), '../../web')) {
    if (!existsSync(join(dir, 'app.js'))) return;
    for (const name of readdirSync(dir)) {
      const type = TYPES[extname(name)];
      if (type !== undefined) this.files.set(name, { body: readFileSync(join(dir, name)), type });
    }
  }

  get built(): boolean {
    return this.files.has('index.html');
  }

  /** Serves `/` and `/ui/<file>`; false when the path is not the UI's. */
  serve(path: string, res: ServerResponse): boolean {
    const name = path === '/' ? 'index.html' : path.startsWith('/ui/') ? path.slice(4) : null;
    if (name === null) return false;
    const file = this.files.get(name);
    if (file === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...HEADERS });
      res.end(this.built ? 'not found' : 'The UI is not built: run npm run build.');
      return true;
    }
    res.writeHead(200, { 'content-type': file.type, 'content-length': file.body.length, ...HEADERS });
    res.end(file.body);
    return true;
  }
}
