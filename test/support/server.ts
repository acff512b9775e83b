import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, ROOT } from './cli.js';

export const ADMIN_TOKEN = 'vgl_test-admin-token-0123456789abcdefghijklmnop';

export interface VigilProcess {
  readonly url: string;
  readonly dataDir: string;
  readonly child: ChildProcess;
  output(): string;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
  /** SIGKILL and wait: a crash. */
  kill(): Promise<void>;
}

/** Starts the built `vigil serve` on 127.0.0.1 with a free port; resolves when it listens. */
export async function startVigil(
  options: {
    dataDir?: string;
    config?: Record<string, unknown>;
    args?: string[];
    env?: Record<string, string>;
  } = {},
): Promise<VigilProcess> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build`);
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'vigil-e2e-'));
  const args = [CLI, 'serve', '--data', dataDir, '--port', '0', ...(options.args ?? [])];
  if (options.config) {
    const file = join(dataDir, 'test-config.yml');
    writeFileSync(
      file,
      Object.entries(options.config)
        .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
        .join('\n'),
    );
    args.push('--config', file);
  }
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, VIGIL_ADMIN_TOKEN: ADMIN_TOKEN, ...options.env },
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vigil serve did not start:\n${out}`)), 60_000);
    const check = () => {
      const m = /listening on (https?:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`vigil serve exited with ${code}:\n${out}`));
    });
  });
  return {
    url,
    dataDir,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** fetch with a token; JSON in and out. */
export async function api(
  base: string,
  path: string,
  options: {
    token?: string | null;
    method?: string;
    body?: unknown;
    raw?: Buffer | string;
    headers?: Record<string, string>;
  } = {},
  // Responses are JSON of many shapes, and each test asserts the parts it reads.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? ADMIN_TOKEN : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: string | Buffer | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(base + path, {
    method: options.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** Waits until everything accepted is stored (the pipeline's backlog is empty, incidents written). */
export async function settled(base: string, token = ADMIN_TOKEN): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const r = await api(base, '/api/v1/status', { token });
    if (r.status === 200 && r.body.pipeline.backlogBytes === 0 && r.body.incidents.unwritten === 0) return;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error('the pipeline did not settle in 60 s');
}
