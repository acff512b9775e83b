import type { AppArmorProfile, SeccompProfile, SELinuxOptions } from '../model.js';

/**
 * Docker's `--security-opt` values (also Compose `security_opt`), mapped onto the Kubernetes
 * security context terms the checks use. Docker accepts both `key=value` and the older `key:value`.
 */
export interface DockerSecurityOptions {
  noNewPrivileges?: boolean;
  seccomp?: SeccompProfile;
  appArmor?: AppArmorProfile;
  seLinux?: SELinuxOptions;
  /** `systempaths=unconfined` unmasks /proc and /sys like procMount: Unmasked. */
  procMount?: string;
}

function splitOption(opt: string): [string, string | undefined] {
  const eq = opt.indexOf('=');
  const colon = opt.indexOf(':');
  const cut = eq >= 0 && (colon < 0 || eq < colon) ? eq : colon;
  return cut < 0 ? [opt.trim(), undefined] : [opt.slice(0, cut).trim(), opt.slice(cut + 1)];
}

export function parseSecurityOptions(options: readonly string[]): DockerSecurityOptions {
  const out: DockerSecurityOptions = {};
  for (const opt of options) {
    const [key, value] = splitOption(opt);
    switch (key.toLowerCase()) {
      case 'no-new-privileges':
        out.noNewPrivileges = value === undefined || value.trim().toLowerCase() !== 'false';
        break;
      case 'seccomp': {
        const v = (value ?? '').trim();
        // Docker stores the profile's JSON in the container's SecurityOpt; a path or JSON is a custom profile.
        out.seccomp =
          v === 'unconfined'
            ? { type: 'Unconfined' }
            : v === ''
              ? { type: '' }
              : { type: 'Localhost', localhostProfile: v.slice(0, 200) };
        break;
      }
      case 'apparmor': {
        const v = (value ?? '').trim();
        out.appArmor =
          v === 'unconfined'
            ? { type: 'Unconfined' }
            : v === 'docker-default' || v === 'runtime/default'
              ? { type: 'RuntimeDefault' }
              : { type: 'Localhost', localhostProfile: v };
        break;
      }
      case 'label': {
        const v = (value ?? '').trim();
        const se: SELinuxOptions = { ...out.seLinux };
        // Disabling labels runs the container unconfined (as spc_t).
        if (v === 'disable' || v === 'disabled') out.seLinux = { ...se, type: 'spc_t' };
        else {
          const [part, partValue] = splitOption(v);
          if (partValue !== undefined && ['user', 'role', 'type', 'level'].includes(part))
            out.seLinux = { ...se, [part]: partValue };
        }
        break;
      }
      case 'systempaths':
        if ((value ?? '').trim() === 'unconfined') out.procMount = 'Unmasked';
        break;
    }
  }
  return out;
}

/**
 * A Docker `--user` value: `root`, `0`, `0:0` and the empty user (the image's default, root, as
 * `docker inspect` shows it merged) run as root; a non-zero UID or a user name other than root is
 * taken as non-root.
 */
export function userIdentity(user: string): { runAsUser?: number; runAsNonRoot?: boolean } {
  const name = user.trim().split(':')[0]!.trim();
  if (name === '' || name === 'root' || name === '0') return { runAsUser: 0 };
  if (/^\d+$/.test(name)) {
    const uid = Number(name);
    return uid === 0 ? { runAsUser: 0 } : { runAsUser: uid, runAsNonRoot: true };
  }
  return { runAsNonRoot: true };
}

/** The capabilities Docker (and Podman's Docker API) grant by default. */
export const DOCKER_DEFAULT_CAPABILITIES: readonly string[] = [
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'NET_RAW',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
];

/**
 * Normalized drops, with ALL added when every default capability is dropped: Podman reports
 * `--cap-drop ALL` as the list of defaults it removed, which leaves the container none.
 */
export function dockerCapabilityDrops(drop: readonly string[]): string[] {
  const set = new Set(drop);
  if (!set.has('ALL') && DOCKER_DEFAULT_CAPABILITIES.every((c) => set.has(c))) return [...drop, 'ALL'];
  return [...drop];
}
