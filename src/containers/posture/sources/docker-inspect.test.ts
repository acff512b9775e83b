import { describe, expect, it } from 'vitest';
import { checkWorkload } from '../checks.js';
import type { InputProblem } from '../model.js';
import { postureOfDockerInspect } from '../scan.js';
import { parseSecurityOptions, userIdentity } from './docker-options.js';
import { parseBind, workloadFromDockerInspect } from './docker-inspect.js';
import { FieldReader } from './fields.js';
import { scanText } from './files.js';

/** The shape of GET /containers/{id}/json (fields the scanner reads, as Docker and Podman return them). */
function inspect(
  hostConfig: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    Id: '26df57cf2e0ef9b287c0f836b129847a9510bd7b7df53737abf5458b8f0488f6',
    Name: '/web',
    AppArmorProfile: '',
    Config: { Image: 'registry.example/web:1', User: '' },
    HostConfig: {
      Binds: [],
      NetworkMode: 'bridge',
      PortBindings: {},
      CapAdd: [],
      CapDrop: [],
      IpcMode: 'shareable',
      PidMode: 'private',
      Privileged: false,
      ReadonlyRootfs: false,
      SecurityOpt: [],
      UTSMode: 'private',
      UsernsMode: '',
      ...hostConfig,
    },
    Mounts: [],
    ...extra,
  };
}

const checks = (doc: unknown): string[] =>
  postureOfDockerInspect(doc)
    .map((f) => f.check)
    .sort();

describe('docker inspect documents', () => {
  it('a default container: runs as root, keeps capabilities, may escalate, writable root', () => {
    expect(checks(inspect({}))).toEqual(
      ['capabilities-not-dropped', 'no-new-privileges', 'run-as-root', 'writable-root-filesystem'].sort(),
    );
    const root = postureOfDockerInspect(inspect({})).find((f) => f.check === 'run-as-root')!;
    expect(root).toMatchObject({
      target: 'docker:web',
      container: 'web',
      severity: 'medium',
      cis: '4.1',
      pss: 'baseline',
    });
    expect(root.evidence).toBe('user: (not set: root) (Config.User)');
  });

  it('a hardened container has no findings', () => {
    const doc = inspect(
      { CapDrop: ['CAP_ALL'], ReadonlyRootfs: true, SecurityOpt: ['no-new-privileges'] },
      { Config: { Image: 'x', User: '1000:1000' } },
    );
    expect(postureOfDockerInspect(doc)).toEqual([]);
  });

  it("takes Podman's spelled-out --cap-drop ALL (every default capability) as dropping all", () => {
    const defaults = ['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD'];
    const rest = ['NET_BIND_SERVICE', 'NET_RAW', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'];
    expect(checks(inspect({ CapDrop: [...defaults, ...rest] }))).not.toContain('capabilities-not-dropped');
    expect(checks(inspect({ CapDrop: defaults }))).toContain('capabilities-not-dropped');
  });

  it('privileged with the Docker socket bound, host namespaces and published ports', () => {
    const doc = inspect(
      {
        Privileged: true,
        NetworkMode: 'host',
        PidMode: 'host',
        IpcMode: 'host',
        UTSMode: 'host',
        UsernsMode: 'host',
        CapAdd: ['CAP_SYS_PTRACE'],
        SecurityOpt: [
          'seccomp=unconfined',
          'apparmor=unconfined',
          'label=type:spc_t',
          'systempaths=unconfined',
        ],
        PortBindings: {
          '80/tcp': [{ HostIp: '', HostPort: '80' }],
          '9000/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }],
        },
        Devices: [{ PathOnHost: '/dev/kvm', PathInContainer: '/dev/kvm', CgroupPermissions: 'rwm' }],
        Sysctls: { 'net.core.somaxconn': '1024' },
      },
      {
        Mounts: [
          {
            Type: 'bind',
            Source: '/run/containerd/containerd.sock',
            Destination: '/run/containerd/containerd.sock',
            RW: true,
            Propagation: 'rprivate',
          },
          {
            Type: 'bind',
            Source: '/var/lib/kubelet',
            Destination: '/kubelet',
            RW: false,
            Propagation: 'rshared',
          },
          {
            Type: 'volume',
            Name: 'data',
            Source: '/var/lib/docker/volumes/data/_data',
            Destination: '/data',
            RW: true,
          },
        ],
      },
    );
    const findings = postureOfDockerInspect(doc);
    expect(findings.map((f) => f.check).sort()).toEqual(
      [
        'privileged',
        'runtime-socket',
        'sensitive-host-path',
        'mount-propagation-shared',
        'host-network',
        'host-pid',
        'host-ipc',
        'host-uts',
        'host-userns',
        'capabilities-added',
        'capabilities-not-dropped',
        'seccomp-unconfined',
        'apparmor-unconfined',
        'selinux-options',
        'proc-unmasked',
        'unsafe-sysctls',
        'host-devices',
        'privileged-host-port',
        'no-new-privileges',
        'run-as-root',
        'writable-root-filesystem',
      ].sort(),
    );
    // A named volume's data folder under /var/lib/docker is the volume, not a host path mount.
    expect(findings.filter((f) => f.check === 'sensitive-host-path').map((f) => f.evidence)).toEqual([
      'hostPath /var/lib/kubelet mounted at web:/kubelet (Mounts[1].Source)',
    ]);
    expect(findings.find((f) => f.check === 'runtime-socket')!.pss).toBe('privileged');
    expect(findings.find((f) => f.check === 'host-uts')!.pss).toBe('restricted');
  });

  it('falls back to HostConfig.Binds and HostConfig.Mounts when Mounts is absent', () => {
    const doc = inspect({
      Binds: ['/var/run/docker.sock:/var/run/docker.sock:ro', 'cache:/cache', '/srv/app:/app:rw,rslave'],
      Mounts: [
        {
          Type: 'bind',
          Source: '/',
          Target: '/host',
          ReadOnly: true,
          BindOptions: { Propagation: 'rshared' },
        },
      ],
    });
    delete doc.Mounts;
    const w = workloadFromDockerInspect(doc, new FieldReader([]))!;
    expect(w.pod.volumes.map((v) => [v.source, v.hostPath])).toEqual([
      ['hostPath', '/var/run/docker.sock'],
      ['persistentVolumeClaim', undefined],
      ['hostPath', '/srv/app'],
      ['hostPath', '/'],
    ]);
    expect(w.pod.containers[0]!.volumeMounts.map((m) => [m.mountPath, m.readOnly, m.propagation])).toEqual([
      ['/var/run/docker.sock', true, undefined],
      ['/cache', false, undefined],
      ['/app', false, 'rslave'],
      ['/host', true, 'rshared'],
    ]);
  });

  it('reads a docker inspect file (an array) with the line of each field', () => {
    const text = JSON.stringify([inspect({ Privileged: true }), inspect({}, { Name: '/other' })], null, 2);
    const r = scanText(text, 'inspect.json');
    expect(r.problems).toEqual([]);
    expect(r.workloads.map((w) => w.target)).toEqual(['docker:web', 'docker:other']);
    const f = r.workloads.flatMap((w) => checkWorkload(w)).find((x) => x.check === 'privileged')!;
    expect(text.split('\n')[f.location!.line! - 1]).toContain('"Privileged": true');
  });

  it('reports wrong types and broken JSON, keeping what it can', () => {
    const problems: InputProblem[] = [];
    const doc = inspect({ Privileged: 'true', CapAdd: 'SYS_ADMIN', PidMode: 'host' });
    const findings = postureOfDockerInspect(doc, { problems });
    expect(problems.map((p) => p.message)).toEqual([
      'HostConfig.Privileged: expected a boolean, got the string "true"',
      'HostConfig.CapAdd: expected a list, got the string "SYS_ADMIN"',
    ]);
    expect(findings.map((f) => f.check)).toContain('host-pid');
    expect(postureOfDockerInspect('not a container', { problems })).toEqual([]);
    expect(problems.at(-1)!.message).toBe('expected a container object (docker inspect output)');
    const broken = scanText('[{"Id": "x", "HostConfig": {', 'broken.json');
    expect(broken.workloads).toEqual([]);
    expect(broken.problems[0]!.message).toMatch(/^invalid JSON: /);
  });

  it('maps --security-opt and --user the way Docker reads them', () => {
    expect(parseSecurityOptions(['no-new-privileges:true'])).toEqual({ noNewPrivileges: true });
    expect(parseSecurityOptions(['no-new-privileges=false'])).toEqual({ noNewPrivileges: false });
    expect(parseSecurityOptions(['seccomp={"defaultAction":"SCMP_ACT_ERRNO"}']).seccomp?.type).toBe(
      'Localhost',
    );
    expect(parseSecurityOptions(['apparmor:docker-default']).appArmor).toEqual({ type: 'RuntimeDefault' });
    expect(parseSecurityOptions(['label:disable']).seLinux).toEqual({ type: 'spc_t' });
    expect(parseSecurityOptions(['label=user:system_u', 'label=level:s0']).seLinux).toEqual({
      user: 'system_u',
      level: 's0',
    });
    expect(userIdentity('')).toEqual({ runAsUser: 0 });
    expect(userIdentity('root:wheel')).toEqual({ runAsUser: 0 });
    expect(userIdentity('0')).toEqual({ runAsUser: 0 });
    expect(userIdentity('1000:0')).toEqual({ runAsUser: 1000, runAsNonRoot: true });
    expect(userIdentity('nginx')).toEqual({ runAsNonRoot: true });
    expect(parseBind('C:\\data:C:\\app:ro')).toEqual({
      source: 'C:\\data',
      destination: 'C:\\app',
      options: ['ro'],
    });
    expect(parseBind('nocolon')).toBeUndefined();
  });
});
