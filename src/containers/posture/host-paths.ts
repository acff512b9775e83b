import { posix } from 'node:path';

/**
 * What a host path gives a container. A runtime socket (or a folder holding one) hands over the
 * container engine, so the whole host; sensitive folders hold the host's credentials, kernel
 * interfaces or other containers' data.
 */
export type HostPathClass = 'runtime-socket' | 'sensitive' | 'other';

const SOCKET_NAMES = new Set([
  'docker.sock',
  'containerd.sock',
  'crio.sock',
  'podman.sock',
  'cri-dockerd.sock',
  'dockershim.sock',
  'buildkitd.sock',
  'k3s.sock',
]);

/** Folders whose contents include a runtime socket: mounting them exposes it too. */
const SOCKET_FOLDERS = new Set([
  '/run',
  '/var/run',
  '/run/containerd',
  '/var/run/containerd',
  '/run/docker',
  '/var/run/docker',
  '/run/crio',
  '/var/run/crio',
  '/run/podman',
  '/var/run/podman',
  '/run/k3s/containerd',
  '/run/buildkit',
]);

/** Mounting these, or anything under them, is sensitive. */
const SENSITIVE_TREES = [
  '/etc',
  '/proc',
  '/sys',
  '/dev',
  '/boot',
  '/root',
  '/home',
  '/lib',
  '/lib64',
  '/usr',
  '/bin',
  '/sbin',
  '/var/lib/docker',
  '/var/lib/containerd',
  '/var/lib/containers',
  '/var/lib/kubelet',
  '/var/lib/etcd',
  '/etc/kubernetes',
  '/var/run/secrets',
  '/run/secrets',
  '/var/log',
];

/** Read-only time-zone files are mounted everywhere and expose nothing. */
const HARMLESS_FILES = new Set(['/etc/localtime', '/etc/timezone']);

/** Home-relative paths that hold credentials. */
const SENSITIVE_HOME = ['~', '~/.ssh', '~/.docker', '~/.kube', '~/.aws', '~/.config/gcloud', '~/.gnupg'];

export function normalizeHostPath(path: string): string {
  const p = path.trim();
  if (p.startsWith('/')) return posix.normalize(p).replace(/(.)\/+$/, '$1');
  return p;
}

function under(path: string, tree: string): boolean {
  return path === tree || path.startsWith(tree + '/');
}

export function classifyHostPath(raw: string): HostPathClass {
  // A Windows Docker host passes its engine as a named pipe.
  if (/docker_engine|containerd-containerd/i.test(raw) && raw.startsWith('\\\\')) return 'runtime-socket';
  const path = normalizeHostPath(raw);
  if (SOCKET_NAMES.has(posix.basename(path)) || SOCKET_FOLDERS.has(path)) return 'runtime-socket';
  if (path === '/') return 'sensitive';
  if (HARMLESS_FILES.has(path)) return 'other';
  if (path.startsWith('/')) return SENSITIVE_TREES.some((t) => under(path, t)) ? 'sensitive' : 'other';
  if (path.startsWith('~'))
    return SENSITIVE_HOME.some((t) => path === t || under(path, t)) ? 'sensitive' : 'other';
  return 'other';
}

/** Docker and Compose accept `cap_sys_admin` and `CAP_SYS_ADMIN`; Kubernetes writes `SYS_ADMIN`. */
export function normalizeCapability(cap: string): string {
  const c = cap.trim().toUpperCase();
  return c.startsWith('CAP_') ? c.slice(4) : c;
}

/** Capabilities that alone give a way out of the container or over the host. */
export const DANGEROUS_CAPABILITIES: ReadonlySet<string> = new Set([
  'ALL',
  'SYS_ADMIN',
  'SYS_MODULE',
  'SYS_PTRACE',
  'SYS_RAWIO',
  'SYS_BOOT',
  'DAC_READ_SEARCH',
  'NET_ADMIN',
  'BPF',
  'PERFMON',
  'MAC_ADMIN',
  'MAC_OVERRIDE',
]);

/** Images that run a container engine inside the container (Docker-in-Docker). */
export function isDockerInDockerImage(image: string): boolean {
  const ref = image.trim().toLowerCase().split('@')[0]!;
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  const repo = colon > slash ? ref.slice(0, colon) : ref;
  const tag = colon > slash ? ref.slice(colon + 1) : '';
  const name = repo.slice(repo.lastIndexOf('/') + 1);
  return /(^|[-_.])dind($|[-_.])/.test(tag) || /(^|[-_.])dind($|[-_.])/.test(name);
}
