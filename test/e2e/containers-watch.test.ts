import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKeyPair } from '../../src/containers/trust/index.js';
import { CLI, ROOT } from '../support/cli.js';
import { podmanPresent, startPodman, type Podman } from '../support/podman.js';
import { registryPresent, startRegistry, type Registry } from '../support/registry.js';
import { api, removeDir, startVigil, type VigilProcess } from '../support/server.js';

/**
 * The live watcher against podman's Docker-compatible API: containers created through the API
 * (podman cannot start them here, so the watcher reacts to create events as well as start) become
 * alerts in `vigil serve` within seconds, and their alerts join one incident.
 */
const present = podmanPresent && registryPresent;
if (!present)
  console.log(
    'containers-watch e2e skipped: podman or docker-registry is missing (apt-get install podman docker-registry)',
  );

const UNSIGNED = '8a4e1f27-5c93-4d06-b2e8-71f0c6a93d15';
const HOST_CONTROL = '3c0b8e52-7f4d-4b1e-9a63-2d5f8c1e7a40';

describe.skipIf(!present)('the container watcher, against podman', () => {
  let podman: Podman;
  let registry: Registry | undefined;
  let vigil: VigilProcess;
  let image = '';

  beforeAll(async () => {
    podman = await startPodman();
    registry = await startRegistry();
    // An image in a registry, never signed; pulled back so the runtime knows its registry digest.
    image = `${registry.host}/ci/helper:1`;
    podman.importImage(image);
    podman.run('push', '--tls-verify=false', image);
    podman.run('rmi', image);
    podman.run('pull', '--tls-verify=false', image);
    // Already there when Vigil starts: the first sweep reports it.
    podman.run('create', '--name', 'before', '--network', 'none', image, '/hello');
    const keys = generateSigningKeyPair(null);
    writeFileSync(join(podman.dir, 'release.pub'), keys.publicPem);
    writeFileSync(
      join(podman.dir, 'policy.yml'),
      [
        'version: 1',
        'unmatched: reject',
        'rules:',
        `  - match: '${registry.host}/ci/**'`,
        '    keys: [release.pub]',
      ].join('\n'),
    );
    vigil = await startVigil({
      config: {
        container_watch: true,
        docker_host: podman.endpoint,
        image_policy: join(podman.dir, 'policy.yml'),
      },
    });
  }, 120_000);
  afterAll(async () => {
    await vigil?.stop();
    if (vigil) removeDir(vigil.dataDir);
    await podman?.stop();
    await registry?.stop();
  });

  const alerts = async (rule: string) =>
    (await api(vigil.url, `/api/v1/alerts?rule=${rule}&from=2000-01-01T00:00:00Z&to=now`)).body as {
      total: number;
      alerts: { host: string; entities: string[] }[];
    };

  async function waitFor<T>(what: string, probe: () => Promise<T | null>): Promise<T> {
    for (let i = 0; i < 600; i++) {
      const v = await probe();
      if (v !== null) return v;
      await new Promise((ok) => setTimeout(ok, 100));
    }
    throw new Error(`no ${what} after 60 s:\n${vigil.output().slice(-2000)}`);
  }

  it('reports a container that was there before it started (the first sweep)', async () => {
    const found = await waitFor('alert for the existing container', async () => {
      const a = await alerts(UNSIGNED);
      return a.total >= 1 ? a : null;
    });
    expect(found.alerts[0]!.entities.join(' ')).toContain(image);
  });

  it('a privileged container with the Docker socket, from an unsigned image, created through the API: two alerts, one incident', async () => {
    writeFileSync(join(podman.dir, 'docker.sock'), '');
    const id = podman.run(
      'create',
      '--name',
      'dind',
      '--privileged',
      '--network',
      'none',
      '-v',
      `${join(podman.dir, 'docker.sock')}:/var/run/docker.sock`,
      image,
      '/hello',
    );
    const control = await waitFor('host-control alert', async () => {
      const a = await alerts(HOST_CONTROL);
      return a.alerts.some((x) => x.entities.some((e) => e.includes(id))) ? a : null;
    });
    // Privileged and the socket: one alert each.
    expect(control.alerts.filter((x) => x.entities.some((e) => e.includes(id))).length).toBe(2);
    const unsigned = await waitFor('unsigned-image alert', async () => {
      const a = await alerts(UNSIGNED);
      return a.alerts.some((x) => x.entities.some((e) => e.includes(id))) ? a : null;
    });
    expect(unsigned.total).toBe(2);
    // Privileged, the socket and the unsigned image of one container: one story.
    const detail = await waitFor('incident', async () => {
      const list = (await api(vigil.url, '/api/v1/incidents?from=2000-01-01T00:00:00Z&to=now')).body
        .incidents as { id: string; alertCount: number }[];
      for (const i of list.filter((x) => x.alertCount >= 3)) {
        const d = (await api(vigil.url, `/api/v1/incidents/${i.id}`)).body as {
          rules: { id: string }[];
          alerts: { entities: string[] }[];
          links: { reason: string }[];
        };
        const ours = d.alerts.filter((a) => a.entities.some((e) => e.includes(id)));
        if (ours.length === 3 && [HOST_CONTROL, UNSIGNED].every((r) => d.rules.some((x) => x.id === r)))
          return d;
      }
      return null;
    });
    expect(detail.links.map((l) => l.reason).join(' ')).toMatch(/same container/);
  });

  it('a benign container raises nothing, and `vigil containers watch` prints the same events as JSON lines', async () => {
    const before = (await alerts(HOST_CONTROL)).total;
    podman.run('create', '--name', 'plain', '--network', 'none', '--read-only', image, '/hello');
    const child = spawn(
      process.execPath,
      [CLI, 'containers', 'watch', '--docker', podman.endpoint, '--recheck', '0'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    try {
      await waitFor('watch output', async () => (/"container.name":"dind"/.test(out) ? true : null));
    } finally {
      child.kill('SIGTERM');
      await new Promise((ok) => child.once('exit', ok));
    }
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const dind = lines.filter((l) => l['container.name'] === 'dind').map((l) => l['vigil.check.id']);
    expect(dind).toEqual(expect.arrayContaining(['privileged', 'runtime-socket']));
    expect(lines.every((l) => l['event.module'] === 'vigil' && l['event.action'] === 'present')).toBe(true);
    expect((await alerts(HOST_CONTROL)).total).toBe(before);
  });
});
