import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { IncidentRequestError } from '../correlate/index.js';
import { SearchRequestError } from '../search/index.js';
import { openStore, StoreError, type Store } from '../store/index.js';

/** Flags of the commands that read what a server stored: where, as whom, and when. */
export interface TargetFlags {
  server?: string;
  token?: string;
  data?: string;
  tenant?: string;
  from?: string;
  to?: string;
  out?: string;
}

/** Where a CLI read runs: a server's API, or a data directory opened in this process. */
export type Target =
  | { kind: 'server'; url: string; token: string; tenant: string | null }
  | { kind: 'local'; store: Store; tenant: string };

export class CliError extends Error {}

export async function openTarget(f: TargetFlags): Promise<Target> {
  if (f.server !== undefined) {
    const token = f.token ?? process.env.VIGIL_TOKEN;
    if (token === undefined || token === '')
      throw new CliError('--server needs a token: --token or the VIGIL_TOKEN variable');
    let url: URL;
    try {
      url = new URL(f.server);
    } catch {
      throw new CliError(`--server is not a URL: ${f.server}`);
    }
    return { kind: 'server', url: url.href.replace(/\/$/, ''), token, tenant: f.tenant ?? null };
  }
  const dataDir = f.data ?? process.env.VIGIL_DATA ?? './vigil-data';
  try {
    const store = await openStore({ dataDir, retentionDays: null });
    return { kind: 'local', store, tenant: f.tenant ?? 'default' };
  } catch (e) {
    if (e instanceof StoreError)
      throw new CliError(
        `${e.message.split('\n')[0]} If vigil serve runs on it, search through it with --server.`,
      );
    throw e;
  }
}

export async function closeTarget(t: Target): Promise<void> {
  if (t.kind === 'local') await t.store.close();
}

export async function call(
  t: Target & { kind: 'server' },
  path: string,
  body?: unknown,
  method = body === undefined ? 'GET' : 'POST',
): Promise<Response> {
  const res = await fetch(`${t.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${t.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(t.tenant === null ? {} : { 'x-vigil-tenant': t.tenant }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).catch((e: unknown) => {
    throw new CliError(`cannot reach ${t.url}: ${(e as Error).message}`);
  });
  if (!res.ok) {
    const text = await res.text();
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: string }).error ?? text;
    } catch {
      // not JSON: show it as it came
    }
    throw new CliError(`${res.status} from the server: ${message}`);
  }
  return res;
}

export function output(out: string | undefined): Writable {
  return out === undefined ? process.stdout : createWriteStream(out);
}

export function cut(text: unknown, width: number): string {
  const s = String(text ?? '').replace(/\s+/g, ' ');
  return s.length > width ? `${s.slice(0, width - 1)}…` : s.padEnd(width);
}

export function targetOptions(c: Command): Command {
  return c
    .option('-s, --server <url>', 'a Vigil server (token from --token or VIGIL_TOKEN)')
    .option('--token <token>', 'API token for --server (prefer the VIGIL_TOKEN variable: flags show in ps)')
    .option('-d, --data <dir>', 'a data directory to open directly, when no server runs on it', undefined)
    .option('--tenant <tenant>', 'the tenant to search (default: the token’s, or "default")')
    .option('--from <time>', 'start: ISO 8601, epoch ms or now-7d')
    .option('--to <time>', 'end (default now)')
    .option('-o, --out <file>', 'write to a file instead of standard output');
}

export async function guarded(run: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await run();
  } catch (e) {
    if (
      e instanceof CliError ||
      e instanceof SearchRequestError ||
      e instanceof InvalidArgumentError ||
      e instanceof IncidentRequestError
    ) {
      console.error(`vigil: ${e.message}`);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
}
