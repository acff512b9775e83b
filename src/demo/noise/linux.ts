import type { Container } from '../sensors/flat.js';
import type { LinuxProc } from '../sensors/linux.js';
import type { Account, Host } from '../world.js';
import { PUBLIC_RESOLVERS } from './destinations.js';
import { min, sec, type NoiseContext } from './context.js';

const CRON_JOBS: readonly (readonly [string, string, string])[] = [
  [
    'cd / && run-parts --report /etc/cron.hourly',
    '/usr/bin/run-parts',
    'run-parts --report /etc/cron.hourly',
  ],
  [
    'command -v debian-sa1 > /dev/null && debian-sa1 1 1',
    '/usr/lib/sysstat/debian-sa1',
    '/bin/sh /usr/lib/sysstat/debian-sa1 1 1',
  ],
  [
    'test -x /usr/sbin/logrotate && /usr/sbin/logrotate /etc/logrotate.conf',
    '/usr/sbin/logrotate',
    '/usr/sbin/logrotate /etc/logrotate.conf',
  ],
  [
    '/usr/local/bin/node_textfile_collector.sh',
    '/usr/bin/bash',
    '/bin/bash /usr/local/bin/node_textfile_collector.sh',
  ],
];
const UNITS: readonly (readonly [string, string])[] = [
  ['apt-daily.service', 'Daily apt download activities'],
  ['logrotate.service', 'Rotate log files'],
  ['systemd-tmpfiles-clean.service', 'Cleanup of Temporary Directories'],
  ['man-db.service', 'Daily man-db regeneration'],
  ['fstrim.service', 'Discard unused blocks on filesystems from /etc/fstab'],
];
const SHELL_COMMANDS: readonly (readonly [string, string])[] = [
  ['/usr/bin/ls', 'ls -la'],
  ['/usr/bin/git', 'git pull --ff-only'],
  ['/usr/bin/systemctl', 'systemctl status nginx'],
  ['/usr/bin/journalctl', 'journalctl -u nginx --since today'],
  ['/usr/bin/tail', 'tail -n 200 /var/log/syslog'],
  ['/usr/bin/df', 'df -h'],
  ['/usr/bin/less', 'less /var/log/nginx/error.log'],
  ['/usr/bin/free', 'free -m'],
];
const APPS = ['billing', 'portal', 'inventory', 'auth-service', 'reports'];
const SERVER_CONTAINERS = [
  'nginx:1.25',
  'postgres:16',
  'grafana/grafana:10.2.3',
  'redis:7.2',
  'prom/prometheus:v2.48.1',
];

/** One Linux host's ordinary day: cron, systemd, the firewall, admins' SSH sessions, CI builds (GitLab Runner, podman). */
export class LinuxBox {
  private readonly systemd: LinuxProc;
  private readonly cron: LinuxProc;
  private readonly sshd: LinuxProc;
  private readonly agent: LinuxProc | null;
  private readonly containers: Container[] = [];
  private session = 0;
  private build: number;

  constructor(
    private readonly ctx: NoiseContext,
    readonly host: Host,
    /** False on a host a story holds: then only the system's own activity. */
    readonly withPeople: boolean,
  ) {
    const { lin, r, flat } = ctx;
    const boot = ctx.start - 5 * 86_400_000;
    this.systemd = lin.running(host, '/usr/lib/systemd/systemd', '/sbin/init', 'root', 0, boot);
    this.cron = lin.running(host, '/usr/sbin/cron', '/usr/sbin/cron -f -P', 'root', 0, boot);
    this.sshd = lin.running(
      host,
      '/usr/sbin/sshd',
      'sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups',
      'root',
      0,
      boot,
    );
    this.agent =
      host.role === 'ci' && withPeople
        ? lin.running(
            host,
            '/usr/bin/gitlab-runner',
            '/usr/bin/gitlab-runner run --working-directory /home/gitlab-runner --config /etc/gitlab-runner/config.toml --service gitlab-runner --user gitlab-runner',
            'gitlab-runner',
            998,
            boot,
          )
        : null;
    this.build = r.int(200, 4000);
    if (host.role === 'linux-server' && withPeople)
      for (const image of r.shuffle(SERVER_CONTAINERS).slice(0, 2))
        this.containers.push(flat.container(host, image, `${image.split(/[/:]/).at(-2)}-${r.int(1, 3)}`));
  }

  /** What the system does by itself. */
  os(t: number): void {
    const { lin, r, world, flat } = this.ctx;
    const host = this.host;
    switch (
      r.weighted<number>([
        [4, 0],
        [2, 1],
        [1, 2],
        [1, 3],
      ])
    ) {
      case 0: {
        const [line, image, cmd] = r.pick(CRON_JOBS);
        const pid = lin.pid(host);
        lin.syslog(t, host, {
          facility: 'authpriv',
          app: 'CRON',
          pid,
          message: 'pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)',
        });
        lin.syslog(t, host, { facility: 'cron', app: 'CRON', pid, message: `(root) CMD (${line})` });
        const sh = lin.exec(t + 5, this.cron, '/usr/bin/dash', `/bin/sh -c ${line}`);
        lin.exec(t + 20, sh, image, cmd);
        lin.syslog(t + r.int(1, 30) * sec, host, {
          facility: 'authpriv',
          app: 'CRON',
          pid,
          message: 'pam_unix(cron:session): session closed for user root',
        });
        break;
      }
      case 1: {
        const [unit, what] = r.pick(UNITS);
        lin.syslog(t, host, { facility: 'daemon', app: 'systemd', pid: 1, message: `Starting ${what}...` });
        lin.syslog(t + r.int(1, 20) * sec, host, {
          facility: 'daemon',
          app: 'systemd',
          pid: 1,
          message: `${unit}: Deactivated successfully.`,
        });
        lin.syslog(t + r.int(21, 40) * sec, host, {
          facility: 'daemon',
          app: 'systemd',
          pid: 1,
          message: `Finished ${what}.`,
        });
        break;
      }
      case 2: {
        const src = world.freshIp(r, ['45', '89', '162', '179', '198']);
        lin.syslog(t, host, {
          facility: 'kern',
          severity: 'warning',
          app: 'kernel',
          pid: null,
          message: `[${r.int(10000, 999999)}.${r.int(100000, 999999)}] [UFW BLOCK] IN=eth0 OUT= MAC=${r.hex(2)}:${r.hex(2)}:${r.hex(2)}:${r.hex(2)}:${r.hex(2)}:${r.hex(2)} SRC=${src} DST=${host.ip} LEN=44 TOS=0x00 PREC=0x00 TTL=${r.int(40, 250)} ID=${r.int(1, 65535)} PROTO=TCP SPT=${r.int(1024, 65535)} DPT=${r.pick([22, 23, 3389, 5900, 8080, 6379])} WINDOW=1024 RES=0x00 SYN URGP=0`,
        });
        break;
      }
      default: {
        const d = r.pick(this.ctx.dest.linux);
        flat.dnsQuery(t, host, r.pick(PUBLIC_RESOLVERS), d.domain, d.ips);
        flat.conn(
          t + 300,
          host,
          { ip: r.pick(d.ips), port: 443 },
          { out: r.int(500, 9000), in: r.int(2000, 4_000_000) },
        );
      }
    }
  }

  /** An operator's SSH session: syslog lines and the shell's commands. */
  ssh(t: number, user: Account, from: Host): void {
    const { lin, r } = this.ctx;
    const host = this.host;
    const pid = lin.pid(host);
    const port = r.int(40000, 65000);
    this.session++;
    lin.syslog(t, host, {
      facility: 'auth',
      app: 'sshd',
      pid,
      message: `Accepted publickey for ${user.name} from ${from.ip} port ${port} ssh2: ED25519 SHA256:${r.upper(43)}`,
    });
    lin.syslog(t + 20, host, {
      facility: 'authpriv',
      app: 'sshd',
      pid,
      message: `pam_unix(sshd:session): session opened for user ${user.name}(uid=${user.uid}) by (uid=0)`,
    });
    lin.syslog(t + 40, host, {
      facility: 'authpriv',
      app: 'systemd-logind',
      pid: 700 + (host.sysmonPid % 90),
      message: `New session ${this.session} of user ${user.name}.`,
    });
    const priv = lin.exec(t + 10, this.sshd, '/usr/sbin/sshd', `sshd: ${user.name} [priv]`);
    const child = lin.exec(t + 30, priv, '/usr/sbin/sshd', `sshd: ${user.name}@pts/0`, {
      user: user.name,
      uid: user.uid,
    });
    const bash = lin.exec(t + 60, child, '/usr/bin/bash', '-bash', { cwd: `/home/${user.name}` });
    let at = t + 5 * sec;
    for (let i = r.int(1, 4); i > 0; i--) {
      at += r.int(5, 120) * sec;
      const [image, cmd] = r.pick(SHELL_COMMANDS);
      lin.exec(at, bash, image, cmd);
    }
    if (r.chance(0.4)) {
      at += r.int(5, 60) * sec;
      const command = r.pick([
        '/usr/bin/systemctl restart nginx',
        '/usr/bin/apt-get upgrade -y',
        '/usr/bin/journalctl -xe',
      ]);
      lin.syslog(at, host, {
        facility: 'authpriv',
        app: 'sudo',
        pid: null,
        message: `${user.name} : TTY=pts/0 ; PWD=/home/${user.name} ; USER=root ; COMMAND=${command}`,
      });
      const sudo = lin.exec(at, bash, '/usr/bin/sudo', `sudo ${command.slice(command.lastIndexOf('/') + 1)}`);
      lin.exec(at + 30, sudo, command.split(' ')[0]!, command.slice(command.lastIndexOf('/') + 1), {
        user: 'root',
        uid: 0,
      });
    }
    at += r.int(1, 10) * min;
    lin.syslog(at, host, {
      facility: 'auth',
      app: 'sshd',
      pid,
      message: `Received disconnect from ${from.ip} port ${port}:11: disconnected by user`,
    });
    lin.syslog(at + 10, host, {
      facility: 'authpriv',
      app: 'sshd',
      pid,
      message: `pam_unix(sshd:session): session closed for user ${user.name}`,
    });
  }

  /** A CI build (podman) or a service container restarting (Docker). */
  work(t: number): void {
    const { lin, r, flat, world } = this.ctx;
    if (this.agent !== null) {
      const app = r.pick(APPS);
      const tag = `registry.${world.dnsDomain}/${app}:${++this.build}`;
      const sh = lin.exec(t, this.agent, '/usr/bin/bash', 'bash --login', {
        cwd: `/home/gitlab-runner/builds/${r.upper(8)}/0/${world.org}/${app}`,
      });
      lin.exec(
        t + 2 * sec,
        sh,
        '/usr/bin/git',
        'git fetch --tags --force --progress -- origin +refs/heads/*:refs/remotes/origin/*',
      );
      lin.exec(t + 20 * sec, sh, '/usr/bin/podman', `podman build -t ${tag} .`);
      lin.exec(t + r.int(2, 6) * min, sh, '/usr/bin/podman', `podman run --rm ${tag} npm test`);
      lin.exec(t + r.int(7, 9) * min, sh, '/usr/bin/podman', `podman push ${tag}`);
      return;
    }
    const c = this.containers.length > 0 ? r.pick(this.containers) : null;
    if (c !== null && r.chance(0.5)) {
      flat.docker(t, c, 'die', 0);
      flat.docker(t + r.int(2, 10) * sec, c, 'start');
      return;
    }
    const line = '/usr/bin/docker system prune -f --filter until=24h';
    const sh = lin.exec(t, this.cron, '/usr/bin/dash', `/bin/sh -c ${line}`);
    lin.exec(t + 10, sh, '/usr/bin/docker', line.slice(9));
  }

  /** The CI runner starts a privileged BuildKit daemon with podman: a benign alert. */
  privilegedBuilder(t: number): void {
    if (this.agent === null) return;
    const { lin, r } = this.ctx;
    const sh = lin.exec(t, this.agent, '/usr/bin/bash', 'bash --login');
    lin.exec(
      t + 3 * sec,
      sh,
      '/usr/bin/podman',
      `podman run -d --privileged --name buildkitd-${r.hex(6)} docker.io/moby/buildkit:v0.12.4`,
    );
  }

  get isCi(): boolean {
    return this.agent !== null;
  }
}
