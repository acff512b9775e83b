import { describe, expect, it } from 'vitest';
import { checkWorkload } from './checks.js';
import type { Finding, InputProblem, PssLevel } from './model.js';
import { evaluatePss, LATEST_PSS_MINOR, PSS_CONTROLS, type PssControlId } from './pss.js';
import { FieldReader } from './sources/fields.js';
import { workloadsFromManifest } from './sources/kubernetes.js';

/**
 * Conformance with the Pod Security Standards: for every control, pod specs that each level must
 * allow or refuse, at the versions where the rules change. Each spec starts from a pod that meets
 * restricted and changes one thing. Three things must agree: the PSS evaluation, the level each
 * policy admits (privileged always; baseline and restricted by their rule sets), and the `pss` of
 * the findings (their lowest value is the level that allows the spec).
 */

type Obj = Record<string, unknown>;
type Spec = { spec: Obj & { containers: Obj[] }; metadata: Obj };

function restrictedPod(): Spec {
  return {
    metadata: { name: 'p' },
    spec: {
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'app',
          image: 'registry.example/app:1',
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          },
        },
      ],
    },
  };
}

const sc = (p: Spec): Obj => p.spec.containers[0]!.securityContext as Obj;
const podSc = (p: Spec): Obj => p.spec.securityContext as Obj;
const withInit = (p: Spec, extra: Obj): void => {
  p.spec.initContainers = [
    {
      name: 'init',
      image: 'registry.example/init:1',
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, ...extra },
    },
  ];
};
const withEphemeral = (p: Spec, extra: Obj): void => {
  p.spec.ephemeralContainers = [
    {
      name: 'debug',
      image: 'registry.example/debug:1',
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, ...extra },
    },
  ];
};
/** A Windows pod: the Linux-only restricted fields cannot be set on it. */
const windowsPod = (p: Spec): void => {
  p.spec.os = { name: 'windows' };
  p.spec.securityContext = { runAsNonRoot: true };
  p.spec.containers[0]!.securityContext = {};
};

interface Case {
  readonly control: PssControlId;
  readonly name: string;
  readonly change: (p: Spec) => void;
  /** The most restrictive level that allows the spec. */
  readonly level: PssLevel;
  /** Kubernetes minor version (default: latest). */
  readonly minor?: number;
  /** The check expected to report it (for specs that fail a level). */
  readonly check?: string;
}

const CASES: readonly Case[] = [
  // ---- baseline: HostProcess ----
  { control: 'hostProcess', name: 'hostProcess unset', change: () => {}, level: 'restricted' },
  {
    control: 'hostProcess',
    name: 'pod hostProcess false',
    change: (p) => (podSc(p).windowsOptions = { hostProcess: false }),
    level: 'restricted',
  },
  {
    control: 'hostProcess',
    name: 'pod hostProcess true',
    change: (p) => (podSc(p).windowsOptions = { hostProcess: true }),
    level: 'privileged',
    check: 'windows-host-process',
  },
  {
    control: 'hostProcess',
    name: 'container hostProcess true',
    change: (p) => (sc(p).windowsOptions = { hostProcess: true }),
    level: 'privileged',
    check: 'windows-host-process',
  },
  {
    control: 'hostProcess',
    name: 'initContainer hostProcess true',
    change: (p) => withInit(p, { windowsOptions: { hostProcess: true } }),
    level: 'privileged',
    check: 'windows-host-process',
  },
  {
    control: 'hostProcess',
    name: 'ephemeralContainer hostProcess true',
    change: (p) => withEphemeral(p, { windowsOptions: { hostProcess: true } }),
    level: 'privileged',
    check: 'windows-host-process',
  },
  // ---- baseline: Host Namespaces ----
  ...(['hostNetwork', 'hostPID', 'hostIPC'] as const).flatMap((k): Case[] => [
    {
      control: 'hostNamespaces',
      name: `${k} false`,
      change: (p) => (p.spec[k] = false),
      level: 'restricted',
    },
    {
      control: 'hostNamespaces',
      name: `${k} true`,
      change: (p) => (p.spec[k] = true),
      level: 'privileged',
      check: { hostNetwork: 'host-network', hostPID: 'host-pid', hostIPC: 'host-ipc' }[k],
    },
  ]),
  // ---- baseline: Privileged Containers ----
  {
    control: 'privileged',
    name: 'privileged false',
    change: (p) => (sc(p).privileged = false),
    level: 'restricted',
  },
  {
    control: 'privileged',
    name: 'container privileged',
    change: (p) => (sc(p).privileged = true),
    level: 'privileged',
    check: 'privileged',
  },
  {
    control: 'privileged',
    name: 'initContainer privileged',
    change: (p) => withInit(p, { privileged: true }),
    level: 'privileged',
    check: 'privileged',
  },
  {
    control: 'privileged',
    name: 'ephemeralContainer privileged',
    change: (p) => withEphemeral(p, { privileged: true }),
    level: 'privileged',
    check: 'privileged',
  },
  // ---- baseline: Capabilities (and restricted: Capabilities) ----
  {
    control: 'capabilities_baseline',
    name: 'add NET_BIND_SERVICE (allowed by restricted)',
    change: (p) => (sc(p).capabilities = { drop: ['ALL'], add: ['NET_BIND_SERVICE'] }),
    level: 'restricted',
  },
  ...[
    'AUDIT_WRITE',
    'CHOWN',
    'DAC_OVERRIDE',
    'FOWNER',
    'FSETID',
    'KILL',
    'MKNOD',
    'SETFCAP',
    'SETGID',
    'SETPCAP',
    'SETUID',
    'SYS_CHROOT',
  ].map((cap): Case => ({
    control: 'capabilities_baseline',
    name: `add ${cap} (default set: baseline only)`,
    change: (p) => (sc(p).capabilities = { drop: ['ALL'], add: [cap] }),
    level: 'baseline',
    check: 'capabilities-added',
  })),
  ...['SYS_ADMIN', 'NET_RAW', 'NET_ADMIN', 'SYS_PTRACE', 'ALL', 'chown', 'CAP_CHOWN'].map((cap): Case => ({
    control: 'capabilities_baseline',
    name: `add ${cap}`,
    change: (p) => (sc(p).capabilities = { drop: ['ALL'], add: [cap] }),
    level: 'privileged',
    check: 'capabilities-added',
  })),
  {
    control: 'capabilities_baseline',
    name: 'initContainer adds SYS_ADMIN',
    change: (p) => withInit(p, { capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] } }),
    level: 'privileged',
    check: 'capabilities-added',
  },
  {
    control: 'capabilities_restricted',
    name: 'capabilities unset',
    change: (p) => delete sc(p).capabilities,
    level: 'baseline',
    check: 'capabilities-not-dropped',
  },
  {
    control: 'capabilities_restricted',
    name: 'drop NET_RAW only',
    change: (p) => (sc(p).capabilities = { drop: ['NET_RAW'] }),
    level: 'baseline',
    check: 'capabilities-not-dropped',
  },
  {
    control: 'capabilities_restricted',
    name: 'drop "all" (lower case is not ALL)',
    change: (p) => (sc(p).capabilities = { drop: ['all'] }),
    level: 'baseline',
    check: 'capabilities-not-dropped',
  },
  {
    control: 'capabilities_restricted',
    name: 'capabilities unset before 1.22',
    change: (p) => delete sc(p).capabilities,
    minor: 21,
    level: 'restricted',
  },
  {
    control: 'capabilities_restricted',
    name: 'add CHOWN before 1.22',
    change: (p) => (sc(p).capabilities = { add: ['CHOWN'] }),
    minor: 21,
    level: 'restricted',
  },
  {
    control: 'capabilities_restricted',
    name: 'windows pod without drop at 1.24',
    change: windowsPod,
    minor: 24,
    level: 'baseline',
    check: 'capabilities-not-dropped',
  },
  // ---- baseline: HostPath Volumes (restricted: Volume Types) ----
  {
    control: 'hostPathVolumes',
    name: 'emptyDir volume only',
    change: (p) => (p.spec.volumes = [{ name: 'scratch', emptyDir: {} }]),
    level: 'restricted',
  },
  {
    control: 'hostPathVolumes',
    name: 'hostPath /',
    change: (p) => (p.spec.volumes = [{ name: 'root', hostPath: { path: '/' } }]),
    level: 'privileged',
    check: 'sensitive-host-path',
  },
  {
    control: 'hostPathVolumes',
    name: 'hostPath docker.sock',
    change: (p) =>
      (p.spec.volumes = [{ name: 's', hostPath: { path: '/var/run/docker.sock', type: 'Socket' } }]),
    level: 'privileged',
    check: 'runtime-socket',
  },
  {
    control: 'hostPathVolumes',
    name: 'hostPath /data',
    change: (p) => (p.spec.volumes = [{ name: 'd', hostPath: { path: '/data' } }]),
    level: 'privileged',
    check: 'host-path',
  },
  ...[
    ['configMap', { name: 'cm' }],
    ['csi', { driver: 'x' }],
    ['downwardAPI', { items: [] }],
    ['emptyDir', {}],
    ['ephemeral', { volumeClaimTemplate: { spec: {} } }],
    ['image', { reference: 'registry.example/data:1' }],
    ['persistentVolumeClaim', { claimName: 'c' }],
    ['projected', { sources: [] }],
    ['secret', { secretName: 's' }],
  ].map(([type, body]): Case => ({
    control: 'restrictedVolumes',
    name: `${type as string} volume`,
    change: (p) => (p.spec.volumes = [{ name: 'v', [type as string]: body }]),
    level: 'restricted',
  })),
  {
    control: 'restrictedVolumes',
    name: 'volume without a source (defaulted to emptyDir)',
    change: (p) => (p.spec.volumes = [{ name: 'v' }]),
    level: 'restricted',
  },
  ...[
    'gcePersistentDisk',
    'awsElasticBlockStore',
    'gitRepo',
    'nfs',
    'iscsi',
    'glusterfs',
    'rbd',
    'flexVolume',
    'cinder',
    'cephfs',
    'flocker',
    'fc',
    'azureFile',
    'vsphereVolume',
    'quobyte',
    'azureDisk',
    'portworxVolume',
    'photonPersistentDisk',
    'scaleIO',
    'storageos',
  ].map((type): Case => ({
    control: 'restrictedVolumes',
    name: `${type} volume`,
    change: (p) => (p.spec.volumes = [{ name: 'v', [type]: { path: '/x' } }]),
    level: 'baseline',
    check: 'restricted-volume-type',
  })),
  // ---- baseline: Host Ports ----
  {
    control: 'hostPorts',
    name: 'hostPort 0',
    change: (p) => (p.spec.containers[0]!.ports = [{ containerPort: 80, hostPort: 0 }]),
    level: 'restricted',
  },
  {
    control: 'hostPorts',
    name: 'containerPort only',
    change: (p) => (p.spec.containers[0]!.ports = [{ containerPort: 80 }]),
    level: 'restricted',
  },
  {
    control: 'hostPorts',
    name: 'hostPort 8080',
    change: (p) => (p.spec.containers[0]!.ports = [{ containerPort: 80, hostPort: 8080 }]),
    level: 'privileged',
    check: 'host-port',
  },
  {
    control: 'hostPorts',
    name: 'hostPort 80 on 127.0.0.1',
    change: (p) => (p.spec.containers[0]!.ports = [{ containerPort: 80, hostPort: 80, hostIP: '127.0.0.1' }]),
    level: 'privileged',
    check: 'privileged-host-port',
  },
  // ---- baseline: Host Probes / Lifecycle Hooks (1.34+) ----
  ...(
    [
      ['livenessProbe', { httpGet: { port: 80, host: '169.254.169.254' } }],
      ['readinessProbe', { tcpSocket: { port: 80, host: 'db.internal' } }],
      ['startupProbe', { httpGet: { port: 80, host: '10.0.0.1' } }],
    ] as const
  ).flatMap(([probe, body]): Case[] => [
    {
      control: 'hostProbesAndHostLifecycle',
      name: `${probe} with host`,
      change: (p) => (p.spec.containers[0]![probe] = body),
      level: 'privileged',
      check: 'probe-host',
    },
    {
      control: 'hostProbesAndHostLifecycle',
      name: `${probe} with host before 1.34`,
      change: (p) => (p.spec.containers[0]![probe] = body),
      minor: 33,
      level: 'restricted',
    },
  ]),
  {
    control: 'hostProbesAndHostLifecycle',
    name: 'postStart httpGet host',
    change: (p) => (p.spec.containers[0]!.lifecycle = { postStart: { httpGet: { port: 80, host: 'evil' } } }),
    level: 'privileged',
    check: 'probe-host',
  },
  {
    control: 'hostProbesAndHostLifecycle',
    name: 'preStop tcpSocket host',
    change: (p) => (p.spec.containers[0]!.lifecycle = { preStop: { tcpSocket: { port: 80, host: 'evil' } } }),
    level: 'privileged',
    check: 'probe-host',
  },
  {
    control: 'hostProbesAndHostLifecycle',
    name: 'probe with empty host',
    change: (p) => (p.spec.containers[0]!.livenessProbe = { httpGet: { port: 80, host: '' } }),
    level: 'restricted',
  },
  // ---- baseline: AppArmor ----
  ...['RuntimeDefault', 'Localhost'].map((type): Case => ({
    control: 'appArmorProfile',
    name: `container appArmorProfile ${type}`,
    change: (p) =>
      (sc(p).appArmorProfile = { type, ...(type === 'Localhost' ? { localhostProfile: 'k8s' } : {}) }),
    level: 'restricted',
  })),
  {
    control: 'appArmorProfile',
    name: 'pod appArmorProfile Unconfined',
    change: (p) => (podSc(p).appArmorProfile = { type: 'Unconfined' }),
    level: 'privileged',
    check: 'apparmor-unconfined',
  },
  {
    control: 'appArmorProfile',
    name: 'container appArmorProfile Unconfined',
    change: (p) => (sc(p).appArmorProfile = { type: 'Unconfined' }),
    level: 'privileged',
    check: 'apparmor-unconfined',
  },
  ...['runtime/default', 'localhost/k8s-nginx', ''].map((value): Case => ({
    control: 'appArmorProfile',
    name: `annotation "${value}"`,
    change: (p) => (p.metadata.annotations = { 'container.apparmor.security.beta.kubernetes.io/app': value }),
    level: 'restricted',
  })),
  ...['unconfined', 'docker-default'].map((value): Case => ({
    control: 'appArmorProfile',
    name: `annotation "${value}"`,
    change: (p) => (p.metadata.annotations = { 'container.apparmor.security.beta.kubernetes.io/app': value }),
    level: 'privileged',
    check: 'apparmor-unconfined',
  })),
  // ---- baseline: SELinux ----
  ...['container_t', 'container_init_t', 'container_kvm_t'].map((type): Case => ({
    control: 'seLinuxOptions',
    name: `type ${type}`,
    change: (p) => (sc(p).seLinuxOptions = { type, level: 's0:c123,c456' }),
    level: 'restricted',
  })),
  {
    control: 'seLinuxOptions',
    name: 'type container_engine_t from 1.31',
    change: (p) => (sc(p).seLinuxOptions = { type: 'container_engine_t' }),
    minor: 31,
    level: 'restricted',
  },
  {
    control: 'seLinuxOptions',
    name: 'type container_engine_t before 1.31',
    change: (p) => (sc(p).seLinuxOptions = { type: 'container_engine_t' }),
    minor: 30,
    level: 'privileged',
    check: 'selinux-options',
  },
  {
    control: 'seLinuxOptions',
    name: 'pod type spc_t',
    change: (p) => (podSc(p).seLinuxOptions = { type: 'spc_t' }),
    level: 'privileged',
    check: 'selinux-options',
  },
  {
    control: 'seLinuxOptions',
    name: 'container user set',
    change: (p) => (sc(p).seLinuxOptions = { user: 'system_u' }),
    level: 'privileged',
    check: 'selinux-options',
  },
  {
    control: 'seLinuxOptions',
    name: 'initContainer role set',
    change: (p) => withInit(p, { seLinuxOptions: { role: 'system_r' } }),
    level: 'privileged',
    check: 'selinux-options',
  },
  // ---- baseline: /proc Mount Type (and restricted from 1.35) ----
  {
    control: 'procMount',
    name: 'procMount Default',
    change: (p) => (sc(p).procMount = 'Default'),
    level: 'restricted',
  },
  {
    control: 'procMount',
    name: 'procMount Unmasked',
    change: (p) => (sc(p).procMount = 'Unmasked'),
    level: 'privileged',
    check: 'proc-unmasked',
  },
  {
    control: 'procMount',
    name: 'procMount Unmasked in a user namespace at 1.34',
    change: (p) => {
      p.spec.hostUsers = false;
      sc(p).procMount = 'Unmasked';
    },
    minor: 34,
    level: 'privileged',
    check: 'proc-unmasked',
  },
  {
    control: 'procMount_restricted',
    name: 'procMount Default in a user namespace',
    change: (p) => {
      p.spec.hostUsers = false;
      sc(p).procMount = 'Default';
    },
    level: 'restricted',
  },
  {
    control: 'procMount_restricted',
    name: 'procMount Unmasked in a user namespace from 1.35',
    change: (p) => {
      p.spec.hostUsers = false;
      sc(p).procMount = 'Unmasked';
    },
    level: 'baseline',
    check: 'proc-unmasked',
  },
  // ---- baseline: Seccomp (annotations before 1.19, fields after) ----
  {
    control: 'seccompProfile_baseline',
    name: 'pod seccompProfile Unconfined',
    change: (p) => (podSc(p).seccompProfile = { type: 'Unconfined' }),
    level: 'privileged',
    check: 'seccomp-unconfined',
  },
  {
    control: 'seccompProfile_baseline',
    name: 'container seccompProfile Unconfined',
    change: (p) => (sc(p).seccompProfile = { type: 'Unconfined' }),
    level: 'privileged',
    check: 'seccomp-unconfined',
  },
  {
    control: 'seccompProfile_baseline',
    name: 'container seccompProfile Localhost',
    change: (p) => (sc(p).seccompProfile = { type: 'Localhost', localhostProfile: 'p.json' }),
    level: 'restricted',
  },
  ...['runtime/default', 'docker/default', 'localhost/p.json'].map((value): Case => ({
    control: 'seccompProfile_baseline',
    name: `pod annotation ${value} at 1.18`,
    change: (p) => (p.metadata.annotations = { 'seccomp.security.alpha.kubernetes.io/pod': value }),
    minor: 18,
    level: 'restricted',
  })),
  {
    control: 'seccompProfile_baseline',
    name: 'pod annotation unconfined at 1.18',
    change: (p) => (p.metadata.annotations = { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' }),
    minor: 18,
    level: 'privileged',
    check: 'seccomp-unconfined',
  },
  {
    control: 'seccompProfile_baseline',
    name: 'container annotation unconfined at 1.18',
    change: (p) =>
      (p.metadata.annotations = { 'container.seccomp.security.alpha.kubernetes.io/app': 'unconfined' }),
    minor: 18,
    level: 'privileged',
    check: 'seccomp-unconfined',
  },
  {
    control: 'seccompProfile_baseline',
    name: 'annotation of a container that does not exist at 1.18',
    change: (p) =>
      (p.metadata.annotations = { 'container.seccomp.security.alpha.kubernetes.io/other': 'unconfined' }),
    minor: 18,
    level: 'restricted',
  },
  {
    control: 'seccompProfile_baseline',
    name: 'annotation unconfined from 1.19 (annotations no longer read)',
    change: (p) => (p.metadata.annotations = { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' }),
    level: 'restricted',
  },
  // ---- restricted: Seccomp ----
  {
    control: 'seccompProfile_restricted',
    name: 'seccomp unset',
    change: (p) => delete podSc(p).seccompProfile,
    level: 'baseline',
    check: 'seccomp-not-set',
  },
  {
    control: 'seccompProfile_restricted',
    name: 'seccomp set on the container only',
    change: (p) => {
      delete podSc(p).seccompProfile;
      sc(p).seccompProfile = { type: 'RuntimeDefault' };
    },
    level: 'restricted',
  },
  {
    control: 'seccompProfile_restricted',
    name: 'seccomp on one container of two',
    change: (p) => {
      delete podSc(p).seccompProfile;
      sc(p).seccompProfile = { type: 'RuntimeDefault' };
      withInit(p, {});
    },
    level: 'baseline',
    check: 'seccomp-not-set',
  },
  {
    control: 'seccompProfile_restricted',
    name: 'seccomp unset at 1.18',
    change: (p) => delete podSc(p).seccompProfile,
    minor: 18,
    level: 'restricted',
  },
  {
    control: 'seccompProfile_restricted',
    name: 'windows pod without seccomp from 1.25',
    change: windowsPod,
    level: 'restricted',
  },
  // ---- baseline: Sysctls (the safe set grows by version) ----
  ...[
    'kernel.shm_rmid_forced',
    'net.ipv4.ip_local_port_range',
    'net.ipv4.tcp_syncookies',
    'net.ipv4.ping_group_range',
    'net.ipv4.ip_unprivileged_port_start',
  ].map((name): Case => ({
    control: 'sysctls',
    name: `${name} at 1.0`,
    change: (p) => (podSc(p).sysctls = [{ name, value: '1' }]),
    minor: 0,
    level: 'restricted',
  })),
  ...(
    [
      ['net.ipv4.ip_local_reserved_ports', 27],
      ['net.ipv4.tcp_keepalive_time', 29],
      ['net.ipv4.tcp_fin_timeout', 29],
      ['net.ipv4.tcp_keepalive_intvl', 29],
      ['net.ipv4.tcp_keepalive_probes', 29],
      ['net.ipv4.tcp_rmem', 32],
      ['net.ipv4.tcp_wmem', 32],
      ['net.ipv4.tcp_slow_start_after_idle', 37],
      ['net.ipv4.tcp_notsent_lowat', 37],
    ] as const
  ).flatMap(([name, since]): Case[] => [
    {
      control: 'sysctls',
      name: `${name} from 1.${since}`,
      change: (p) => (podSc(p).sysctls = [{ name, value: '1' }]),
      minor: since,
      level: 'restricted',
    },
    {
      control: 'sysctls',
      name: `${name} before 1.${since}`,
      change: (p) => (podSc(p).sysctls = [{ name, value: '1' }]),
      minor: since - 1,
      level: 'privileged',
      check: 'unsafe-sysctls',
    },
  ]),
  {
    control: 'sysctls',
    name: 'kernel.msgmax',
    change: (p) => (podSc(p).sysctls = [{ name: 'kernel.msgmax', value: '65536' }]),
    level: 'privileged',
    check: 'unsafe-sysctls',
  },
  // ---- restricted: Privilege Escalation ----
  {
    control: 'allowPrivilegeEscalation',
    name: 'allowPrivilegeEscalation unset',
    change: (p) => delete sc(p).allowPrivilegeEscalation,
    level: 'baseline',
    check: 'no-new-privileges',
  },
  {
    control: 'allowPrivilegeEscalation',
    name: 'allowPrivilegeEscalation true',
    change: (p) => (sc(p).allowPrivilegeEscalation = true),
    level: 'baseline',
    check: 'no-new-privileges',
  },
  {
    control: 'allowPrivilegeEscalation',
    name: 'allowPrivilegeEscalation unset before 1.8',
    change: (p) => delete sc(p).allowPrivilegeEscalation,
    minor: 7,
    level: 'restricted',
  },
  {
    control: 'allowPrivilegeEscalation',
    name: 'initContainer allowPrivilegeEscalation true',
    change: (p) => withInit(p, { allowPrivilegeEscalation: true }),
    level: 'baseline',
    check: 'no-new-privileges',
  },
  {
    control: 'allowPrivilegeEscalation',
    name: 'windows pod without it at 1.24',
    change: (p) => {
      windowsPod(p);
      sc(p).capabilities = { drop: ['ALL'] };
    },
    minor: 24,
    level: 'baseline',
    check: 'no-new-privileges',
  },
  // ---- restricted: Running as Non-root ----
  {
    control: 'runAsNonRoot',
    name: 'runAsNonRoot unset',
    change: (p) => delete podSc(p).runAsNonRoot,
    level: 'baseline',
    check: 'non-root-not-enforced',
  },
  {
    control: 'runAsNonRoot',
    name: 'pod runAsNonRoot false',
    change: (p) => (podSc(p).runAsNonRoot = false),
    level: 'baseline',
    check: 'non-root-not-enforced',
  },
  {
    control: 'runAsNonRoot',
    name: 'container runAsNonRoot false under pod true',
    change: (p) => (sc(p).runAsNonRoot = false),
    level: 'baseline',
    check: 'non-root-not-enforced',
  },
  {
    control: 'runAsNonRoot',
    name: 'container runAsNonRoot true, pod unset',
    change: (p) => {
      delete podSc(p).runAsNonRoot;
      sc(p).runAsNonRoot = true;
    },
    level: 'restricted',
  },
  {
    control: 'runAsNonRoot',
    name: 'runAsUser 1000 without runAsNonRoot',
    change: (p) => {
      delete podSc(p).runAsNonRoot;
      podSc(p).runAsUser = 1000;
    },
    level: 'baseline',
    check: 'non-root-not-enforced',
  },
  {
    control: 'runAsNonRoot',
    name: 'runAsNonRoot unset in a user namespace from 1.35',
    change: (p) => {
      delete podSc(p).runAsNonRoot;
      p.spec.hostUsers = false;
    },
    level: 'restricted',
  },
  {
    control: 'runAsNonRoot',
    name: 'runAsNonRoot unset in a user namespace at 1.34',
    change: (p) => {
      delete podSc(p).runAsNonRoot;
      p.spec.hostUsers = false;
    },
    minor: 34,
    level: 'baseline',
    check: 'non-root-not-enforced',
  },
  // ---- restricted: Running as Non-root user (1.23+) ----
  {
    control: 'runAsUser',
    name: 'runAsUser 1000',
    change: (p) => (sc(p).runAsUser = 1000),
    level: 'restricted',
  },
  {
    control: 'runAsUser',
    name: 'pod runAsUser 0',
    change: (p) => (podSc(p).runAsUser = 0),
    level: 'baseline',
    check: 'run-as-root',
  },
  {
    control: 'runAsUser',
    name: 'container runAsUser 0',
    change: (p) => (sc(p).runAsUser = 0),
    level: 'baseline',
    check: 'run-as-root',
  },
  {
    control: 'runAsUser',
    name: 'pod runAsUser 0 overridden by the container',
    change: (p) => {
      podSc(p).runAsUser = 0;
      sc(p).runAsUser = 1000;
    },
    level: 'baseline',
    check: 'run-as-root',
  },
  {
    control: 'runAsUser',
    name: 'runAsUser 0 before 1.23',
    change: (p) => (sc(p).runAsUser = 0),
    minor: 22,
    level: 'restricted',
    check: 'run-as-root',
  },
  {
    control: 'runAsUser',
    name: 'runAsUser 0 in a user namespace from 1.35',
    change: (p) => {
      sc(p).runAsUser = 0;
      p.spec.hostUsers = false;
    },
    level: 'restricted',
    check: 'run-as-root',
  },
];

function scan(spec: Spec, minor: number): { level: PssLevel; findings: Finding[]; problems: InputProblem[] } {
  const problems: InputProblem[] = [];
  const [w] = workloadsFromManifest({ apiVersion: 'v1', kind: 'Pod', ...spec }, new FieldReader(problems));
  if (!w) throw new Error('no workload');
  return {
    level: evaluatePss(w.pod, minor).level,
    findings: checkWorkload(w, { pssMinor: minor }),
    problems,
  };
}

const ORDER: readonly PssLevel[] = ['privileged', 'baseline', 'restricted'];
const lowest = (findings: readonly Finding[]): PssLevel =>
  findings.reduce<PssLevel>((m, f) => (ORDER.indexOf(f.pss) < ORDER.indexOf(m) ? f.pss : m), 'restricted');

describe('Pod Security Standards conformance', () => {
  it('starts from a pod that meets restricted at every version', () => {
    for (let minor = 0; minor <= LATEST_PSS_MINOR; minor++) {
      const r = scan(restrictedPod(), minor);
      expect(r.level).toBe('restricted');
      expect(r.findings).toEqual([]);
      expect(r.problems).toEqual([]);
    }
  });

  it('has a passing and a failing spec for every control', () => {
    for (const control of PSS_CONTROLS) {
      const cases = CASES.filter((c) => c.control === control.id);
      const failLevel = control.level === 'baseline' ? 'privileged' : 'baseline';
      expect(
        cases.some((c) => c.level === failLevel),
        `${control.id} failing`,
      ).toBe(true);
      expect(
        cases.some((c) => c.level !== failLevel),
        `${control.id} passing`,
      ).toBe(true);
    }
  });

  describe.each(
    CASES.map((c) => [`${c.control}: ${c.name}${c.minor !== undefined ? ` @1.${c.minor}` : ''}`, c] as const),
  )('%s', (_name, c) => {
    const spec = restrictedPod();
    c.change(spec);
    const minor = c.minor ?? LATEST_PSS_MINOR;
    const result = scan(spec, minor);

    it.each(ORDER.map((level) => [level] as const))('level %s', (level) => {
      const allowed = ORDER.indexOf(level) <= ORDER.indexOf(c.level);
      const ev = evaluatePss(
        workloadsFromManifest({ apiVersion: 'v1', kind: 'Pod', ...spec }, new FieldReader([]))[0]!.pod,
        minor,
      );
      const admits =
        level === 'privileged' || (level === 'baseline' ? ev.baseline : ev.restricted).length === 0;
      expect(admits).toBe(allowed);
    });

    it(`the findings' lowest pss is ${c.level}`, () => {
      expect(result.problems).toEqual([]);
      expect(result.level).toBe(c.level);
      expect(lowest(result.findings)).toBe(c.level);
      if (c.check !== undefined) {
        const hit = result.findings.find((f) => f.check === c.check);
        expect(hit, `finding ${c.check}`).toBeDefined();
        expect(hit!.pss).toBe(c.level);
        expect(hit!.cis === null || /^\d+\.\d+$/.test(hit!.cis)).toBe(true);
      }
    });
  });
});
