import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePolicy } from '../trust/index.js';
import { KubePodWatcher, PodReporter, type PodObject } from './pods.js';

const policy = parsePolicy(
  [
    'version: 1',
    'unmatched: reject',
    'rules:',
    "  - match: 'registry.example.com/dev/**'",
    '    allow-unsigned: true',
  ].join('\n'),
  'policy.yml',
  tmpdir(),
);

const pod = (name: string, image: string, privileged: boolean): PodObject =>
  ({
    metadata: { namespace: 'ci', name, uid: `uid-${name}` },
    spec: {
      nodeName: 'node-7',
      containers: [{ name: 'main', image, securityContext: { privileged } }],
    },
    status: {
      containerStatuses: [
        {
          name: 'main',
          image,
          imageID: `${image.split(':')[0]}@sha256:${'a'.repeat(64)}`,
          containerID: `containerd://${'c'.repeat(64)}`,
        },
      ],
    },
  }) as unknown as PodObject;

describe('PodReporter', () => {
  it("reports a pod's dangerous settings once, with the container's runtime id and node", async () => {
    const r = new PodReporter(null);
    const first = await r.report(pod('dind', 'docker:27-dind', true), 'create');
    const checks = first.map((e) => e['vigil.check.id']);
    expect(checks).toContain('privileged');
    expect(checks).toContain('docker-in-docker');
    const privileged = first.find((e) => e['vigil.check.id'] === 'privileged')!;
    expect(privileged).toMatchObject({
      'host.name': 'node-7',
      'container.id': 'c'.repeat(64),
      'container.name': 'ci/dind/main',
      'orchestrator.namespace': 'ci',
      'event.dataset': 'container.posture',
    });
    expect(await r.report(pod('dind', 'docker:27-dind', true), 'start')).toEqual([]);
  });

  it('gives each container a trust verdict, and only again when it changes', async () => {
    const r = new PodReporter(policy);
    const allowed = await r.report(pod('tool', 'registry.example.com/dev/tool:1', false), 'create');
    expect(allowed.find((e) => e['event.dataset'] === 'container.image_trust')).toMatchObject({
      'vigil.image.verdict': 'allowed',
    });
    const other = await r.report(pod('app', 'registry.example.com/prod/app:1', false), 'create');
    expect(other.find((e) => e['event.dataset'] === 'container.image_trust')).toMatchObject({
      'vigil.image.verdict': 'not-covered',
      'vigil.image.alert': true,
    });
    const again = await r.report(pod('app', 'registry.example.com/prod/app:1', false), 'recheck');
    expect(again.filter((e) => e['event.dataset'] === 'container.image_trust')).toEqual([]);
  });
});

/**
 * The live watch through @kubernetes/client-node against an HTTP endpoint that speaks the
 * Kubernetes watch protocol (no cluster exists on these machines: this checks the client wiring,
 * the stream and the reconnect, not a real API server).
 */
describe('KubePodWatcher', () => {
  let server: Server | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-kube-'));
  afterAll(() => {
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('follows pod events from the watch stream and re-watches when it ends', async () => {
    let watches = 0;
    server = createServer((req, res) => {
      if (!req.url?.startsWith('/api/v1/pods') || !req.url.includes('watch=true')) {
        res.writeHead(404).end();
        return;
      }
      watches++;
      res.writeHead(200, { 'content-type': 'application/json' });
      const p = pod(`dind-${watches}`, 'docker:27-dind', true);
      res.write(JSON.stringify({ type: 'ADDED', object: p }) + '\n');
      // The first stream ends: the watcher must come back for the second pod.
      if (watches === 1) res.end();
    });
    await new Promise<void>((ok) => server!.listen(0, '127.0.0.1', ok));
    const port = (server.address() as { port: number }).port;
    writeFileSync(
      join(dir, 'kubeconfig'),
      [
        'apiVersion: v1',
        'kind: Config',
        `clusters: [{ name: t, cluster: { server: 'http://127.0.0.1:${port}', insecure-skip-tls-verify: true } }]`,
        'users: [{ name: t, user: {} }]',
        'contexts: [{ name: t, context: { cluster: t, user: t } }]',
        'current-context: t',
      ].join('\n'),
    );
    const seen: string[] = [];
    const watcher = new KubePodWatcher({
      kubeconfig: join(dir, 'kubeconfig'),
      policy: null,
      emit: async (events) => {
        for (const e of events)
          if (e['vigil.check.id'] === 'privileged') seen.push(String(e['container.name']));
      },
      log: () => undefined,
    });
    await watcher.start();
    try {
      for (let i = 0; i < 200 && seen.length < 2; i++) await new Promise((ok) => setTimeout(ok, 50));
    } finally {
      watcher.stop();
    }
    expect(seen).toEqual(['ci/dind-1/main', 'ci/dind-2/main']);
  });
});
