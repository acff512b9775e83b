import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether Debian's docker-registry is installed. */
export const registryPresent = spawnSync('docker-registry', ['--version']).status === 0;

export interface Registry {
  /** host:port on 127.0.0.1, plain HTTP, no authentication. */
  readonly host: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

/** An OCI registry (distribution 2.8) with its own config: storage in a temp folder, loopback only. */
export async function startRegistry(): Promise<Registry> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-registry-'));
  mkdirSync(join(dir, 'data'));
  const host = `127.0.0.1:${await freePort()}`;
  writeFileSync(
    join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log: { level: warn }',
      `storage: { filesystem: { rootdirectory: ${join(dir, 'data')} } }`,
      `http: { addr: '${host}', secret: vigil-test }`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${log}`);
    try {
      if ((await fetch(`http://${host}/v2/`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (i > 300) throw new Error(`docker-registry did not come up: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((ok) => child.once('exit', ok));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
