import { normalizeCapability } from '../host-paths.js';
import type { ContainerSpec, FieldOrigin, PortSpec, VolumeMount, VolumeSpec, Workload } from '../model.js';
import { dockerCapabilityDrops, parseSecurityOptions, userIdentity } from './docker-options.js';
import { FieldReader, isRecord, type Path } from './fields.js';

/** Docker mount types as Kubernetes volume sources: a named volume is managed storage, like a claim. */
const MOUNT_SOURCES: Readonly<Record<string, string>> = {
  bind: 'hostPath',
  npipe: 'hostPath',
  volume: 'persistentVolumeClaim',
  tmpfs: 'emptyDir',
  image: 'image',
  cluster: 'csi',
};

interface RawMount {
  type: string;
  source?: string;
  destination: string;
  readOnly: boolean;
  propagation?: string;
  path: Path;
}

/** `src:dst[:opts]` as in HostConfig.Binds; a Windows drive letter keeps its colon. */
export function parseBind(
  bind: string,
): { source: string; destination: string; options: string[] } | undefined {
  const parts = bind.split(':');
  const join = (i: number): void => {
    if (/^[A-Za-z]$/.test(parts[i] ?? '') && parts[i + 1]?.startsWith('\\'))
      parts.splice(i, 2, `${parts[i]}:${parts[i + 1]}`);
  };
  join(0);
  join(1);
  if (parts.length < 2) return undefined;
  return {
    source: parts[0]!,
    destination: parts[1]!,
    options: (parts[2] ?? '').split(',').filter((o) => o !== ''),
  };
}

function readMounts(
  obj: Record<string, unknown>,
  hc: Record<string, unknown>,
  r: FieldReader,
  base: Path,
): RawMount[] {
  const out: RawMount[] = [];
  // The top-level Mounts list is what the daemon resolved; HostConfig is the request (used when Mounts is absent).
  const resolved = r.list(obj, 'Mounts', base);
  if (resolved) {
    resolved.forEach((m, i) => {
      const p = [...base, 'Mounts', i];
      if (!isRecord(m)) return r.problem(p, 'expected a mount object');
      const destination = r.str(m, 'Destination', p);
      if (destination === undefined) return;
      const source = r.str(m, 'Source', p);
      const propagation = r.str(m, 'Propagation', p);
      out.push({
        type: r.str(m, 'Type', p) ?? 'volume',
        ...(source !== undefined ? { source } : {}),
        destination,
        readOnly: r.bool(m, 'RW', p) === false,
        ...(propagation ? { propagation } : {}),
        path: p,
      });
    });
    return out;
  }
  const hp = [...base, 'HostConfig'];
  (r.strings(hc, 'Binds', hp) ?? []).forEach((b, i) => {
    const bind = parseBind(b);
    if (!bind) return r.problem([...hp, 'Binds', i], `cannot read bind "${b}"`);
    const named = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(bind.source);
    const propagation = bind.options.find((o) => /^r?(shared|slave|private)$/.test(o));
    out.push({
      type: named ? 'volume' : 'bind',
      source: bind.source,
      destination: bind.destination,
      readOnly: bind.options.includes('ro'),
      ...(propagation ? { propagation } : {}),
      path: [...hp, 'Binds', i],
    });
  });
  (r.list(hc, 'Mounts', hp) ?? []).forEach((m, i) => {
    const p = [...hp, 'Mounts', i];
    if (!isRecord(m)) return r.problem(p, 'expected a mount object');
    const target = r.str(m, 'Target', p);
    if (target === undefined) return;
    const source = r.str(m, 'Source', p);
    const propagation = r.str(r.map(m, 'BindOptions', p), 'Propagation', [...p, 'BindOptions']);
    out.push({
      type: r.str(m, 'Type', p) ?? 'volume',
      ...(source !== undefined ? { source } : {}),
      destination: target,
      readOnly: r.bool(m, 'ReadOnly', p) === true,
      ...(propagation ? { propagation } : {}),
      path: p,
    });
  });
  return out;
}

function readPorts(hc: Record<string, unknown>, r: FieldReader, hp: Path): PortSpec[] {
  const ports: PortSpec[] = [];
  const bindings = r.map(hc, 'PortBindings', hp);
  for (const [key, list] of Object.entries(bindings ?? {})) {
    if (list === null) continue;
    if (!Array.isArray(list)) {
      r.problem([...hp, 'PortBindings', key], 'expected a list of bindings');
      continue;
    }
    const [port, protocol] = key.split('/');
    for (const b of list) {
      if (!isRecord(b)) continue;
      const hostPort = Number(
        typeof b.HostPort === 'string' || typeof b.HostPort === 'number' ? b.HostPort : NaN,
      );
      const hostIP = typeof b.HostIp === 'string' && b.HostIp !== '' ? b.HostIp : undefined;
      ports.push({
        ...(Number.isInteger(Number(port)) ? { containerPort: Number(port) } : {}),
        ...(Number.isInteger(hostPort) && hostPort > 0 ? { hostPort } : {}),
        ...(hostIP !== undefined ? { hostIP } : {}),
        ...(protocol ? { protocol } : {}),
      });
    }
  }
  return ports;
}

/**
 * One container from `docker inspect` (or GET /containers/{id}/json of any Docker-compatible API)
 * as a workload. Returns undefined, with a problem, when it is not a container object.
 */
export function workloadFromDockerInspect(
  obj: unknown,
  r: FieldReader,
  base: Path = [],
  file?: string,
): Workload | undefined {
  if (!isRecord(obj)) {
    r.problem(base, 'expected a container object (docker inspect output)');
    return undefined;
  }
  const id = r.str(obj, 'Id', base);
  const name = (r.str(obj, 'Name', base) ?? '').replace(/^\//, '') || id?.slice(0, 12) || formatIndex(base);
  r.target = `docker:${name}`;
  const cp = [...base, 'Config'];
  const hp = [...base, 'HostConfig'];
  const config = r.map(obj, 'Config', base) ?? {};
  const hc = r.map(obj, 'HostConfig', base) ?? {};
  const o = (path: Path): FieldOrigin => r.origin(path);

  const privileged = r.bool(hc, 'Privileged', hp) === true;
  const opts = parseSecurityOptions(r.strings(hc, 'SecurityOpt', hp) ?? []);
  const applied = r.str(obj, 'AppArmorProfile', base);
  const user = 'User' in config ? r.text(config, 'User', cp) : undefined;
  const image = r.str(config, 'Image', cp) ?? r.str(obj, 'Image', base);
  const mounts = readMounts(obj, hc, r, base);
  const volumes: VolumeSpec[] = [];
  const volumeMounts: VolumeMount[] = [];
  mounts.forEach((m, i) => {
    const volume = `mount${i}`;
    const source = MOUNT_SOURCES[m.type.toLowerCase()] ?? m.type;
    volumes.push({
      name: volume,
      source,
      ...(source === 'hostPath' && m.source !== undefined ? { hostPath: m.source } : {}),
      at: { self: o(m.path), hostPath: o(m.path.includes('Binds') ? m.path : [...m.path, 'Source']) },
    });
    volumeMounts.push({
      name: volume,
      mountPath: m.destination,
      readOnly: m.readOnly,
      ...(m.propagation ? { propagation: m.propagation } : {}),
    });
  });
  const devices: string[] = [];
  (r.list(hc, 'Devices', hp) ?? []).forEach((d) => {
    if (isRecord(d) && typeof d.PathOnHost === 'string')
      devices.push(
        `${d.PathOnHost}:${typeof d.PathInContainer === 'string' ? d.PathInContainer : d.PathOnHost}`,
      );
  });
  const sysctls = Object.entries(r.stringMap(hc, 'Sysctls', hp)).map(([n, v]) => ({ name: n, value: v }));
  const isHost = (key: string): boolean => r.str(hc, key, hp) === 'host';

  const container: ContainerSpec = {
    name,
    role: 'container',
    ...(image !== undefined ? { image } : {}),
    privileged,
    capabilities: {
      add: (r.strings(hc, 'CapAdd', hp) ?? []).map(normalizeCapability),
      drop: dockerCapabilityDrops((r.strings(hc, 'CapDrop', hp) ?? []).map(normalizeCapability)),
    },
    ...(opts.noNewPrivileges === true ? { allowPrivilegeEscalation: false } : {}),
    ...(user !== undefined ? { user, ...userIdentity(user) } : {}),
    readOnlyRootFilesystem: r.bool(hc, 'ReadonlyRootfs', hp) === true,
    // Docker applies its default seccomp profile unless told otherwise or privileged.
    ...(opts.seccomp
      ? { seccompProfile: opts.seccomp }
      : privileged
        ? {}
        : { seccompProfile: { type: 'RuntimeDefault' } }),
    ...(opts.appArmor
      ? { appArmorProfile: opts.appArmor }
      : applied === 'unconfined' && !privileged
        ? { appArmorProfile: { type: 'Unconfined' } }
        : {}),
    ...(opts.seLinux ? { seLinuxOptions: opts.seLinux } : {}),
    ...(opts.procMount ? { procMount: opts.procMount } : {}),
    ports: readPorts(hc, r, hp),
    volumeMounts,
    probeHosts: [],
    devices,
    at: {
      self: o(base),
      image: o([...cp, 'Image']),
      privileged: o([...hp, 'Privileged']),
      capabilitiesAdd: o([...hp, 'CapAdd']),
      capabilitiesDrop: o([...hp, 'CapDrop']),
      allowPrivilegeEscalation: o([...hp, 'SecurityOpt']),
      seccompProfile: o([...hp, 'SecurityOpt']),
      appArmorProfile: o([...hp, 'SecurityOpt']),
      seLinuxOptions: o([...hp, 'SecurityOpt']),
      procMount: o([...hp, 'SecurityOpt']),
      runAsUser: o([...cp, 'User']),
      runAsNonRoot: o([...cp, 'User']),
      readOnlyRootFilesystem: o([...hp, 'ReadonlyRootfs']),
      ports: o([...hp, 'PortBindings']),
      volumeMounts: o([...base, 'Mounts']),
      devices: o([...hp, 'Devices']),
    },
  };
  return {
    target: `docker:${name}`,
    source: 'docker',
    ...(file !== undefined ? { file } : {}),
    pod: {
      hostNetwork: isHost('NetworkMode'),
      hostPID: isHost('PidMode'),
      hostIPC: isHost('IpcMode'),
      hostUTS: isHost('UTSMode'),
      hostUserns: isHost('UsernsMode'),
      annotations: {},
      sysctls,
      volumes,
      containers: [container],
      at: {
        self: o(base),
        hostNetwork: o([...hp, 'NetworkMode']),
        hostPID: o([...hp, 'PidMode']),
        hostIPC: o([...hp, 'IpcMode']),
        hostUTS: o([...hp, 'UTSMode']),
        hostUserns: o([...hp, 'UsernsMode']),
        sysctls: o([...hp, 'Sysctls']),
      },
    },
  };
}

function formatIndex(base: Path): string {
  return base.length > 0 ? `container-${String(base[base.length - 1])}` : 'container';
}
