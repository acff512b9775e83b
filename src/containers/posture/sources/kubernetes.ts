import type {
  AppArmorProfile,
  ContainerSpec,
  PodSpec,
  PortSpec,
  ProbeHost,
  SeccompProfile,
  SELinuxOptions,
  VolumeMount,
  VolumeSpec,
  Workload,
} from '../model.js';
import { FieldReader, isRecord, type Path } from './fields.js';

/** Where each workload kind keeps its pod template. */
export const POD_TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: [],
  PodTemplate: ['template'],
  Deployment: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

const CONTAINER_LISTS = [
  ['containers', 'container'],
  ['initContainers', 'initContainer'],
  ['ephemeralContainers', 'ephemeralContainer'],
] as const;

const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;
const HOOKS = ['postStart', 'preStop'] as const;

function readProfile(
  sc: Record<string, unknown> | undefined,
  key: 'seccompProfile' | 'appArmorProfile',
  r: FieldReader,
  p: Path,
): SeccompProfile | AppArmorProfile | undefined {
  const m = r.map(sc, key, p);
  if (!m) return undefined;
  const localhostProfile = r.str(m, 'localhostProfile', [...p, key]);
  // A profile object without a type is read as the empty type, which no level allows.
  return {
    type: r.str(m, 'type', [...p, key]) ?? '',
    ...(localhostProfile !== undefined ? { localhostProfile } : {}),
  };
}

function readSELinux(
  sc: Record<string, unknown> | undefined,
  r: FieldReader,
  p: Path,
): SELinuxOptions | undefined {
  const m = r.map(sc, 'seLinuxOptions', p);
  if (!m) return undefined;
  const q = [...p, 'seLinuxOptions'];
  const out: { user?: string; role?: string; type?: string; level?: string } = {};
  for (const k of ['user', 'role', 'type', 'level'] as const) {
    const v = r.str(m, k, q);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

function readHandlerHosts(
  handler: unknown,
  name: string,
  r: FieldReader,
  p: Path,
): (ProbeHost & { path: Path })[] {
  if (!isRecord(handler)) return [];
  const out: (ProbeHost & { path: Path })[] = [];
  for (const kind of ['httpGet', 'tcpSocket'] as const) {
    const host = r.str(r.map(handler, kind, p), 'host', [...p, kind]);
    if (host !== undefined && host !== '')
      out.push({ handler: `${name}.${kind}.host`, host, path: [...p, kind, 'host'] });
  }
  return out;
}

function readContainer(
  c: Record<string, unknown>,
  role: ContainerSpec['role'],
  index: number,
  r: FieldReader,
  p: Path,
): ContainerSpec {
  const name = r.str(c, 'name', p) ?? `${role}-${index}`;
  const scPath = [...p, 'securityContext'];
  const sc = r.map(c, 'securityContext', p);
  const caps = r.map(sc, 'capabilities', scPath);
  const capPath = [...scPath, 'capabilities'];
  const ports: PortSpec[] = [];
  (r.list(c, 'ports', p) ?? []).forEach((port, i) => {
    const pp = [...p, 'ports', i];
    if (!isRecord(port)) return r.problem(pp, 'expected a port map');
    const containerPort = r.int(port, 'containerPort', pp);
    const hostPort = r.int(port, 'hostPort', pp);
    const hostIP = r.str(port, 'hostIP', pp);
    const protocol = r.str(port, 'protocol', pp);
    ports.push({
      ...(containerPort !== undefined ? { containerPort } : {}),
      ...(hostPort !== undefined ? { hostPort } : {}),
      ...(hostIP ? { hostIP } : {}),
      ...(protocol ? { protocol } : {}),
    });
  });
  const volumeMounts: VolumeMount[] = [];
  (r.list(c, 'volumeMounts', p) ?? []).forEach((m, i) => {
    const mp = [...p, 'volumeMounts', i];
    if (!isRecord(m)) return r.problem(mp, 'expected a volumeMount map');
    const vname = r.str(m, 'name', mp);
    const mountPath = r.str(m, 'mountPath', mp);
    if (vname === undefined || mountPath === undefined) return;
    const readOnly = r.bool(m, 'readOnly', mp);
    const propagation = r.str(m, 'mountPropagation', mp);
    volumeMounts.push({
      name: vname,
      mountPath,
      ...(readOnly !== undefined ? { readOnly } : {}),
      ...(propagation ? { propagation } : {}),
    });
  });
  const probeHosts: (ProbeHost & { path: Path })[] = [];
  for (const probe of PROBES)
    probeHosts.push(...readHandlerHosts(r.map(c, probe, p), probe, r, [...p, probe]));
  const lifecycle = r.map(c, 'lifecycle', p);
  for (const hook of HOOKS)
    probeHosts.push(
      ...readHandlerHosts(r.map(lifecycle, hook, [...p, 'lifecycle']), `lifecycle.${hook}`, r, [
        ...p,
        'lifecycle',
        hook,
      ]),
    );
  const image = r.str(c, 'image', p);
  const privileged = r.bool(sc, 'privileged', scPath);
  const allowPrivilegeEscalation = r.bool(sc, 'allowPrivilegeEscalation', scPath);
  const runAsNonRoot = r.bool(sc, 'runAsNonRoot', scPath);
  const runAsUser = r.int(sc, 'runAsUser', scPath);
  const readOnlyRootFilesystem = r.bool(sc, 'readOnlyRootFilesystem', scPath);
  const seccompProfile = readProfile(sc, 'seccompProfile', r, scPath);
  const appArmorProfile = readProfile(sc, 'appArmorProfile', r, scPath);
  const seLinuxOptions = readSELinux(sc, r, scPath);
  const procMount = r.str(sc, 'procMount', scPath);
  const windowsHostProcess = r.bool(r.map(sc, 'windowsOptions', scPath), 'hostProcess', [
    ...scPath,
    'windowsOptions',
  ]);
  const o = (...rest: (string | number)[]) => r.origin([...p, ...rest]);
  return {
    name,
    role,
    ...(image !== undefined ? { image } : {}),
    ...(privileged !== undefined ? { privileged } : {}),
    ...(caps
      ? {
          capabilities: {
            add: r.strings(caps, 'add', capPath) ?? [],
            drop: r.strings(caps, 'drop', capPath) ?? [],
          },
        }
      : {}),
    ...(allowPrivilegeEscalation !== undefined ? { allowPrivilegeEscalation } : {}),
    ...(runAsNonRoot !== undefined ? { runAsNonRoot } : {}),
    ...(runAsUser !== undefined ? { runAsUser } : {}),
    ...(readOnlyRootFilesystem !== undefined ? { readOnlyRootFilesystem } : {}),
    ...(seccompProfile ? { seccompProfile } : {}),
    ...(appArmorProfile ? { appArmorProfile } : {}),
    ...(seLinuxOptions ? { seLinuxOptions } : {}),
    ...(procMount !== undefined ? { procMount } : {}),
    ...(windowsHostProcess !== undefined ? { windowsHostProcess } : {}),
    ports,
    volumeMounts,
    probeHosts: probeHosts.map(({ handler, host }) => ({ handler, host })),
    devices: [],
    at: {
      self: o(),
      image: o('image'),
      privileged: o('securityContext', 'privileged'),
      capabilitiesAdd: o('securityContext', 'capabilities', 'add'),
      capabilitiesDrop: o('securityContext', 'capabilities', 'drop'),
      allowPrivilegeEscalation: o('securityContext', 'allowPrivilegeEscalation'),
      runAsNonRoot: o('securityContext', 'runAsNonRoot'),
      runAsUser: o('securityContext', 'runAsUser'),
      readOnlyRootFilesystem: o('securityContext', 'readOnlyRootFilesystem'),
      seccompProfile: o('securityContext', 'seccompProfile'),
      appArmorProfile: o('securityContext', 'appArmorProfile'),
      seLinuxOptions: o('securityContext', 'seLinuxOptions'),
      procMount: o('securityContext', 'procMount'),
      windowsHostProcess: o('securityContext', 'windowsOptions', 'hostProcess'),
      ports: o('ports'),
      volumeMounts: o('volumeMounts'),
      probeHosts: probeHosts[0] ? r.origin(probeHosts[0].path) : o('livenessProbe'),
    },
  };
}

function readVolumes(spec: Record<string, unknown>, r: FieldReader, p: Path): VolumeSpec[] {
  const out: VolumeSpec[] = [];
  (r.list(spec, 'volumes', p) ?? []).forEach((v, i) => {
    const vp = [...p, 'volumes', i];
    if (!isRecord(v)) return r.problem(vp, 'expected a volume map');
    const name = r.str(v, 'name', vp) ?? `volume-${i}`;
    // The API server defaults a volume without a source to emptyDir before admission sees it.
    const source =
      Object.keys(v).find((k) => k !== 'name' && v[k] !== null && v[k] !== undefined) ?? 'emptyDir';
    const hostPath =
      source === 'hostPath' ? r.str(r.map(v, 'hostPath', vp), 'path', [...vp, 'hostPath']) : undefined;
    out.push({
      name,
      source,
      ...(hostPath !== undefined ? { hostPath } : {}),
      at: { self: r.origin(vp), hostPath: r.origin([...vp, 'hostPath', 'path']) },
    });
  });
  return out;
}

/** A pod spec (and its metadata's annotations) at `p` as the model's pod. */
export function readPodSpec(
  metadata: unknown,
  spec: Record<string, unknown>,
  r: FieldReader,
  metaPath: Path,
  p: Path,
): PodSpec {
  const scPath = [...p, 'securityContext'];
  const sc = r.map(spec, 'securityContext', p);
  const containers: ContainerSpec[] = [];
  for (const [key, role] of CONTAINER_LISTS) {
    (r.list(spec, key, p) ?? []).forEach((c, i) => {
      if (isRecord(c)) containers.push(readContainer(c, role, i, r, [...p, key, i]));
      else r.problem([...p, key, i], 'expected a container map');
    });
  }
  const sysctls: { name: string; value: string }[] = [];
  (r.list(sc, 'sysctls', scPath) ?? []).forEach((s, i) => {
    const sp = [...scPath, 'sysctls', i];
    const name = isRecord(s) ? r.str(s, 'name', sp) : undefined;
    if (name === undefined) return r.problem(sp, 'expected a sysctl with a name');
    sysctls.push({ name, value: r.text(s, 'value', sp) ?? '' });
  });
  const optional = <T>(key: string, v: T | undefined): Record<string, T> =>
    v !== undefined ? { [key]: v } : {};
  const o = (...rest: (string | number)[]) => r.origin([...p, ...rest]);
  return {
    ...optional('hostNetwork', r.bool(spec, 'hostNetwork', p)),
    ...optional('hostPID', r.bool(spec, 'hostPID', p)),
    ...optional('hostIPC', r.bool(spec, 'hostIPC', p)),
    ...optional('hostUsers', r.bool(spec, 'hostUsers', p)),
    ...optional('os', r.str(r.map(spec, 'os', p), 'name', [...p, 'os'])),
    annotations: r.stringMap(metadata, 'annotations', metaPath),
    ...optional('runAsNonRoot', r.bool(sc, 'runAsNonRoot', scPath)),
    ...optional('runAsUser', r.int(sc, 'runAsUser', scPath)),
    ...optional('seccompProfile', readProfile(sc, 'seccompProfile', r, scPath)),
    ...optional('appArmorProfile', readProfile(sc, 'appArmorProfile', r, scPath)),
    ...optional('seLinuxOptions', readSELinux(sc, r, scPath)),
    ...optional(
      'windowsHostProcess',
      r.bool(r.map(sc, 'windowsOptions', scPath), 'hostProcess', [...scPath, 'windowsOptions']),
    ),
    sysctls,
    volumes: readVolumes(spec, r, p),
    containers,
    at: {
      self: o(),
      hostNetwork: o('hostNetwork'),
      hostPID: o('hostPID'),
      hostIPC: o('hostIPC'),
      annotations: r.origin([...metaPath, 'annotations']),
      runAsNonRoot: o('securityContext', 'runAsNonRoot'),
      runAsUser: o('securityContext', 'runAsUser'),
      seccompProfile: o('securityContext', 'seccompProfile'),
      appArmorProfile: o('securityContext', 'appArmorProfile'),
      seLinuxOptions: o('securityContext', 'seLinuxOptions'),
      sysctls: o('securityContext', 'sysctls'),
      windowsHostProcess: o('securityContext', 'windowsOptions', 'hostProcess'),
    },
  } as PodSpec;
}

/** Whether a parsed document is a Kubernetes object (or a List of them). */
export function isKubernetesDocument(doc: unknown): boolean {
  return (
    isRecord(doc) &&
    typeof doc.kind === 'string' &&
    (typeof doc.apiVersion === 'string' || Array.isArray(doc.items))
  );
}

/**
 * The workloads in one Kubernetes object: a workload kind's pod template, or every item of a List.
 * Objects of other kinds (Services, ConfigMaps, ...) hold no containers and yield nothing.
 */
export function workloadsFromManifest(
  obj: unknown,
  r: FieldReader,
  base: Path = [],
  file?: string,
  depth = 0,
): Workload[] {
  if (!isRecord(obj)) return [];
  const kind = r.str(obj, 'kind', base);
  if (kind === undefined) return [];
  if (kind === 'List' || (kind.endsWith('List') && Array.isArray(obj.items))) {
    if (depth > 4) {
      r.problem(base, 'Lists nested too deep');
      return [];
    }
    return (r.list(obj, 'items', base) ?? []).flatMap((item, i) =>
      workloadsFromManifest(item, r, [...base, 'items', i], file, depth + 1),
    );
  }
  const templatePath = POD_TEMPLATE_PATHS[kind];
  if (templatePath === undefined) return [];
  const meta = r.map(obj, 'metadata', base);
  const name =
    r.str(meta, 'name', [...base, 'metadata']) ??
    r.str(meta, 'generateName', [...base, 'metadata']) ??
    '(unnamed)';
  const namespace = r.str(meta, 'namespace', [...base, 'metadata']);
  const target = `k8s:${kind}/${namespace !== undefined ? `${namespace}/` : ''}${name}`;
  r.target = target;
  let template: unknown = obj;
  const tp: (string | number)[] = [...base];
  for (const seg of templatePath) {
    template = isRecord(template) ? template[seg] : undefined;
    tp.push(seg);
  }
  const spec = isRecord(template) ? template.spec : undefined;
  if (!isRecord(spec)) {
    r.problem([...tp, 'spec'], `${kind} without a pod spec`);
    return [];
  }
  const pod = readPodSpec(
    isRecord(template) ? template.metadata : undefined,
    spec,
    r,
    [...tp, 'metadata'],
    [...tp, 'spec'],
  );
  return [{ target, source: 'kubernetes', ...(file !== undefined ? { file } : {}), pod }];
}
