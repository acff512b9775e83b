import { describe, expect, it } from 'vitest';
import { checkWorkload } from '../checks.js';
import type { Finding } from '../model.js';
import { parseShortPort, parseShortVolume } from './compose.js';
import { scanText } from './files.js';

const COMPOSE = `name: shop
services:
  ci:
    image: docker:27-dind
    privileged: true
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
      - /etc:/host/etc:ro
      - ./data:/data
      - cache:/cache
  agent:
    image: registry.example/agent:2
    pid: host
    network_mode: host
    ipc: host
    uts: host
    userns_mode: host
    cap_add: [sys_admin, CAP_NET_ADMIN, NET_BIND_SERVICE]
    security_opt:
      - seccomp:unconfined
      - apparmor=unconfined
      - label:disable
      - systempaths=unconfined
    user: root
    sysctls:
      kernel.msgmax: 65536
    devices:
      - /dev/sda:/dev/xvda:r
    volumes:
      - type: bind
        source: /
        target: /host
        bind:
          propagation: rshared
      - type: npipe
        source: \\\\.\\pipe\\docker_engine
        target: \\\\.\\pipe\\docker_engine
    ports:
      - "80:80"
      - "127.0.0.1:8080:8080"
      - 9000
      - target: 443
        published: "8443"
        host_ip: 0.0.0.0
  web:
    image: registry.example/web:1
    read_only: true
    user: "1000:1000"
    cap_drop: [ALL]
    security_opt: ["no-new-privileges:true"]
    tmpfs: [/tmp]
    sysctls: ["net.ipv4.ip_unprivileged_port_start=0"]
  worker:
    image: registry.example/worker:1
`;

const byService = (findings: readonly Finding[], service: string): string[] =>
  findings
    .filter((f) => f.target === `compose:shop/${service}`)
    .map((f) => f.check)
    .sort();

describe('Compose files', () => {
  const r = scanText(COMPOSE, 'deploy/compose.yaml');
  const findings = r.workloads.flatMap((w) => checkWorkload(w));
  const lines = COMPOSE.split('\n');

  it('reads every service', () => {
    expect(r.problems).toEqual([]);
    expect(r.workloads.map((w) => w.target)).toEqual([
      'compose:shop/ci',
      'compose:shop/agent',
      'compose:shop/web',
      'compose:shop/worker',
    ]);
  });

  it('finds privileged mode, the socket, sensitive and plain host paths, and Docker-in-Docker', () => {
    expect(byService(findings, 'ci')).toEqual(
      [
        'privileged',
        'runtime-socket',
        'sensitive-host-path',
        'host-path',
        'docker-in-docker',
        'capabilities-not-dropped',
        'no-new-privileges',
        'non-root-not-enforced',
        // Docker runs privileged containers without seccomp.
        'seccomp-not-set',
        'writable-root-filesystem',
      ].sort(),
    );
    const socket = findings.find((f) => f.check === 'runtime-socket')!;
    expect(socket).toMatchObject({ severity: 'critical', cis: '5.32', pss: 'privileged' });
    expect(lines[socket.location!.line! - 1]).toContain('/var/run/docker.sock:/var/run/docker.sock');
    const etc = findings.find((f) => f.check === 'sensitive-host-path' && f.target.endsWith('/ci'))!;
    expect(etc.evidence).toContain('hostPath /etc mounted at ci:/host/etc');
  });

  it('finds host namespaces, capabilities, unconfined profiles, devices, propagation and host ports', () => {
    expect(byService(findings, 'agent')).toEqual(
      [
        'host-pid',
        'host-network',
        'host-ipc',
        'host-uts',
        'host-userns',
        'capabilities-added',
        'capabilities-not-dropped',
        'seccomp-unconfined',
        'apparmor-unconfined',
        'selinux-options',
        'proc-unmasked',
        'run-as-root',
        'unsafe-sysctls',
        'host-devices',
        'sensitive-host-path',
        'runtime-socket',
        'mount-propagation-shared',
        'privileged-host-port',
        'host-port',
        'host-port',
        'no-new-privileges',
        'writable-root-filesystem',
      ].sort(),
    );
    const caps = findings.find((f) => f.check === 'capabilities-added')!;
    expect(caps.severity).toBe('high');
    expect(caps.evidence).toContain('SYS_ADMIN, NET_ADMIN');
    const root = findings.find((f) => f.check === 'sensitive-host-path' && f.target.endsWith('/agent'))!;
    expect(root.severity).toBe('critical');
    const ports = findings.filter((f) => f.target.endsWith('/agent') && f.check.endsWith('host-port'));
    expect(ports.map((f) => f.evidence.split(' (')[0])).toEqual(
      expect.arrayContaining([
        'hostPort 80 -> 80',
        'hostPort 8080 on 127.0.0.1 -> 8080',
        'hostPort 8443 on 0.0.0.0 -> 443',
      ]),
    );
    expect(findings.find((f) => f.check === 'run-as-root')!.evidence).toContain('user: root');
  });

  it('a hardened service has no findings; one without user is flagged for it', () => {
    expect(byService(findings, 'web')).toEqual([]);
    const worker = findings.filter((f) => f.target === 'compose:shop/worker');
    expect(worker.map((f) => f.check).sort()).toEqual(
      [
        'capabilities-not-dropped',
        'no-new-privileges',
        'non-root-not-enforced',
        'writable-root-filesystem',
      ].sort(),
    );
    expect(worker.find((f) => f.check === 'non-root-not-enforced')!.evidence).toContain(
      "image's USER decides",
    );
  });

  it('takes the project name from the folder when the file has none', () => {
    const other = scanText('services:\n  a:\n    image: x\n', '/srv/billing/docker-compose.yml');
    expect(other.workloads[0]!.target).toBe('compose:billing/a');
  });

  it('merge keys (<<) apply as in Compose', () => {
    const text = 'x-base: &base\n  privileged: true\nservices:\n  a:\n    <<: *base\n    image: x\n';
    const w = scanText(text, 'c.yaml').workloads;
    expect(w[0]!.pod.containers[0]!.privileged).toBe(true);
  });

  it('reports wrong types at their lines and keeps scanning', () => {
    const text = [
      'services:',
      '  a:',
      '    privileged: "yes"',
      '    pid: host',
      '    cap_add: SYS_ADMIN',
      '    volumes: [42, ":"]',
      '  b: just a string',
      '  c:',
      '    read_only: yes',
    ].join('\n');
    const s = scanText(text, '/srv/app/bad.yaml');
    const problems = s.problems.map((p) => [p.line, p.message]).sort((a, b) => Number(a[0]) - Number(b[0]));
    expect(problems).toEqual([
      [3, 'services.a.privileged: expected a boolean, got the string "yes"'],
      [5, 'services.a.cap_add: expected a list, got the string "SYS_ADMIN"'],
      [6, 'services.a.volumes[0]: expected a volume string or map'],
      [6, 'services.a.volumes[1]: cannot read volume ":"'],
      [7, 'services.b: expected a service map'],
      [9, 'services.c.read_only: expected a boolean, got the string "yes"'],
    ]);
    expect(s.problems.every((p) => p.file === '/srv/app/bad.yaml')).toBe(true);
    const found = s.workloads.flatMap((w) => checkWorkload(w)).map((f) => `${f.target} ${f.check}`);
    expect(found).toContain('compose:app/a host-pid');
    expect(found).not.toContain('compose:app/a privileged');
  });

  it('parses short volume and port syntax', () => {
    expect(parseShortVolume('/var/run/docker.sock:/var/run/docker.sock:ro,rshared')).toEqual({
      type: 'bind',
      source: '/var/run/docker.sock',
      target: '/var/run/docker.sock',
      readOnly: true,
      propagation: 'rshared',
    });
    expect(parseShortVolume('data:/data')).toMatchObject({ type: 'volume', source: 'data' });
    expect(parseShortVolume('${HOME}/.ssh:/root/.ssh')).toMatchObject({
      type: 'bind',
      source: '${HOME}/.ssh',
    });
    expect(parseShortVolume('C:\\Users\\me:/data')).toMatchObject({
      type: 'bind',
      source: 'C:\\Users\\me',
      target: '/data',
    });
    expect(parseShortVolume('/anonymous')).toEqual({ type: 'volume', target: '/anonymous', readOnly: false });
    expect(parseShortPort('8000-8010:8000-8010/udp')).toEqual({
      containerPort: 8000,
      hostPort: 8000,
      protocol: 'udp',
    });
    expect(parseShortPort('[::1]:6060:6060')).toEqual({ containerPort: 6060, hostPort: 6060, hostIP: '::1' });
    expect(parseShortPort('127.0.0.1::5000')).toEqual({ containerPort: 5000, hostIP: '127.0.0.1' });
    expect(parseShortPort('3000')).toEqual({ containerPort: 3000 });
    expect(parseShortPort('x:y')).toBeUndefined();
  });
});
