import type { ContainerSpec, FieldOrigin, PodSpec, PssLevel } from './model.js';

/**
 * The Kubernetes Pod Security Standards, control by control and version by version, as defined on
 * the "Pod Security Standards" page and enforced by the PodSecurity admission library
 * (k8s.io/pod-security-admission). Each control keeps every version of its rule: a pod is judged
 * by the newest rule at or below the requested Kubernetes minor version.
 *
 * A control reports violations rather than pass/fail, one per offending field, so findings can
 * name the exact container and field.
 */

/** The newest Kubernetes minor version whose definitions differ from the one before (1.37 adds two sysctls). */
export const LATEST_PSS_MINOR = 37;

export type PssControlId =
  | 'hostProcess'
  | 'hostNamespaces'
  | 'privileged'
  | 'capabilities_baseline'
  | 'hostPathVolumes'
  | 'hostPorts'
  | 'hostProbesAndHostLifecycle'
  | 'appArmorProfile'
  | 'seLinuxOptions'
  | 'procMount'
  | 'seccompProfile_baseline'
  | 'sysctls'
  | 'restrictedVolumes'
  | 'allowPrivilegeEscalation'
  | 'runAsNonRoot'
  | 'runAsUser'
  | 'seccompProfile_restricted'
  | 'capabilities_restricted'
  | 'procMount_restricted';

/** What exactly a violation is about; checks pick violations by facet. */
export type PssFacet =
  | 'hostProcess'
  | 'hostNetwork'
  | 'hostPID'
  | 'hostIPC'
  | 'privileged'
  | 'capabilitiesAdd'
  | 'capabilitiesDrop'
  | 'hostPath'
  | 'volumeType'
  | 'hostPort'
  | 'probeHost'
  | 'appArmor'
  | 'seLinux'
  | 'procMount'
  | 'seccomp'
  | 'seccompMissing'
  | 'sysctl'
  | 'allowPrivilegeEscalation'
  | 'runAsNonRoot'
  | 'runAsUser';

export interface PssViolation {
  readonly control: PssControlId;
  readonly level: 'baseline' | 'restricted';
  readonly facet: PssFacet;
  /** The container it is about; absent for pod-level fields. */
  readonly container?: string;
  /** What inside the scope: a volume, port, annotation or sysctl name, or the container itself. */
  readonly subject: string;
  /** The offending value, in words: `privileged: true`, `hostPath /var/run/docker.sock`. */
  readonly detail: string;
  readonly origin?: FieldOrigin;
}

type Found = Omit<PssViolation, 'control' | 'level'>;
type CheckPod = (pod: PodSpec) => Found[];

interface ControlVersion {
  /** The first Kubernetes 1.x minor version this rule applies to. */
  readonly since: number;
  readonly check: CheckPod;
  /** Baseline controls this restricted rule replaces when judging the restricted level. */
  readonly overrides?: readonly PssControlId[];
}

export interface PssControl {
  readonly id: PssControlId;
  /** The control's name on the Pod Security Standards page. */
  readonly name: string;
  readonly level: 'baseline' | 'restricted';
  readonly versions: readonly ControlVersion[];
}

// ---- field helpers ----

const at = (o: { at: Record<string, FieldOrigin | undefined> }, key: string): FieldOrigin | undefined =>
  o.at[key] ?? o.at.self;

function each(pod: PodSpec, f: (c: ContainerSpec) => Found[]): Found[] {
  return pod.containers.flatMap(f);
}

const isWindows = (pod: PodSpec): boolean => pod.os === 'windows';
/** hostUsers: false puts the pod in a user namespace, which relaxes some rules from 1.35. */
const inUserNamespace = (pod: PodSpec): boolean => pod.hostUsers === false;

// ---- baseline ----

const hostProcess: CheckPod = (pod) => {
  const out: Found[] = [];
  if (pod.windowsHostProcess === true)
    out.push({
      facet: 'hostProcess',
      subject: 'pod',
      detail: 'windowsOptions.hostProcess: true',
      origin: at(pod, 'windowsHostProcess'),
    });
  return out.concat(
    each(pod, (c) =>
      c.windowsHostProcess === true
        ? [
            {
              facet: 'hostProcess',
              container: c.name,
              subject: c.name,
              detail: 'windowsOptions.hostProcess: true',
              origin: at(c, 'windowsHostProcess'),
            },
          ]
        : [],
    ),
  );
};

const hostNamespaces: CheckPod = (pod) =>
  (['hostNetwork', 'hostPID', 'hostIPC'] as const)
    .filter((k) => pod[k] === true)
    .map((k) => ({ facet: k, subject: k, detail: `${k}: true`, origin: at(pod, k) }));

const privileged: CheckPod = (pod) =>
  each(pod, (c) =>
    c.privileged === true
      ? [
          {
            facet: 'privileged',
            container: c.name,
            subject: c.name,
            detail: 'privileged: true',
            origin: at(c, 'privileged'),
          },
        ]
      : [],
  );

/** The capabilities baseline allows adding: Docker's default set less NET_RAW. */
export const BASELINE_CAPABILITIES: ReadonlySet<string> = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

const capabilitiesBaseline: CheckPod = (pod) =>
  each(pod, (c) => {
    const bad = (c.capabilities?.add ?? []).filter((cap) => !BASELINE_CAPABILITIES.has(cap));
    return bad.length === 0
      ? []
      : [
          {
            facet: 'capabilitiesAdd',
            container: c.name,
            subject: c.name,
            detail: `capabilities.add: ${bad.join(', ')}`,
            origin: at(c, 'capabilitiesAdd'),
          },
        ];
  });

const hostPathVolumes: CheckPod = (pod) =>
  pod.volumes
    .filter((v) => v.source === 'hostPath')
    .map((v) => ({
      facet: 'hostPath' as const,
      subject: v.name,
      detail: `hostPath ${v.hostPath ?? '(no path)'}`,
      origin: at(v, 'hostPath'),
    }));

const hostPorts: CheckPod = (pod) =>
  each(pod, (c) =>
    c.ports
      .filter((p) => p.hostPort !== undefined && p.hostPort !== 0)
      .map((p) => ({
        facet: 'hostPort' as const,
        container: c.name,
        subject: String(p.hostPort),
        detail: `hostPort ${p.hostPort}${p.hostIP ? ` on ${p.hostIP}` : ''}${p.containerPort !== undefined ? ` -> ${p.containerPort}` : ''}`,
        origin: at(c, 'ports'),
      })),
  );

const hostProbes: CheckPod = (pod) =>
  each(pod, (c) =>
    c.probeHosts
      .filter((p) => p.host !== '')
      .map((p) => ({
        facet: 'probeHost' as const,
        container: c.name,
        subject: `${p.handler}=${p.host}`,
        detail: `${p.handler}: ${p.host}`,
        origin: at(c, 'probeHosts'),
      })),
  );

const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

const appArmorTypeAllowed = (t: string): boolean => t === 'RuntimeDefault' || t === 'Localhost';
const appArmorAnnotationAllowed = (v: string): boolean =>
  v === '' || v === 'runtime/default' || v.startsWith('localhost/');

const appArmor: CheckPod = (pod) => {
  const out: Found[] = [];
  if (pod.appArmorProfile && !appArmorTypeAllowed(pod.appArmorProfile.type))
    out.push({
      facet: 'appArmor',
      subject: 'pod',
      detail: `appArmorProfile.type: ${pod.appArmorProfile.type || '""'}`,
      origin: at(pod, 'appArmorProfile'),
    });
  out.push(
    ...each(pod, (c) =>
      c.appArmorProfile && !appArmorTypeAllowed(c.appArmorProfile.type)
        ? [
            {
              facet: 'appArmor',
              container: c.name,
              subject: c.name,
              detail: `appArmorProfile.type: ${c.appArmorProfile.type || '""'}`,
              origin: at(c, 'appArmorProfile'),
            },
          ]
        : [],
    ),
  );
  for (const [key, value] of Object.entries(pod.annotations)) {
    if (!key.startsWith(APPARMOR_ANNOTATION_PREFIX) || appArmorAnnotationAllowed(value)) continue;
    const name = key.slice(APPARMOR_ANNOTATION_PREFIX.length);
    const container = pod.containers.some((c) => c.name === name) ? name : undefined;
    out.push({
      facet: 'appArmor',
      ...(container !== undefined ? { container } : {}),
      subject: key,
      detail: `annotation ${key}: ${value}`,
      origin: at(pod, 'annotations'),
    });
  }
  return out;
};

const SELINUX_TYPES_1_0 = ['', 'container_t', 'container_init_t', 'container_kvm_t'];
const SELINUX_TYPES_1_31 = [...SELINUX_TYPES_1_0, 'container_engine_t'];

function seLinux(allowedTypes: readonly string[]): CheckPod {
  const problems = (o: { seLinuxOptions?: PodSpec['seLinuxOptions'] }): string[] => {
    const s = o.seLinuxOptions;
    if (!s) return [];
    const p: string[] = [];
    if (!allowedTypes.includes(s.type ?? '')) p.push(`type ${s.type}`);
    if (s.user) p.push(`user ${s.user}`);
    if (s.role) p.push(`role ${s.role}`);
    return p;
  };
  return (pod) => {
    const out: Found[] = [];
    const podBad = problems(pod);
    if (podBad.length > 0)
      out.push({
        facet: 'seLinux',
        subject: 'pod',
        detail: `seLinuxOptions: ${podBad.join(', ')}`,
        origin: at(pod, 'seLinuxOptions'),
      });
    return out.concat(
      each(pod, (c) => {
        const bad = problems(c);
        return bad.length === 0
          ? []
          : [
              {
                facet: 'seLinux',
                container: c.name,
                subject: c.name,
                detail: `seLinuxOptions: ${bad.join(', ')}`,
                origin: at(c, 'seLinuxOptions'),
              },
            ];
      }),
    );
  };
}

const procMountAny: CheckPod = (pod) =>
  each(pod, (c) =>
    c.procMount !== undefined && c.procMount !== 'Default'
      ? [
          {
            facet: 'procMount',
            container: c.name,
            subject: c.name,
            detail: `procMount: ${c.procMount}`,
            origin: at(c, 'procMount'),
          },
        ]
      : [],
  );

const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';

const seccompTypeAllowed = (t: string): boolean => t === 'RuntimeDefault' || t === 'Localhost';
const seccompAnnotationAllowed = (v: string): boolean =>
  v === 'runtime/default' || v === 'docker/default' || v.startsWith('localhost/');

/** Before 1.19 seccomp was set by alpha annotations. */
const seccompBaselineAnnotations: CheckPod = (pod) => {
  const out: Found[] = [];
  const podValue = pod.annotations[SECCOMP_POD_ANNOTATION];
  if (podValue !== undefined && !seccompAnnotationAllowed(podValue))
    out.push({
      facet: 'seccomp',
      subject: SECCOMP_POD_ANNOTATION,
      detail: `annotation ${SECCOMP_POD_ANNOTATION}: ${podValue}`,
      origin: at(pod, 'annotations'),
    });
  return out.concat(
    each(pod, (c) => {
      const key = SECCOMP_CONTAINER_ANNOTATION_PREFIX + c.name;
      const value = pod.annotations[key];
      return value !== undefined && !seccompAnnotationAllowed(value)
        ? [
            {
              facet: 'seccomp',
              container: c.name,
              subject: key,
              detail: `annotation ${key}: ${value}`,
              origin: at(pod, 'annotations'),
            },
          ]
        : [];
    }),
  );
};

/** From 1.19 the seccompProfile field: explicit values must be RuntimeDefault or Localhost. */
const seccompBaselineFields: CheckPod = (pod) => {
  const out: Found[] = [];
  if (pod.seccompProfile && !seccompTypeAllowed(pod.seccompProfile.type))
    out.push({
      facet: 'seccomp',
      subject: 'pod',
      detail: `seccompProfile.type: ${pod.seccompProfile.type || '""'}`,
      origin: at(pod, 'seccompProfile'),
    });
  return out.concat(
    each(pod, (c) =>
      c.seccompProfile && !seccompTypeAllowed(c.seccompProfile.type)
        ? [
            {
              facet: 'seccomp',
              container: c.name,
              subject: c.name,
              detail: `seccompProfile.type: ${c.seccompProfile.type || '""'}`,
              origin: at(c, 'seccompProfile'),
            },
          ]
        : [],
    ),
  );
};

/** The "safe" sysctls, as the list grew by version. */
export const SAFE_SYSCTLS: readonly { readonly since: number; readonly names: readonly string[] }[] = [
  {
    since: 0,
    names: [
      'kernel.shm_rmid_forced',
      'net.ipv4.ip_local_port_range',
      'net.ipv4.tcp_syncookies',
      'net.ipv4.ping_group_range',
      'net.ipv4.ip_unprivileged_port_start',
    ],
  },
  { since: 27, names: ['net.ipv4.ip_local_reserved_ports'] },
  {
    since: 29,
    names: [
      'net.ipv4.tcp_keepalive_time',
      'net.ipv4.tcp_fin_timeout',
      'net.ipv4.tcp_keepalive_intvl',
      'net.ipv4.tcp_keepalive_probes',
    ],
  },
  { since: 32, names: ['net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'] },
  { since: 37, names: ['net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_notsent_lowat'] },
];

export function safeSysctls(minor: number): Set<string> {
  return new Set(SAFE_SYSCTLS.filter((s) => s.since <= minor).flatMap((s) => s.names));
}

function sysctls(minor: number): CheckPod {
  const allowed = safeSysctls(minor);
  return (pod) =>
    pod.sysctls
      .filter((s) => !allowed.has(s.name))
      .map((s) => ({
        facet: 'sysctl' as const,
        subject: s.name,
        detail: `sysctl ${s.name}=${s.value}`,
        origin: at(pod, 'sysctls'),
      }));
}

// ---- restricted ----

/** The inline volume sources restricted allows. */
export const RESTRICTED_VOLUME_SOURCES: ReadonlySet<string> = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'image',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

const restrictedVolumes: CheckPod = (pod) =>
  pod.volumes
    .filter((v) => !RESTRICTED_VOLUME_SOURCES.has(v.source))
    .map((v) =>
      v.source === 'hostPath'
        ? {
            facet: 'hostPath' as const,
            subject: v.name,
            detail: `hostPath ${v.hostPath ?? '(no path)'}`,
            origin: at(v, 'hostPath'),
          }
        : {
            facet: 'volumeType' as const,
            subject: v.name,
            detail: `volume ${v.name} of type ${v.source}`,
            origin: at(v, 'self'),
          },
    );

const allowPrivilegeEscalation: CheckPod = (pod) =>
  each(pod, (c) =>
    c.allowPrivilegeEscalation !== false
      ? [
          {
            facet: 'allowPrivilegeEscalation',
            container: c.name,
            subject: c.name,
            detail:
              c.allowPrivilegeEscalation === undefined
                ? 'allowPrivilegeEscalation not set to false'
                : 'allowPrivilegeEscalation: true',
            origin: at(c, 'allowPrivilegeEscalation'),
          },
        ]
      : [],
  );

const windowsExempt =
  (check: CheckPod): CheckPod =>
  (pod) =>
    isWindows(pod) ? [] : check(pod);

const userNamespaceExempt =
  (check: CheckPod): CheckPod =>
  (pod) =>
    inUserNamespace(pod) ? [] : check(pod);

const runAsNonRoot: CheckPod = (pod) => {
  const out: Found[] = [];
  if (pod.runAsNonRoot === false)
    out.push({
      facet: 'runAsNonRoot',
      subject: 'pod',
      detail: 'runAsNonRoot: false',
      origin: at(pod, 'runAsNonRoot'),
    });
  const podTrue = pod.runAsNonRoot === true;
  return out.concat(
    each(pod, (c) => {
      if (c.runAsNonRoot === false)
        return [
          {
            facet: 'runAsNonRoot',
            container: c.name,
            subject: c.name,
            detail: 'runAsNonRoot: false',
            origin: at(c, 'runAsNonRoot'),
          },
        ];
      // An unset container value is fine only under a pod-level true; an explicit pod false is reported above.
      if (c.runAsNonRoot === undefined && !podTrue && pod.runAsNonRoot !== false)
        return [
          {
            facet: 'runAsNonRoot',
            container: c.name,
            subject: c.name,
            detail: 'runAsNonRoot not set to true (pod or container)',
            origin: at(c, 'runAsNonRoot'),
          },
        ];
      return [];
    }),
  );
};

const runAsUser: CheckPod = (pod) => {
  const out: Found[] = [];
  if (pod.runAsUser === 0)
    out.push({ facet: 'runAsUser', subject: 'pod', detail: 'runAsUser: 0', origin: at(pod, 'runAsUser') });
  return out.concat(
    each(pod, (c) =>
      c.runAsUser === 0
        ? [
            {
              facet: 'runAsUser',
              container: c.name,
              subject: c.name,
              detail: 'runAsUser: 0',
              origin: at(c, 'runAsUser'),
            },
          ]
        : [],
    ),
  );
};

const seccompRestricted: CheckPod = (pod) => {
  const out: Found[] = [];
  let podSet = false;
  if (pod.seccompProfile) {
    if (!seccompTypeAllowed(pod.seccompProfile.type))
      out.push({
        facet: 'seccomp',
        subject: 'pod',
        detail: `seccompProfile.type: ${pod.seccompProfile.type || '""'}`,
        origin: at(pod, 'seccompProfile'),
      });
    else podSet = true;
  }
  return out.concat(
    each(pod, (c) => {
      if (c.seccompProfile) {
        return seccompTypeAllowed(c.seccompProfile.type)
          ? []
          : [
              {
                facet: 'seccomp',
                container: c.name,
                subject: c.name,
                detail: `seccompProfile.type: ${c.seccompProfile.type || '""'}`,
                origin: at(c, 'seccompProfile'),
              },
            ];
      }
      return podSet
        ? []
        : [
            {
              facet: 'seccompMissing',
              container: c.name,
              subject: c.name,
              detail: 'seccompProfile not set to RuntimeDefault or Localhost (pod or container)',
              origin: at(c, 'seccompProfile'),
            },
          ];
    }),
  );
};

const capabilitiesRestricted: CheckPod = (pod) =>
  each(pod, (c) => {
    const out: Found[] = [];
    if (!(c.capabilities?.drop ?? []).includes('ALL'))
      out.push({
        facet: 'capabilitiesDrop',
        container: c.name,
        subject: c.name,
        detail: 'capabilities.drop does not include ALL',
        origin: at(c, 'capabilitiesDrop'),
      });
    const bad = (c.capabilities?.add ?? []).filter((cap) => cap !== 'NET_BIND_SERVICE');
    if (bad.length > 0)
      out.push({
        facet: 'capabilitiesAdd',
        container: c.name,
        subject: c.name,
        detail: `capabilities.add: ${bad.join(', ')}`,
        origin: at(c, 'capabilitiesAdd'),
      });
    return out;
  });

/** Every control, in the order of the Pod Security Standards page. */
export const PSS_CONTROLS: readonly PssControl[] = [
  { id: 'hostProcess', name: 'HostProcess', level: 'baseline', versions: [{ since: 0, check: hostProcess }] },
  {
    id: 'hostNamespaces',
    name: 'Host Namespaces',
    level: 'baseline',
    versions: [{ since: 0, check: hostNamespaces }],
  },
  {
    id: 'privileged',
    name: 'Privileged Containers',
    level: 'baseline',
    versions: [{ since: 0, check: privileged }],
  },
  {
    id: 'capabilities_baseline',
    name: 'Capabilities',
    level: 'baseline',
    versions: [{ since: 0, check: capabilitiesBaseline }],
  },
  {
    id: 'hostPathVolumes',
    name: 'HostPath Volumes',
    level: 'baseline',
    versions: [{ since: 0, check: hostPathVolumes }],
  },
  { id: 'hostPorts', name: 'Host Ports', level: 'baseline', versions: [{ since: 0, check: hostPorts }] },
  {
    id: 'hostProbesAndHostLifecycle',
    name: 'Host Probes / Lifecycle Hooks',
    level: 'baseline',
    versions: [{ since: 34, check: hostProbes }],
  },
  { id: 'appArmorProfile', name: 'AppArmor', level: 'baseline', versions: [{ since: 0, check: appArmor }] },
  {
    id: 'seLinuxOptions',
    name: 'SELinux',
    level: 'baseline',
    versions: [
      { since: 0, check: seLinux(SELINUX_TYPES_1_0) },
      { since: 31, check: seLinux(SELINUX_TYPES_1_31) },
    ],
  },
  {
    id: 'procMount',
    name: '/proc Mount Type',
    level: 'baseline',
    versions: [
      { since: 0, check: procMountAny },
      { since: 35, check: userNamespaceExempt(procMountAny) },
    ],
  },
  {
    id: 'seccompProfile_baseline',
    name: 'Seccomp',
    level: 'baseline',
    versions: [
      { since: 0, check: seccompBaselineAnnotations },
      { since: 19, check: seccompBaselineFields },
    ],
  },
  {
    id: 'sysctls',
    name: 'Sysctls',
    level: 'baseline',
    versions: SAFE_SYSCTLS.map((s) => ({ since: s.since, check: sysctls(s.since) })),
  },
  {
    id: 'restrictedVolumes',
    name: 'Volume Types',
    level: 'restricted',
    versions: [{ since: 0, check: restrictedVolumes, overrides: ['hostPathVolumes'] }],
  },
  {
    id: 'allowPrivilegeEscalation',
    name: 'Privilege Escalation',
    level: 'restricted',
    versions: [
      { since: 8, check: allowPrivilegeEscalation },
      { since: 25, check: windowsExempt(allowPrivilegeEscalation) },
    ],
  },
  {
    id: 'runAsNonRoot',
    name: 'Running as Non-root',
    level: 'restricted',
    versions: [
      { since: 0, check: runAsNonRoot },
      { since: 35, check: userNamespaceExempt(runAsNonRoot) },
    ],
  },
  {
    id: 'runAsUser',
    name: 'Running as Non-root user',
    level: 'restricted',
    versions: [
      { since: 23, check: runAsUser },
      { since: 35, check: userNamespaceExempt(runAsUser) },
    ],
  },
  {
    id: 'seccompProfile_restricted',
    name: 'Seccomp',
    level: 'restricted',
    versions: [
      { since: 19, check: seccompRestricted, overrides: ['seccompProfile_baseline'] },
      { since: 25, check: windowsExempt(seccompRestricted), overrides: ['seccompProfile_baseline'] },
    ],
  },
  {
    id: 'capabilities_restricted',
    name: 'Capabilities',
    level: 'restricted',
    versions: [
      { since: 22, check: capabilitiesRestricted, overrides: ['capabilities_baseline'] },
      { since: 25, check: windowsExempt(capabilitiesRestricted), overrides: ['capabilities_baseline'] },
    ],
  },
  {
    id: 'procMount_restricted',
    name: '/proc Mount Type',
    level: 'restricted',
    versions: [{ since: 35, check: procMountAny, overrides: ['procMount'] }],
  },
];

/** The rule of a control in force at a minor version, or undefined before the control existed. */
export function ruleAt(control: PssControl, minor: number): ControlVersion | undefined {
  let found: ControlVersion | undefined;
  for (const v of control.versions) if (v.since <= minor) found = v;
  return found;
}

/** Parses `latest`, `1.30` or `v1.30` into a 1.x minor version; later versions than known mean latest. */
export function parsePssVersion(text: string): number {
  const t = text.trim().toLowerCase();
  if (t === 'latest') return LATEST_PSS_MINOR;
  const m = /^v?1\.(\d{1,3})$/.exec(t);
  if (!m) throw new Error(`invalid Pod Security Standards version "${text}": use latest, 1.N or v1.N`);
  return Math.min(Number(m[1]), LATEST_PSS_MINOR);
}

export interface PssEvaluation {
  /** Violations of the baseline level's rules. */
  readonly baseline: readonly PssViolation[];
  /** Violations of the restricted level's rules (baseline rules not overridden, plus restricted ones). */
  readonly restricted: readonly PssViolation[];
  /** The most restrictive level the pod meets. */
  readonly level: PssLevel;
}

function run(control: PssControl, rule: ControlVersion, pod: PodSpec): PssViolation[] {
  return rule.check(pod).map((f) => ({ ...f, control: control.id, level: control.level }));
}

/** Judges a pod (or pod template) against both levels at a Kubernetes minor version. */
export function evaluatePss(pod: PodSpec, minor: number = LATEST_PSS_MINOR): PssEvaluation {
  const baseline: PssViolation[] = [];
  const restrictedOnly: PssViolation[] = [];
  const overridden = new Set<PssControlId>();
  for (const control of PSS_CONTROLS) {
    const rule = ruleAt(control, minor);
    if (!rule) continue;
    if (control.level === 'baseline') baseline.push(...run(control, rule, pod));
    else {
      restrictedOnly.push(...run(control, rule, pod));
      for (const id of rule.overrides ?? []) overridden.add(id);
    }
  }
  const restricted = [...baseline.filter((v) => !overridden.has(v.control)), ...restrictedOnly];
  const level: PssLevel =
    baseline.length > 0 ? 'privileged' : restricted.length > 0 ? 'baseline' : 'restricted';
  return { baseline, restricted, level };
}
