import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHECKS, checkWorkload } from './checks.js';
import { classifyHostPath, isDockerInDockerImage } from './host-paths.js';
import type { PssLevel } from './model.js';
import { evaluatePss, LATEST_PSS_MINOR, type PssFacet } from './pss.js';
import { FieldReader } from './sources/fields.js';
import { workloadsFromManifest } from './sources/kubernetes.js';

const ORDER: readonly PssLevel[] = ['privileged', 'baseline', 'restricted'];

const ALL_FACETS: readonly PssFacet[] = [
  'hostProcess',
  'hostNetwork',
  'hostPID',
  'hostIPC',
  'privileged',
  'capabilitiesAdd',
  'capabilitiesDrop',
  'hostPath',
  'volumeType',
  'hostPort',
  'probeHost',
  'appArmor',
  'seLinux',
  'procMount',
  'seccomp',
  'seccompMissing',
  'sysctl',
  'allowPrivilegeEscalation',
  'runAsNonRoot',
  'runAsUser',
];

describe('the check catalog', () => {
  it('has unique ids, CIS ids of the form N.N, and reports every PSS facet', () => {
    const ids = CHECKS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of CHECKS) {
      expect(c.cis === null || /^\d\.\d{1,2}$/.test(c.cis), c.id).toBe(true);
      expect(c.facets !== undefined || c.detect !== undefined, c.id).toBe(true);
    }
    for (const facet of ALL_FACETS)
      expect(
        CHECKS.some((c) => c.facets?.includes(facet)),
        facet,
      ).toBe(true);
  });
});

describe('host paths and images', () => {
  it('tells runtime sockets, sensitive folders and other paths apart', () => {
    const cases: [string, ReturnType<typeof classifyHostPath>][] = [
      ['/var/run/docker.sock', 'runtime-socket'],
      ['/run//containerd/containerd.sock', 'runtime-socket'],
      ['/var/run', 'runtime-socket'],
      ['/run/crio/crio.sock', 'runtime-socket'],
      ['/home/me/.local/share/containers/podman.sock', 'runtime-socket'],
      ['\\\\.\\pipe\\docker_engine', 'runtime-socket'],
      ['/', 'sensitive'],
      ['/etc', 'sensitive'],
      ['/etc/', 'sensitive'],
      ['/proc/1/ns', 'sensitive'],
      ['/var/lib/docker/overlay2', 'sensitive'],
      ['/root/.ssh', 'sensitive'],
      ['/srv/../etc/shadow', 'sensitive'],
      ['~/.kube/config', 'sensitive'],
      ['/etc/localtime', 'other'],
      ['/etcetera', 'other'],
      ['/srv/app', 'other'],
      ['./data', 'other'],
      ['/var/run/secrets/app', 'sensitive'],
    ];
    for (const [path, cls] of cases) expect(classifyHostPath(path), path).toBe(cls);
  });

  it('recognises Docker-in-Docker images', () => {
    for (const image of [
      'docker:dind',
      'docker:27-dind',
      'docker.io/library/docker:dind-rootless',
      'cruizba/ubuntu-dind:latest',
      'ghcr.io/x/dind@sha256:abc',
    ])
      expect(isDockerInDockerImage(image), image).toBe(true);
    for (const image of [
      'docker:27-cli',
      'nginx',
      'registry:5000/app:findings',
      'docker',
      'localhost/kind:1',
    ])
      expect(isDockerInDockerImage(image), image).toBe(false);
  });
});

/** Random pod specs: each field absent or set to an allowed or a disallowed value. */
const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });
const profile = fc.constantFrom('RuntimeDefault', 'Localhost', 'Unconfined', '');
const containerArb = (name: string) =>
  fc.record({
    name: fc.constant(name),
    image: fc.constantFrom('app:1', 'docker:dind'),
    securityContext: maybe(
      fc.record(
        {
          privileged: fc.boolean(),
          allowPrivilegeEscalation: fc.boolean(),
          runAsNonRoot: fc.boolean(),
          runAsUser: fc.constantFrom(0, 1000),
          readOnlyRootFilesystem: fc.boolean(),
          procMount: fc.constantFrom('Default', 'Unmasked'),
          capabilities: fc.record(
            {
              add: fc.subarray(['NET_BIND_SERVICE', 'CHOWN', 'SYS_ADMIN', 'NET_RAW']),
              drop: fc.subarray(['ALL', 'NET_RAW']),
            },
            { requiredKeys: [] },
          ),
          seccompProfile: fc.record({ type: profile }),
          appArmorProfile: fc.record({ type: profile }),
          seLinuxOptions: fc.record(
            { type: fc.constantFrom('container_t', 'spc_t', 'container_engine_t') },
            { requiredKeys: [] },
          ),
          windowsOptions: fc.record({ hostProcess: fc.boolean() }),
        },
        { requiredKeys: [] },
      ),
    ),
    ports: maybe(fc.constant([{ containerPort: 80, hostPort: 8080 }])),
    livenessProbe: maybe(fc.constant({ httpGet: { port: 80, host: '10.0.0.1' } })),
  });
const podArb = fc.record({
  metadata: fc.record({
    name: fc.constant('p'),
    annotations: fc.dictionary(
      fc.constantFrom(
        'container.apparmor.security.beta.kubernetes.io/a',
        'seccomp.security.alpha.kubernetes.io/pod',
        'container.seccomp.security.alpha.kubernetes.io/b',
      ),
      fc.constantFrom('runtime/default', 'unconfined', 'localhost/x'),
    ),
  }),
  spec: fc.record(
    {
      hostNetwork: fc.boolean(),
      hostPID: fc.boolean(),
      hostUsers: fc.boolean(),
      os: fc.constantFrom({ name: 'linux' }, { name: 'windows' }),
      securityContext: fc.record(
        {
          runAsNonRoot: fc.boolean(),
          runAsUser: fc.constantFrom(0, 1000),
          seccompProfile: fc.record({ type: profile }),
          sysctls: fc.subarray([
            { name: 'kernel.shm_rmid_forced', value: '1' },
            { name: 'net.ipv4.tcp_rmem', value: '4096' },
            { name: 'kernel.msgmax', value: '1' },
          ]),
        },
        { requiredKeys: [] },
      ),
      volumes: fc.subarray([
        { name: 'v1', emptyDir: {} },
        { name: 'v2', hostPath: { path: '/var/run/docker.sock' } },
        { name: 'v3', nfs: { server: 'x', path: '/' } },
      ]),
      containers: fc.tuple(containerArb('a')),
      initContainers: fc.tuple(containerArb('b')),
    },
    { requiredKeys: ['containers'] },
  ),
});

/** Whether a check's findings carry a facet's violations (its own, or those of a check it absorbs). */
function reportsFacet(check: string, facet: PssFacet): boolean {
  const c = CHECKS.find((x) => x.id === check)!;
  const absorbed = c.absorbs ? CHECKS.find((x) => x.id === c.absorbs) : undefined;
  return (c.facets ?? []).includes(facet) || (absorbed?.facets ?? []).includes(facet);
}

describe('findings and the PSS evaluation agree', () => {
  it("on random pods at random versions: the findings' lowest pss is the level that allows the pod, and every violation is reported", () => {
    fc.assert(
      fc.property(podArb, fc.integer({ min: 0, max: LATEST_PSS_MINOR }), (pod, minor) => {
        const [w] = workloadsFromManifest({ apiVersion: 'v1', kind: 'Pod', ...pod }, new FieldReader([]));
        const ev = evaluatePss(w!.pod, minor);
        const findings = checkWorkload(w!, { pssMinor: minor });
        const lowest = findings.reduce<PssLevel>(
          (m, f) => (ORDER.indexOf(f.pss) < ORDER.indexOf(m) ? f.pss : m),
          'restricted',
        );
        expect(lowest).toBe(ev.level);
        for (const v of [...ev.baseline, ...ev.restricted]) {
          const worst = v.level === 'baseline' ? 'privileged' : 'baseline';
          const reported = findings.some(
            (f) =>
              f.container === v.container &&
              reportsFacet(f.check, v.facet) &&
              ORDER.indexOf(f.pss) <= ORDER.indexOf(worst),
          );
          expect(reported, `${v.control} ${v.facet} ${v.container ?? 'pod'}`).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });
});
