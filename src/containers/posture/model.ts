/**
 * One model for every source the posture scanner reads (Docker Engine API, `docker inspect`
 * files, Compose files, Kubernetes manifests and live clusters). It follows the Kubernetes pod
 * spec, because the Pod Security Standards are defined on it; Docker-only settings (UTS and user
 * namespaces, devices, mount propagation) sit beside it. Values are plain data so a workload can
 * be built anywhere (the live watcher builds one per container event) and checked later.
 */

export type SourceKind = 'docker' | 'compose' | 'kubernetes';

/** Where a field came from: its path in the source (for evidence) and its line when read from a file. */
export interface FieldOrigin {
  readonly path: string;
  readonly line?: number;
}

/** Field origins by model field name; `self` is the object itself (used when a field is absent). */
export type Origins = Readonly<Record<string, FieldOrigin | undefined>>;

export interface SeccompProfile {
  /** Kubernetes types: RuntimeDefault, Localhost, Unconfined (any other text is kept as written). */
  readonly type: string;
  readonly localhostProfile?: string;
}

export interface AppArmorProfile {
  /** Kubernetes types: RuntimeDefault, Localhost, Unconfined. */
  readonly type: string;
  readonly localhostProfile?: string;
}

export interface SELinuxOptions {
  readonly user?: string;
  readonly role?: string;
  readonly type?: string;
  readonly level?: string;
}

export interface PortSpec {
  readonly containerPort?: number;
  readonly hostPort?: number;
  readonly hostIP?: string;
  readonly protocol?: string;
}

export interface VolumeMount {
  /** The pod volume it mounts (Docker and Compose mounts get a generated volume name). */
  readonly name: string;
  readonly mountPath: string;
  readonly readOnly?: boolean;
  /** Kubernetes mountPropagation, or the Docker propagation mode (shared, rshared, slave, ...). */
  readonly propagation?: string;
}

/** A host named in a probe or lifecycle handler (httpGet.host or tcpSocket.host). */
export interface ProbeHost {
  readonly handler: string;
  readonly host: string;
}

export interface ContainerSpec {
  readonly name: string;
  readonly role: 'container' | 'initContainer' | 'ephemeralContainer';
  readonly image?: string;
  readonly privileged?: boolean;
  /** Capabilities as written (Kubernetes compares them verbatim; Docker names are normalized by the reader). */
  readonly capabilities?: { readonly add: readonly string[]; readonly drop: readonly string[] };
  readonly allowPrivilegeEscalation?: boolean;
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  /** The user as the source wrote it (Docker `User`, Compose `user`), for evidence. */
  readonly user?: string;
  readonly readOnlyRootFilesystem?: boolean;
  readonly seccompProfile?: SeccompProfile;
  readonly appArmorProfile?: AppArmorProfile;
  readonly seLinuxOptions?: SELinuxOptions;
  readonly procMount?: string;
  readonly windowsHostProcess?: boolean;
  readonly ports: readonly PortSpec[];
  readonly volumeMounts: readonly VolumeMount[];
  readonly probeHosts: readonly ProbeHost[];
  /** Host devices passed in (Docker `Devices`, Compose `devices`). */
  readonly devices: readonly string[];
  readonly at: Origins;
}

export interface VolumeSpec {
  readonly name: string;
  /** The volume source key: hostPath, emptyDir, configMap, nfs, ... ('unknown' when none is recognised). */
  readonly source: string;
  readonly hostPath?: string;
  readonly at: Origins;
}

export interface PodSpec {
  readonly hostNetwork?: boolean;
  readonly hostPID?: boolean;
  readonly hostIPC?: boolean;
  /** Docker only: the host's UTS namespace (Kubernetes shares it only with hostNetwork). */
  readonly hostUTS?: boolean;
  /** Docker only: `--userns=host` when the daemon remaps users. */
  readonly hostUserns?: boolean;
  /** Kubernetes `hostUsers`; false puts the pod in a user namespace. */
  readonly hostUsers?: boolean;
  /** `spec.os.name` (linux, windows). */
  readonly os?: string;
  readonly annotations: Readonly<Record<string, string>>;
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly seccompProfile?: SeccompProfile;
  readonly appArmorProfile?: AppArmorProfile;
  readonly seLinuxOptions?: SELinuxOptions;
  readonly sysctls: readonly { readonly name: string; readonly value: string }[];
  readonly windowsHostProcess?: boolean;
  readonly volumes: readonly VolumeSpec[];
  readonly containers: readonly ContainerSpec[];
  readonly at: Origins;
}

/** A thing that runs containers: a Docker container, a Compose service, a pod or a pod template. */
export interface Workload {
  /** A stable name for reports: `docker:NAME`, `compose:PROJECT/SERVICE`, `k8s:KIND/NAMESPACE/NAME`. */
  readonly target: string;
  readonly source: SourceKind;
  /** The file it was read from, when it was read from a file. */
  readonly file?: string;
  readonly pod: PodSpec;
}

/** A problem in an input: what is wrong and where. Scanning goes on past it. */
export interface InputProblem {
  readonly message: string;
  readonly file?: string;
  readonly line?: number;
  readonly target?: string;
}

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** Pod Security Standards levels, from the most permissive to the most restrictive. */
export const PSS_LEVELS = ['privileged', 'baseline', 'restricted'] as const;
export type PssLevel = (typeof PSS_LEVELS)[number];

export interface Finding {
  readonly target: string;
  /** The container it is about; absent for pod-wide settings (host namespaces, volumes, sysctls). */
  readonly container?: string;
  readonly check: string;
  readonly title: string;
  readonly severity: Severity;
  /** The CIS Docker Benchmark v1.6.0 recommendation it breaks, or null when none covers it. */
  readonly cis: string | null;
  /** The most restrictive Pod Security Standards level that still allows it. */
  readonly pss: PssLevel;
  readonly evidence: string;
  readonly remediation: string;
  readonly source: SourceKind;
  readonly location?: { readonly file: string; readonly line?: number };
}

/** Effective container settings: a container value wins over the pod's. */
export function effective<K extends 'runAsNonRoot' | 'runAsUser' | 'seccompProfile' | 'appArmorProfile'>(
  pod: PodSpec,
  c: ContainerSpec,
  key: K,
): ContainerSpec[K] | PodSpec[K] {
  return c[key] !== undefined ? c[key] : pod[key];
}
