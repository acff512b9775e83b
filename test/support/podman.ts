import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerClient } from '../../src/containers/docker-api.js';

/** Whether Debian's podman is installed (tests that need it skip with a message otherwise). */
export const podmanPresent = spawnSync('podman', ['--version']).status === 0;

/** A tar archive holding one small file: enough of a root filesystem for `podman import`. */
export function tinyRootfs(content = 'vigil\n'): Buffer {
  const body = Buffer.from(content);
  const header = Buffer.alloc(512);
  const put = (text: string, offset: number, length: number): void => {
    header.write(text.slice(0, length), offset, 'ascii');
  };
  put('hello', 0, 100);
  put('0000644\0', 100, 8);
  put('0000000\0', 108, 8);
  put('0000000\0', 116, 8);
  put(body.length.toString(8).padStart(11, '0') + '\0', 124, 12);
  put('00000000000\0', 136, 12);
  put('        ', 148, 8);
  put('0', 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  let sum = 0;
  for (const b of header) sum += b;
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  const data = Buffer.alloc(512);
  body.copy(data);
  return Buffer.concat([header, data, Buffer.alloc(1024)]);
}

export interface Podman {
  /** unix:///... of its Docker-compatible API. */
  readonly endpoint: string;
  readonly dir: string;
  /** Runs the podman CLI on the same storage; returns stdout. */
  run(...args: string[]): string;
  /** `podman import` of a one-file root filesystem under this name. */
  importImage(name: string, content?: string): void;
  /** Serves the same storage's API on another address too (tcp://127.0.0.1:PORT). */
  serve(address: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Podman serving the Docker Engine API on a unix socket, with all of its state in a temp folder
 * (vfs storage, file events): nothing global is touched. Containers can be created and inspected;
 * starting them is not permitted on these machines.
 */
export async function startPodman(): Promise<Podman> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-podman-'));
  for (const sub of ['root', 'runroot', 'tmp', 'networks', 'volumes']) mkdirSync(join(dir, sub));
  const args = [
    '--root',
    join(dir, 'root'),
    '--runroot',
    join(dir, 'runroot'),
    '--tmpdir',
    join(dir, 'tmp'),
    '--network-config-dir',
    join(dir, 'networks'),
    '--volumepath',
    join(dir, 'volumes'),
    '--storage-driver',
    'vfs',
    '--events-backend',
    'file',
    '--cgroup-manager',
    'cgroupfs',
  ];
  const endpoint = `unix://${join(dir, 'api.sock')}`;
  const services: ChildProcess[] = [];
  const serve = async (address: string): Promise<void> => {
    const child = spawn('podman', [...args, 'system', 'service', '--time', '0', address], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    services.push(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const client = new DockerClient(address, { timeoutMs: 2000 });
    for (let attempt = 0; ; attempt++) {
      if (child.exitCode !== null) throw new Error(`podman system service exited: ${stderr}`);
      try {
        await client.version();
        return;
      } catch (e) {
        if (attempt > 300) throw new Error(`podman's API did not come up: ${(e as Error).message} ${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  await serve(endpoint);
  const run = (...more: string[]): string => {
    const r = spawnSync('podman', [...args, ...more], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`podman ${more.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
  return {
    endpoint,
    dir,
    run,
    importImage(name, content) {
      const tar = join(dir, `rootfs-${Math.random().toString(36).slice(2)}.tar`);
      writeFileSync(tar, tinyRootfs(content));
      run('import', tar, name);
    },
    serve,
    async stop() {
      for (const child of services)
        if (child.exitCode === null) {
          child.kill('SIGTERM');
          await new Promise((ok) => child.once('exit', ok));
        }
      // vfs layers are plain directories; podman's own reset would touch its global config.
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
