import {
  classifyHostPath,
  DANGEROUS_CAPABILITIES,
  isDockerInDockerImage,
  normalizeCapability,
} from './host-paths.js';
import {
  severityRank,
  type ContainerSpec,
  type FieldOrigin,
  type Finding,
  type PodSpec,
  type PssLevel,
  type Severity,
  type Workload,
} from './model.js';
import {
  BASELINE_CAPABILITIES,
  evaluatePss,
  LATEST_PSS_MINOR,
  type PssFacet,
  type PssViolation,
} from './pss.js';

/**
 * The posture checks, as data. A check reports two kinds of evidence:
 * - the Pod Security Standards violations of its facets (so every PSS violation lands in a finding,
 *   and a finding's `pss` is the most restrictive level that its violations still allow);
 * - its own `detect` conditions, for risks the PSS leave out (UTS namespace, writable root
 *   filesystem, Docker-in-Docker) or that must be reported at every PSS version (running as root).
 * Evidence of one check about the same container and subject becomes one finding.
 */

export interface Hit {
  readonly container?: string;
  readonly subject: string;
  readonly detail: string;
  readonly origin?: FieldOrigin;
}

export interface CheckDefinition {
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  /** CIS Docker Benchmark v1.6.0 recommendation, or null when no recommendation covers it. */
  readonly cis: string | null;
  /** Why it matters, for SARIF help and the docs. */
  readonly help: string;
  readonly remediation: string;
  readonly facets?: readonly PssFacet[];
  /** Narrows the facets' violations this check takes (host paths are split by what they expose). */
  readonly accepts?: (v: PssViolation, pod: PodSpec) => boolean;
  readonly detect?: (w: Workload) => Hit[];
  /** Another check whose finding about the same container folds into this one (said once, not twice). */
  readonly absorbs?: string;
  /** A finding's severity when it depends on the evidence (which capability, which path). */
  readonly rate?: (pod: PodSpec, container: ContainerSpec | undefined, subject: string) => Severity;
}

const at = (o: { at: Record<string, FieldOrigin | undefined> }, key: string): FieldOrigin | undefined =>
  o.at[key] ?? o.at.self;

const volumePath = (pod: PodSpec, name: string): string | undefined =>
  pod.volumes.find((v) => v.name === name)?.hostPath;

const hostPathIs =
  (cls: ReturnType<typeof classifyHostPath>) =>
  (v: PssViolation, pod: PodSpec): boolean =>
    classifyHostPath(volumePath(pod, v.subject) ?? '') === cls;

const perContainer = (
  w: Workload,
  when: (c: ContainerSpec, pod: PodSpec) => string | undefined,
  key: string,
): Hit[] =>
  w.pod.containers.flatMap((c) => {
    const detail = when(c, w.pod);
    return detail === undefined ? [] : [{ container: c.name, subject: c.name, detail, origin: at(c, key) }];
  });

const notWindows = (pod: PodSpec): boolean => pod.os !== 'windows';

function seccompSetByAnnotation(pod: PodSpec, c: ContainerSpec): boolean {
  const v =
    pod.annotations[`container.seccomp.security.alpha.kubernetes.io/${c.name}`] ??
    pod.annotations['seccomp.security.alpha.kubernetes.io/pod'];
  return v !== undefined && (v === 'runtime/default' || v === 'docker/default' || v.startsWith('localhost/'));
}

export const CHECKS: readonly CheckDefinition[] = [
  {
    id: 'privileged',
    title: 'Privileged container',
    severity: 'critical',
    cis: '5.5',
    help: 'A privileged container has every capability, all host devices, and no seccomp, AppArmor or /proc masking: root in it is root on the host.',
    remediation:
      'Remove privileged mode (Docker --privileged, Compose privileged, securityContext.privileged); add only the capabilities the workload needs.',
    facets: ['privileged'],
  },
  {
    id: 'runtime-socket',
    title: 'Container runtime socket mounted',
    severity: 'critical',
    cis: '5.32',
    help: 'Whoever can reach the Docker, containerd, CRI-O or Podman socket can start a privileged container with the host filesystem mounted: it is the host.',
    remediation:
      'Do not mount the runtime socket or the folder that holds it; give the workload a narrowly scoped API (a socket proxy with an allow-list) if it truly needs one.',
    facets: ['hostPath'],
    accepts: hostPathIs('runtime-socket'),
  },
  {
    id: 'sensitive-host-path',
    title: 'Sensitive host path mounted',
    severity: 'high',
    cis: '5.6',
    help: "Host system folders (/, /etc, /proc, /sys, /root, /var/lib/docker, /var/lib/kubelet, ...) hold the host's credentials, kernel interfaces and other containers' data.",
    remediation:
      'Mount only the application folder the container needs, read-only where possible, or use a volume.',
    facets: ['hostPath'],
    accepts: hostPathIs('sensitive'),
    rate: (pod, _c, subject) =>
      volumePath(pod, subject)?.trim().replace(/\/+$/, '') === '' ? 'critical' : 'high',
  },
  {
    id: 'host-path',
    title: 'Host path mounted',
    severity: 'low',
    cis: null,
    help: 'A host folder mounted into the container ties it to the node and lets it read or change host files; the Pod Security Standards baseline forbids hostPath volumes.',
    remediation: 'Prefer a named volume, emptyDir, configMap, secret or persistentVolumeClaim.',
    facets: ['hostPath'],
    accepts: hostPathIs('other'),
  },
  {
    id: 'capabilities-added',
    title: 'Linux capabilities added',
    severity: 'medium',
    cis: '5.4',
    help: 'Capabilities beyond the runtime default (SYS_ADMIN, SYS_PTRACE, NET_ADMIN, ALL, ...) give kernel powers that lead out of the container.',
    remediation: 'Drop the added capabilities; if one is truly needed, add only it and drop ALL others.',
    facets: ['capabilitiesAdd'],
    detect: (w) =>
      perContainer(
        w,
        (c) => {
          const added = (c.capabilities?.add ?? []).filter(
            (x) => normalizeCapability(x) !== 'NET_BIND_SERVICE',
          );
          return added.length > 0 ? `capabilities added: ${added.join(', ')}` : undefined;
        },
        'capabilitiesAdd',
      ),
    rate: (_pod, c) => {
      const added = (c?.capabilities?.add ?? []).map(normalizeCapability);
      if (added.some((x) => DANGEROUS_CAPABILITIES.has(x))) return 'high';
      return added.some((x) => !BASELINE_CAPABILITIES.has(x)) ? 'medium' : 'low';
    },
  },
  {
    id: 'capabilities-not-dropped',
    title: 'Capabilities not dropped',
    severity: 'low',
    cis: '5.4',
    help: "Without dropping ALL, the container keeps the runtime's default capabilities (NET_RAW, MKNOD, SETUID, ...), more than most services need.",
    remediation:
      'Drop ALL capabilities and add back only what is needed (usually nothing, or NET_BIND_SERVICE).',
    facets: ['capabilitiesDrop'],
    detect: (w) =>
      notWindows(w.pod)
        ? perContainer(
            w,
            (c) =>
              (c.capabilities?.drop ?? []).some((x) => normalizeCapability(x) === 'ALL')
                ? undefined
                : 'capabilities.drop does not include ALL',
            'capabilitiesDrop',
          )
        : [],
  },
  {
    id: 'host-network',
    title: "Host's network namespace shared",
    severity: 'high',
    cis: '5.10',
    help: "With the host's network the container sees every host interface, can bind host ports and reach services listening on localhost.",
    remediation:
      'Remove network_mode: host / --network host / hostNetwork: true; publish only the ports needed.',
    facets: ['hostNetwork'],
  },
  {
    id: 'host-pid',
    title: "Host's process namespace shared",
    severity: 'high',
    cis: '5.16',
    help: 'With the host PID namespace the container sees and can signal or trace every host process, and read their environments.',
    remediation: 'Remove pid: host / --pid host / hostPID: true.',
    facets: ['hostPID'],
  },
  {
    id: 'host-ipc',
    title: "Host's IPC namespace shared",
    severity: 'high',
    cis: '5.17',
    help: "With the host IPC namespace the container can read and write the host's shared memory segments and message queues.",
    remediation: 'Remove ipc: host / --ipc host / hostIPC: true.',
    facets: ['hostIPC'],
  },
  {
    id: 'host-uts',
    title: "Host's UTS namespace shared",
    severity: 'medium',
    cis: '5.21',
    help: "With the host UTS namespace the container can change the host's hostname and domain name.",
    remediation: 'Remove uts: host / --uts host.',
    detect: (w) =>
      w.pod.hostUTS === true
        ? [{ subject: 'hostUTS', detail: 'UTS namespace: host', origin: at(w.pod, 'hostUTS') }]
        : [],
  },
  {
    id: 'host-userns',
    title: "Host's user namespace shared",
    severity: 'low',
    cis: '5.31',
    help: "With --userns=host the container escapes the daemon's user remapping: its root is the host's root.",
    remediation: 'Remove userns_mode: host / --userns host.',
    detect: (w) =>
      w.pod.hostUserns === true
        ? [{ subject: 'hostUserns', detail: 'user namespace: host', origin: at(w.pod, 'hostUserns') }]
        : [],
  },
  {
    id: 'privileged-host-port',
    title: 'Privileged host port bound',
    severity: 'low',
    cis: '5.8',
    help: 'Ports below 1024 are privileged on the host; binding them from a container takes a port reserved for system services.',
    remediation:
      'Map the service to a host port of 1024 or above, or expose it through a Service or reverse proxy.',
    facets: ['hostPort'],
    accepts: (v) => Number(v.subject) < 1024,
  },
  {
    id: 'host-port',
    title: 'Host port bound',
    severity: 'low',
    cis: '5.14',
    help: 'A host port publishes the container on the node itself; bound without an address it listens on every host interface.',
    remediation:
      'Bind published ports to one host address (127.0.0.1:8080:80), or use a Service instead of hostPort.',
    facets: ['hostPort'],
    accepts: (v) => Number(v.subject) >= 1024,
  },
  {
    id: 'apparmor-unconfined',
    title: 'AppArmor profile disabled or overridden',
    severity: 'high',
    cis: '5.2',
    help: 'Without the runtime default AppArmor profile the container loses the mandatory access control that blocks mounts, /proc writes and raw kernel interfaces.',
    remediation:
      'Use the runtime default profile (RuntimeDefault, runtime/default) or a Localhost profile; remove apparmor=unconfined.',
    facets: ['appArmor'],
    rate: (pod, c) => {
      const t = (c?.appArmorProfile ?? pod.appArmorProfile)?.type;
      return t === undefined || t === 'Unconfined' ? 'high' : 'medium';
    },
  },
  {
    id: 'selinux-options',
    title: 'Custom SELinux options',
    severity: 'medium',
    cis: '5.3',
    help: 'A custom SELinux user, role or type (spc_t, unconfined_t) lifts the label that confines the container.',
    remediation:
      'Leave seLinuxOptions unset, or use the container types (container_t, container_init_t, container_kvm_t, container_engine_t).',
    facets: ['seLinux'],
  },
  {
    id: 'proc-unmasked',
    title: '/proc not masked',
    severity: 'medium',
    cis: null,
    help: 'An unmasked /proc exposes host kernel interfaces that the runtime normally hides or makes read-only.',
    remediation: 'Remove procMount: Unmasked / --security-opt systempaths=unconfined.',
    facets: ['procMount'],
  },
  {
    id: 'seccomp-unconfined',
    title: 'Seccomp disabled',
    severity: 'high',
    cis: '5.22',
    help: 'Without a seccomp profile every system call is open, including the ones behind most kernel escapes.',
    remediation:
      'Use the runtime default profile (RuntimeDefault) or a Localhost profile; remove seccomp=unconfined.',
    facets: ['seccomp'],
  },
  {
    id: 'seccomp-not-set',
    title: 'Seccomp profile not set',
    severity: 'low',
    cis: '5.22',
    help: 'Kubernetes runs containers without seccomp unless a profile is set (or the kubelet defaults to RuntimeDefault); restricted requires one.',
    remediation: 'Set securityContext.seccompProfile.type: RuntimeDefault at pod level.',
    facets: ['seccompMissing'],
    detect: (w) =>
      w.source === 'kubernetes' && notWindows(w.pod)
        ? perContainer(
            w,
            (c, pod) =>
              (c.seccompProfile ?? pod.seccompProfile) === undefined && !seccompSetByAnnotation(pod, c)
                ? 'seccompProfile not set (pod or container)'
                : undefined,
            'seccompProfile',
          )
        : [],
  },
  {
    id: 'unsafe-sysctls',
    title: 'Unsafe sysctls set',
    severity: 'medium',
    cis: null,
    help: 'Sysctls outside the safe, namespaced set change kernel settings for the whole node or weaken its isolation.',
    remediation: 'Remove the sysctl, or set it on the node instead of in the workload.',
    facets: ['sysctl'],
  },
  {
    id: 'probe-host',
    title: 'Probe or lifecycle hook targets another host',
    severity: 'medium',
    cis: null,
    help: 'A host in an httpGet or tcpSocket probe or hook makes the kubelet connect to an address of your choice, from the node.',
    remediation: 'Remove the host field so probes and hooks target the pod itself.',
    facets: ['probeHost'],
  },
  {
    id: 'windows-host-process',
    title: 'Windows HostProcess container',
    severity: 'critical',
    cis: null,
    help: 'A HostProcess container runs directly on the Windows node, with host privileges.',
    remediation: 'Remove windowsOptions.hostProcess.',
    facets: ['hostProcess'],
  },
  {
    id: 'restricted-volume-type',
    title: 'Volume type outside the restricted set',
    severity: 'low',
    cis: null,
    help: 'Restricted allows only configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected and secret volumes.',
    remediation:
      'Use a persistentVolumeClaim (the storage is then defined by a PersistentVolume) instead of the inline volume.',
    facets: ['volumeType'],
  },
  {
    id: 'no-new-privileges',
    title: 'Privilege escalation allowed',
    severity: 'low',
    cis: '5.26',
    help: 'Without no-new-privileges a process can gain privileges through set-user-ID or set-group-ID programs and file capabilities.',
    remediation:
      'Docker: --security-opt no-new-privileges (Compose security_opt: [no-new-privileges:true]); Kubernetes: allowPrivilegeEscalation: false.',
    facets: ['allowPrivilegeEscalation'],
    detect: (w) =>
      notWindows(w.pod)
        ? perContainer(
            w,
            (c) =>
              c.allowPrivilegeEscalation === false
                ? undefined
                : w.source === 'kubernetes'
                  ? 'allowPrivilegeEscalation not set to false'
                  : 'no-new-privileges not set',
            'allowPrivilegeEscalation',
          )
        : [],
  },
  {
    id: 'run-as-root',
    title: 'Runs as root',
    severity: 'medium',
    cis: '4.1',
    help: 'A process running as root in the container is root on the host if it escapes, and owns every file the container can reach.',
    remediation:
      'Run as a non-root user: USER in the image, --user / user:, or runAsUser with runAsNonRoot: true.',
    facets: ['runAsUser'],
    absorbs: 'non-root-not-enforced',
    detect: (w) => {
      const hits: Hit[] = [];
      if (w.pod.runAsUser === 0)
        hits.push({ subject: 'pod', detail: 'runAsUser: 0', origin: at(w.pod, 'runAsUser') });
      for (const c of w.pod.containers)
        if (c.runAsUser === 0)
          hits.push({
            container: c.name,
            subject: c.name,
            detail: c.user !== undefined ? `user: ${c.user || '(not set: root)'}` : 'runAsUser: 0',
            origin: at(c, 'runAsUser'),
          });
      return hits;
    },
  },
  {
    id: 'non-root-not-enforced',
    title: 'Non-root user not enforced',
    severity: 'low',
    cis: '4.1',
    help: "Unless runAsNonRoot is true (or a non-root user is fixed), the image's USER decides, and most images run as root.",
    remediation:
      'Set runAsNonRoot: true (and a runAsUser) in the pod securityContext; in Compose set user: to a non-root UID.',
    facets: ['runAsNonRoot'],
    detect: (w) =>
      w.source === 'compose'
        ? perContainer(
            w,
            (c) =>
              c.runAsUser === undefined && c.runAsNonRoot !== true
                ? "user not set: the image's USER decides"
                : undefined,
            'runAsUser',
          )
        : [],
  },
  {
    id: 'writable-root-filesystem',
    title: 'Root filesystem writable',
    severity: 'low',
    cis: '5.13',
    help: 'A writable root filesystem lets an intruder change binaries and drop tools inside the container.',
    remediation:
      'Run with a read-only root filesystem (--read-only, read_only: true, readOnlyRootFilesystem: true) and mount writable volumes only where needed.',
    detect: (w) =>
      notWindows(w.pod)
        ? perContainer(
            w,
            (c) => (c.readOnlyRootFilesystem === true ? undefined : 'root filesystem is writable'),
            'readOnlyRootFilesystem',
          )
        : [],
  },
  {
    id: 'mount-propagation-shared',
    title: 'Mount propagation shared with the host',
    severity: 'medium',
    cis: '5.20',
    help: 'Shared (bidirectional) propagation lets mounts made in the container appear on the host.',
    remediation:
      'Use the default private propagation; remove shared/rshared or mountPropagation: Bidirectional.',
    detect: (w) =>
      w.pod.containers.flatMap((c) =>
        c.volumeMounts
          .filter((m) => ['shared', 'rshared', 'Bidirectional'].includes(m.propagation ?? ''))
          .map((m) => ({
            container: c.name,
            subject: m.mountPath,
            detail: `${m.mountPath} propagation ${m.propagation}`,
            origin: at(c, 'volumeMounts'),
          })),
      ),
  },
  {
    id: 'host-devices',
    title: 'Host devices exposed',
    severity: 'medium',
    cis: '5.18',
    help: 'A host device passed into the container (disks, /dev/mem, GPUs) gives raw access to it, around file permissions.',
    remediation: 'Remove the device, or pass it read-only (:r) if the workload only reads it.',
    detect: (w) =>
      perContainer(
        w,
        (c) => (c.devices.length > 0 ? `devices: ${c.devices.join(', ')}` : undefined),
        'devices',
      ),
  },
  {
    id: 'docker-in-docker',
    title: 'Docker-in-Docker image',
    severity: 'medium',
    cis: '5.5',
    help: 'A Docker-in-Docker image runs its own container engine, which needs a privileged container; anyone who reaches that engine controls the container host.',
    remediation:
      'Build images with a daemonless builder (BuildKit rootless, Kaniko, Buildah) instead of a Docker daemon in a container.',
    detect: (w) =>
      w.pod.containers
        .filter((c) => c.image !== undefined && isDockerInDockerImage(c.image))
        .map((c) => ({
          container: c.name,
          subject: c.name,
          detail: `image ${c.image}`,
          origin: at(c, 'image'),
        })),
  },
];

export interface PostureOptions {
  /** Kubernetes 1.x minor version of the Pod Security Standards (default: latest). */
  readonly pssMinor?: number;
}

interface Group {
  check: CheckDefinition;
  container?: string;
  subject: string;
  hits: Hit[];
  violations: PssViolation[];
}

function pssOf(violations: readonly PssViolation[]): PssLevel {
  if (violations.some((v) => v.level === 'baseline')) return 'privileged';
  return violations.length > 0 ? 'baseline' : 'restricted';
}

function uniq(items: readonly string[]): string[] {
  return [...new Set(items)];
}

/** Runs every check over a workload and returns its findings, most severe first. */
export function checkWorkload(w: Workload, options: PostureOptions = {}): Finding[] {
  const evaluation = evaluatePss(w.pod, options.pssMinor ?? LATEST_PSS_MINOR);
  const violations = [...evaluation.baseline, ...evaluation.restricted];
  const groups = new Map<string, Group>();
  const groupFor = (check: CheckDefinition, container: string | undefined, subject: string): Group => {
    const key = `${check.id}\u0000${container ?? ''}\u0000${subject}`;
    let g = groups.get(key);
    if (!g) {
      g = { check, ...(container !== undefined ? { container } : {}), subject, hits: [], violations: [] };
      groups.set(key, g);
    }
    return g;
  };
  for (const check of CHECKS) {
    for (const v of violations) {
      if (!check.facets?.includes(v.facet)) continue;
      if (check.accepts && !check.accepts(v, w.pod)) continue;
      groupFor(check, v.container, v.subject).violations.push(v);
    }
    for (const hit of check.detect?.(w) ?? []) groupFor(check, hit.container, hit.subject).hits.push(hit);
  }
  for (const [key, g] of groups) {
    if (!g.check.absorbs) continue;
    for (const [otherKey, other] of groups) {
      if (other.check.id !== g.check.absorbs || other.container !== g.container || otherKey === key) continue;
      g.violations.push(...other.violations);
      groups.delete(otherKey);
    }
  }
  const findings: Finding[] = [];
  for (const g of groups.values()) {
    const container = w.pod.containers.find((c) => c.name === g.container);
    const severity = g.check.rate?.(w.pod, container, g.subject) ?? g.check.severity;
    const details = g.hits.length > 0 ? [g.hits[0]!.detail] : uniq(g.violations.map((v) => v.detail));
    const origins = [...g.hits.map((h) => h.origin), ...g.violations.map((v) => v.origin)].filter(
      (o): o is FieldOrigin => o !== undefined,
    );
    const origin = origins.find((o) => o.line !== undefined) ?? origins[0];
    findings.push({
      target: w.target,
      ...(g.container !== undefined ? { container: g.container } : {}),
      check: g.check.id,
      title: g.check.title,
      severity,
      cis: g.check.cis,
      pss: pssOf(g.violations),
      evidence: describeEvidence(w, g, details, origin),
      remediation: g.check.remediation,
      source: w.source,
      ...(w.file !== undefined
        ? { location: { file: w.file, ...(origin?.line !== undefined ? { line: origin.line } : {}) } }
        : {}),
    });
  }
  return sortFindings(findings);
}

function describeEvidence(w: Workload, g: Group, details: readonly string[], origin?: FieldOrigin): string {
  let text = details.join('; ');
  if (g.check.facets?.includes('hostPath')) {
    const mounts = w.pod.containers.flatMap((c) =>
      c.volumeMounts.filter((m) => m.name === g.subject).map((m) => `${c.name}:${m.mountPath}`),
    );
    if (mounts.length > 0) text += ` mounted at ${mounts.join(', ')}`;
  }
  return origin ? `${text} (${origin.path})` : text;
}

/** Plain code-unit order: stable across locales, and far cheaper than localeCompare on many findings. */
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      cmp(a.target, b.target) ||
      cmp(a.container ?? '', b.container ?? '') ||
      cmp(a.check, b.check),
  );
}
