import { basename, dirname, resolve } from 'node:path';
import { normalizeCapability } from '../host-paths.js';
import type { ContainerSpec, FieldOrigin, PortSpec, VolumeMount, VolumeSpec, Workload } from '../model.js';
import { dockerCapabilityDrops, parseSecurityOptions, userIdentity } from './docker-options.js';
import { FieldReader, isRecord, type Path } from './fields.js';

/** A Compose named volume; anything else in a volume's source is a host path. */
const NAMED_VOLUME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

interface ComposeMount {
  type: string;
  source?: string;
  target: string;
  readOnly: boolean;
  propagation?: string;
}

/** Short syntax `SRC:DST[:MODE]` or `DST`; a Windows drive letter keeps its colon. */
export function parseShortVolume(spec: string): ComposeMount | undefined {
  const parts = spec.split(':');
  if (/^[A-Za-z]$/.test(parts[0] ?? '') && /^[\\/]/.test(parts[1] ?? ''))
    parts.splice(0, 2, `${parts[0]}:${parts[1]}`);
  if (parts.length === 0 || parts[0] === '') return undefined;
  if (parts.length === 1) return { type: 'volume', target: parts[0]!, readOnly: false };
  const [source, target, mode = ''] = parts as [string, string, string?];
  if (target === '') return undefined;
  const modes = mode.split(',');
  const propagation = modes.find((m) => /^r?(shared|slave|private)$/.test(m));
  return {
    type: NAMED_VOLUME.test(source) ? 'volume' : 'bind',
    source,
    target,
    readOnly: modes.includes('ro'),
    ...(propagation ? { propagation } : {}),
  };
}

/** Short syntax `[IP:][HOST:]CONTAINER[/PROTO]`; a host port range keeps its first port. */
export function parseShortPort(spec: string): PortSpec | undefined {
  const [body, protocol] = spec.trim().split('/') as [string, string?];
  let ip: string | undefined;
  let rest = body;
  const bracket = /^\[([^\]]*)\]:(.*)$/.exec(body);
  if (bracket) {
    ip = bracket[1];
    rest = bracket[2]!;
  }
  const parts = rest.split(':');
  let host: string | undefined;
  let container: string;
  if (parts.length === 1) container = parts[0]!;
  else if (parts.length === 2) [host, container] = parts as [string, string];
  else {
    ip = parts.slice(0, -2).join(':');
    host = parts[parts.length - 2];
    container = parts[parts.length - 1]!;
  }
  const containerPort = Number(container.split('-')[0]);
  if (!Number.isInteger(containerPort)) return undefined;
  const hostPort = host ? Number(host.split('-')[0]) : NaN;
  return {
    containerPort,
    ...(Number.isInteger(hostPort) && hostPort > 0 ? { hostPort } : {}),
    ...(ip ? { hostIP: ip } : {}),
    ...(protocol ? { protocol } : {}),
  };
}

function readVolumes(svc: Record<string, unknown>, r: FieldReader, sp: Path): ComposeMount[] {
  const out: ComposeMount[] = [];
  (r.list(svc, 'volumes', sp) ?? []).forEach((v, i) => {
    const p = [...sp, 'volumes', i];
    if (typeof v === 'string') {
      const m = parseShortVolume(v);
      if (m) out.push(m);
      else r.problem(p, `cannot read volume "${v}"`);
      return;
    }
    if (!isRecord(v)) return r.problem(p, 'expected a volume string or map');
    const target = r.str(v, 'target', p);
    if (target === undefined) return r.problem(p, 'volume without target');
    const source = r.str(v, 'source', p);
    const propagation = r.str(r.map(v, 'bind', p), 'propagation', [...p, 'bind']);
    out.push({
      type: r.str(v, 'type', p) ?? 'volume',
      ...(source !== undefined ? { source } : {}),
      target,
      readOnly: r.bool(v, 'read_only', p) === true,
      ...(propagation ? { propagation } : {}),
    });
  });
  return out;
}

function readPorts(svc: Record<string, unknown>, r: FieldReader, sp: Path): PortSpec[] {
  const out: PortSpec[] = [];
  (r.list(svc, 'ports', sp) ?? []).forEach((p, i) => {
    const path = [...sp, 'ports', i];
    if (typeof p === 'number') return out.push({ containerPort: p });
    if (typeof p === 'string') {
      const port = parseShortPort(p);
      if (port) out.push(port);
      else r.problem(path, `cannot read port "${p}"`);
      return;
    }
    if (!isRecord(p)) return r.problem(path, 'expected a port string, number or map');
    const target = r.int(p, 'target', path);
    const published = r.text(p, 'published', path);
    const hostPort = published !== undefined ? Number(published.split('-')[0]) : NaN;
    const hostIP = r.str(p, 'host_ip', path);
    const protocol = r.str(p, 'protocol', path);
    out.push({
      ...(target !== undefined ? { containerPort: target } : {}),
      ...(Number.isInteger(hostPort) && hostPort > 0 ? { hostPort } : {}),
      ...(hostIP ? { hostIP } : {}),
      ...(protocol ? { protocol } : {}),
    });
  });
  return out;
}

function readSysctls(
  svc: Record<string, unknown>,
  r: FieldReader,
  sp: Path,
): { name: string; value: string }[] {
  const raw = svc.sysctls;
  if (raw === undefined || raw === null) return [];
  if (Array.isArray(raw))
    return raw.flatMap((item, i) => {
      if (typeof item !== 'string') {
        r.problem([...sp, 'sysctls', i], 'expected "name=value"');
        return [];
      }
      const [name, ...value] = item.split('=');
      return [{ name: name!.trim(), value: value.join('=') }];
    });
  if (isRecord(raw)) return Object.entries(raw).map(([name, value]) => ({ name, value: String(value) }));
  r.problem([...sp, 'sysctls'], 'expected a map or a list');
  return [];
}

function readDevices(svc: Record<string, unknown>, r: FieldReader, sp: Path): string[] {
  return (r.list(svc, 'devices', sp) ?? []).flatMap((d) => {
    if (typeof d === 'string') return [d];
    if (isRecord(d) && typeof d.source === 'string')
      return [`${d.source}:${typeof d.target === 'string' ? d.target : d.source}`];
    return [];
  });
}

/** The Compose project name: the top-level `name`, else the folder the file is in. */
function projectName(doc: Record<string, unknown>, r: FieldReader, file?: string): string {
  return r.str(doc, 'name', []) ?? (file ? basename(dirname(resolve(file))) : 'compose');
}

/** Every service of a Compose file as a workload. */
export function workloadsFromCompose(doc: unknown, r: FieldReader, file?: string): Workload[] {
  if (!isRecord(doc)) return [];
  const project = projectName(doc, r, file);
  const services = r.map(doc, 'services', []);
  if (!services) return [];
  const out: Workload[] = [];
  for (const [service, svc] of Object.entries(services)) {
    const target = `compose:${project}/${service}`;
    r.target = target;
    const sp: Path = ['services', service];
    if (!isRecord(svc)) {
      r.problem(sp, 'expected a service map');
      continue;
    }
    const o = (key?: string): FieldOrigin => r.origin(key === undefined ? sp : [...sp, key]);
    const privileged = r.bool(svc, 'privileged', sp) === true;
    const opts = parseSecurityOptions(r.strings(svc, 'security_opt', sp) ?? []);
    const user = r.text(svc, 'user', sp);
    const image = r.str(svc, 'image', sp);
    const name = r.str(svc, 'container_name', sp) ?? service;
    const volumes: VolumeSpec[] = [];
    const volumeMounts: VolumeMount[] = [];
    readVolumes(svc, r, sp).forEach((m, i) => {
      const volume = `volume${i}`;
      const type = m.type.toLowerCase();
      const source =
        type === 'bind' || type === 'npipe'
          ? 'hostPath'
          : type === 'tmpfs'
            ? 'emptyDir'
            : type === 'volume'
              ? 'persistentVolumeClaim'
              : type;
      volumes.push({
        name: volume,
        source,
        ...(source === 'hostPath' && m.source !== undefined ? { hostPath: m.source } : {}),
        at: { self: r.origin([...sp, 'volumes', i]) },
      });
      volumeMounts.push({
        name: volume,
        mountPath: m.target,
        readOnly: m.readOnly,
        ...(m.propagation ? { propagation: m.propagation } : {}),
      });
    });
    const isHost = (key: string): boolean => r.str(svc, key, sp) === 'host';
    const container: ContainerSpec = {
      name,
      role: 'container',
      ...(image !== undefined ? { image } : {}),
      privileged,
      capabilities: {
        add: (r.strings(svc, 'cap_add', sp) ?? []).map(normalizeCapability),
        drop: dockerCapabilityDrops((r.strings(svc, 'cap_drop', sp) ?? []).map(normalizeCapability)),
      },
      ...(opts.noNewPrivileges === true ? { allowPrivilegeEscalation: false } : {}),
      // Without `user`, the image decides: unknown here, so neither root nor non-root is assumed.
      ...(user !== undefined ? { user, ...userIdentity(user) } : {}),
      readOnlyRootFilesystem: r.bool(svc, 'read_only', sp) === true,
      ...(opts.seccomp
        ? { seccompProfile: opts.seccomp }
        : privileged
          ? {}
          : { seccompProfile: { type: 'RuntimeDefault' } }),
      ...(opts.appArmor ? { appArmorProfile: opts.appArmor } : {}),
      ...(opts.seLinux ? { seLinuxOptions: opts.seLinux } : {}),
      ...(opts.procMount ? { procMount: opts.procMount } : {}),
      ports: readPorts(svc, r, sp),
      volumeMounts,
      probeHosts: [],
      devices: readDevices(svc, r, sp),
      at: {
        self: o(),
        image: o('image'),
        privileged: o('privileged'),
        capabilitiesAdd: o('cap_add'),
        capabilitiesDrop: o('cap_drop'),
        allowPrivilegeEscalation: o('security_opt'),
        seccompProfile: o('security_opt'),
        appArmorProfile: o('security_opt'),
        seLinuxOptions: o('security_opt'),
        procMount: o('security_opt'),
        runAsUser: o('user'),
        runAsNonRoot: o('user'),
        readOnlyRootFilesystem: o('read_only'),
        ports: o('ports'),
        volumeMounts: o('volumes'),
        devices: o('devices'),
      },
    };
    out.push({
      target,
      source: 'compose',
      ...(file !== undefined ? { file } : {}),
      pod: {
        hostNetwork: isHost('network_mode'),
        hostPID: isHost('pid'),
        hostIPC: isHost('ipc'),
        hostUTS: isHost('uts'),
        hostUserns: isHost('userns_mode'),
        annotations: {},
        sysctls: readSysctls(svc, r, sp),
        volumes,
        containers: [container],
        at: {
          self: o(),
          hostNetwork: o('network_mode'),
          hostPID: o('pid'),
          hostIPC: o('ipc'),
          hostUTS: o('uts'),
          hostUserns: o('userns_mode'),
          sysctls: o('sysctls'),
        },
      },
    });
  }
  return out;
}

/** Whether a parsed YAML document looks like a Compose file. */
export function isComposeDocument(doc: unknown): boolean {
  return isRecord(doc) && isRecord(doc.services) && doc.apiVersion === undefined && doc.kind === undefined;
}
