import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerClient, type DockerEvent, type Finding } from '../../src/containers/index.js';
import { runCli } from '../support/cli.js';
import { podmanPresent, startPodman, type Podman } from '../support/podman.js';

/**
 * `vigil containers scan` against a real Docker-compatible API: Debian's podman serving the
 * Docker Engine API on a unix socket (and on TCP) from storage in a temp folder. Containers are
 * created (podman cannot start them on these machines) and inspected through the API.
 */

if (!podmanPresent)
  console.log('containers-scan e2e skipped: the podman binary is missing (apt-get install podman)');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

describe.skipIf(!podmanPresent)('vigil containers scan against podman', () => {
  let pod: Podman;
  let dir: string;
  let socket: string;
  let tcp: string;
  const podman = (...args: string[]): string => pod.run(...args);

  beforeAll(async () => {
    // Everything podman keeps goes under a temp folder: nothing global is touched.
    pod = await startPodman();
    dir = pod.dir;
    socket = join(dir, 'api.sock');
    tcp = `tcp://127.0.0.1:${await freePort()}`;
    await pod.serve(tcp);
    pod.importImage('localhost/vigil-tiny:1');
    podman('tag', 'localhost/vigil-tiny:1', 'localhost/library/docker:27-dind');
    // The "socket" is a plain file here: the container is never started, what matters is the bind.
    writeFileSync(join(dir, 'docker.sock'), '');
    podman(
      'create',
      '--name',
      'priv',
      '--privileged',
      '--network',
      'none',
      '-v',
      `${join(dir, 'docker.sock')}:/var/run/docker.sock`,
      'localhost/vigil-tiny:1',
      '/hello',
    );
    podman(
      'create',
      '--name',
      'hostns',
      '--pid',
      'host',
      '--network',
      'host',
      '--cap-add',
      'SYS_ADMIN',
      '--security-opt',
      'seccomp=unconfined',
      '-v',
      '/etc:/host-etc:ro',
      'localhost/vigil-tiny:1',
      '/hello',
    );
    podman(
      'create',
      '--name',
      'benign',
      '--read-only',
      '--user',
      '1000',
      '--security-opt',
      'no-new-privileges',
      '--cap-drop',
      'ALL',
      '--network',
      'none',
      'localhost/vigil-tiny:1',
      '/hello',
    );
    podman('create', '--name', 'dind', '--network', 'none', 'localhost/library/docker:27-dind', '/hello');
  }, 120_000);

  afterAll(async () => {
    await pod?.stop();
  });

  const byTarget = (findings: Finding[], target: string): Finding[] =>
    findings.filter((f) => f.target === target);

  it('lists and inspects every created container over the unix socket', async () => {
    const client = new DockerClient(`unix://${socket}`);
    expect(await client.negotiate()).toBe('1.41');
    const names = (await client.listContainers()).map((c) => c.Names?.[0]).sort();
    expect(names).toEqual(['/benign', '/dind', '/hostns', '/priv']);
    const priv = await client.inspectContainer('priv');
    expect((priv.HostConfig as { Privileged: boolean }).Privileged).toBe(true);
  });

  it('scans the Docker API: findings, CIS ids, PSS levels, and exit codes', async () => {
    const run = await runCli(['containers', 'scan', '--docker', `unix://${socket}`, '-f', 'json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const findings = JSON.parse(run.stdout) as Finding[];

    const priv = byTarget(findings, 'docker:priv');
    expect(priv.find((f) => f.check === 'privileged')).toMatchObject({
      severity: 'critical',
      cis: '5.5',
      pss: 'privileged',
      evidence: 'privileged: true (HostConfig.Privileged)',
    });
    expect(priv.find((f) => f.check === 'runtime-socket')).toMatchObject({
      severity: 'critical',
      cis: '5.32',
    });
    expect(priv.find((f) => f.check === 'runtime-socket')!.evidence).toContain(
      'mounted at priv:/var/run/docker.sock',
    );

    const hostns = byTarget(findings, 'docker:hostns').map((f) => f.check);
    expect(hostns).toEqual(
      expect.arrayContaining([
        'host-pid',
        'host-network',
        'capabilities-added',
        'seccomp-unconfined',
        'sensitive-host-path',
        'run-as-root',
      ]),
    );
    expect(byTarget(findings, 'docker:benign')).toEqual([]);
    expect(byTarget(findings, 'docker:dind').map((f) => f.check)).toContain('docker-in-docker');
    for (const f of findings) {
      expect(f.source).toBe('docker');
      expect(['privileged', 'baseline', 'restricted']).toContain(f.pss);
    }

    const gate = await runCli([
      'containers',
      'scan',
      '--docker',
      `unix://${socket}`,
      '--fail-on',
      'critical',
    ]);
    expect(gate.code).toBe(1);
    expect(gate.stdout).toMatch(/^docker:priv\n {2}CRITICAL/);
    expect(gate.stdout).toMatch(/4 targets scanned, 1 without findings; \d+ findings \(2 critical, /);
  });

  it('scans the same API over TCP', async () => {
    const run = await runCli(['containers', 'scan', '--docker', tcp, '-f', 'json']);
    expect(run.code).toBe(0);
    const findings = JSON.parse(run.stdout) as Finding[];
    expect(byTarget(findings, 'docker:priv').map((f) => f.check)).toContain('privileged');
    expect(byTarget(findings, 'docker:benign')).toEqual([]);
  });

  it('streams events: a container created after subscribing shows up as a create event', async () => {
    const client = new DockerClient(`unix://${socket}`);
    await client.negotiate();
    const since = Math.floor(Date.now() / 1000) - 1;
    const controller = new AbortController();
    // `since` replays what happened before the stream was open, so the order of the two cannot race.
    const events = client.events({
      filters: { type: ['container'], event: ['create'] },
      since,
      signal: controller.signal,
    });
    podman('create', '--name', 'late', '--network', 'none', 'localhost/vigil-tiny:1', '/hello');
    let seen: DockerEvent | undefined;
    for await (const e of events) {
      expect(e.ok).toBe(true);
      if (e.ok && e.value.Actor?.Attributes?.name === 'late') {
        seen = e.value;
        break;
      }
    }
    expect(seen).toMatchObject({ Type: 'container', Action: 'create' });
    const scan = await runCli(['containers', 'scan', '--docker', `unix://${socket}`, '-f', 'json']);
    expect((JSON.parse(scan.stdout) as Finding[]).some((f) => f.target === 'docker:late')).toBe(true);
  });

  it('scans Compose and Kubernetes files, with lines, SARIF, and per-file errors', async () => {
    const files = join(dir, 'files');
    mkdirSync(files);
    writeFileSync(
      join(files, 'compose.yaml'),
      'name: shop\nservices:\n  ci:\n    image: docker:dind\n    privileged: true\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n',
    );
    writeFileSync(
      join(files, 'deploy.yaml'),
      [
        'apiVersion: apps/v1',
        'kind: DaemonSet',
        'metadata: {name: agent, namespace: ops}',
        'spec:',
        '  template:',
        '    spec:',
        '      hostPID: true',
        '      containers:',
        '      - name: agent',
        '        image: registry.example/agent:1',
      ].join('\n'),
    );
    writeFileSync(join(files, 'broken.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: [x\n');
    writeFileSync(join(files, 'values.yaml'), 'replicas: 3\n');

    const run = await runCli(['containers', 'scan', files, '-f', 'json', '--fail-on', 'high']);
    expect(run.code).toBe(2); // broken.yaml could not be read; the others still were
    // The parser notices the unclosed flow sequence at the end of the file.
    expect(run.stderr).toMatch(/broken\.yaml:4: YAML document 1: Flow sequence/);
    const findings = JSON.parse(run.stdout) as Finding[];
    expect(
      findings.find((f) => f.target === 'compose:shop/ci' && f.check === 'privileged')!.location,
    ).toEqual({
      file: join(files, 'compose.yaml'),
      line: 5,
    });
    expect(
      findings.find((f) => f.target === 'k8s:DaemonSet/ops/agent' && f.check === 'host-pid')!.location!.line,
    ).toBe(7);

    rmSync(join(files, 'broken.yaml'));
    const sarifFile = join(dir, 'report.sarif');
    const gate = await runCli([
      'containers',
      'scan',
      files,
      '-f',
      'sarif',
      '-o',
      sarifFile,
      '--fail-on',
      'high',
    ]);
    expect(gate.code).toBe(1);
    expect(gate.stdout).toBe('');
    const sarif = JSON.parse(readFileSync(sarifFile, 'utf8')) as {
      version: string;
      runs: {
        results: { ruleId: string; locations: { physicalLocation?: { region?: { startLine: number } } }[] }[];
      }[];
    };
    expect(sarif.version).toBe('2.1.0');
    const hostPid = sarif.runs[0]!.results.find((r) => r.ruleId === 'host-pid')!;
    expect(hostPid.locations[0]!.physicalLocation!.region!.startLine).toBe(7);
  });

  it('usage and connection errors exit 2', async () => {
    const none = await runCli(['containers', 'scan']);
    expect(none.code).toBe(2);
    const format = await runCli(['containers', 'scan', '--docker', `unix://${socket}`, '-f', 'xml']);
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/xml/);
    const version = await runCli([
      'containers',
      'scan',
      '--docker',
      `unix://${socket}`,
      '--pss-version',
      'two',
    ]);
    expect(version.code).toBe(2);
    const gone = join(dir, 'nothing.sock');
    expect(existsSync(gone)).toBe(false);
    const down = await runCli(['containers', 'scan', '--docker', `unix://${gone}`]);
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/cannot reach the Docker API at unix:\/\/.*nothing\.sock: ENOENT/);
  });
});
