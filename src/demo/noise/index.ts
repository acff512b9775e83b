import type { Timeline } from '../timeline.js';
import type { Account, Host } from '../world.js';
import { freeAdmins, min, type NoiseContext } from './context.js';
import { LinuxBox } from './linux.js';
import { domainLogon, WindowsDesk } from './windows.js';

export { destinations } from './destinations.js';
export type { NoiseContext } from './context.js';

/**
 * About `count` ordinary events over the window, in time order: Windows services and users,
 * domain logons, Linux cron/systemd/SSH/CI, network sensor logs, and a few benign alerts (an
 * admin's Run key for a normal program, a privileged BuildKit container in CI). Hosts and
 * accounts that stories hold get only the operating system's own activity.
 */
export function addBackground(ctx: NoiseContext, timeline: Timeline, count: number, end: number): void {
  if (count <= 0) return;
  const { world, r } = ctx;
  const free = (h: Host) => !world.reservedHosts.has(h);
  const desks = world.windowsHosts.map((h) => {
    const user = world.primaryUser.get(h);
    const withUser = user !== undefined && free(h) && !world.reservedAccounts.has(user);
    return new WindowsDesk(ctx, h, withUser ? user : null);
  });
  const working = desks.filter((d) => d.hasUser);
  const boxes = world.linuxHosts.map((h) => new LinuxBox(ctx, h, free(h)));
  const peopleBoxes = boxes.filter((b) => b.withPeople);
  const ciBoxes = boxes.filter((b) => b.isCi);
  const servers = world.windowsHosts.filter((h) => (h.role === 'server' || h.role === 'dc') && free(h));
  const operators = world.linuxUsers.filter((a) => !world.reservedAccounts.has(a));
  const admins = freeAdmins(world);
  const machines = new Map<Host, Account>();
  const machine = (h: Host): Account => {
    let a = machines.get(h);
    if (a === undefined)
      machines.set(
        h,
        (a = {
          name: `${h.short}$`,
          domain: world.netbios,
          sid: `${world.domainSid}-${3000 + machines.size}`,
          uid: 0,
        }),
      );
    return a;
  };

  // The benign alerts, spread over the day.
  const span = end - ctx.start - 2 * min;
  const benign: { at: number; run: () => void }[] = [];
  if (count >= 1000) {
    for (
      let i = Math.max(1, Math.round(count / 8000));
      i > 0 && working.length > 1 && admins.length > 0;
      i--
    ) {
      const at = ctx.start + r.int(0, span);
      const [target, from] = r.shuffle(working);
      benign.push({ at, run: () => target!.adminRunKey(at, r.pick(admins), from!.host) });
    }
    for (let i = Math.max(1, Math.round(count / 8000)); i > 0 && ciBoxes.length > 0; i--) {
      const at = ctx.start + r.int(0, span);
      const box = r.pick(ciBoxes);
      benign.push({ at, run: () => box.privilegedBuilder(at) });
    }
  }
  benign.sort((a, b) => a.at - b.at);

  // Servers' routine (a task, a check-in), about a tenth of the events: a baseline per host.
  const steady = desks.filter((d) => d.host.role === 'server' || d.host.role === 'dc');
  const every = Math.max(10 * min, Math.floor((span * steady.length * 2) / Math.max(1, count / 10)));
  const due = new Map(steady.map((d) => [d, ctx.start + r.int(0, every)]));

  const before = timeline.size;
  while (timeline.size - before < count) {
    const t = ctx.start + Math.floor((span * (timeline.size - before)) / count) + r.int(0, 30_000);
    while (benign.length > 0 && benign[0]!.at <= t) benign.shift()!.run();
    for (const [desk, at] of due)
      if (at <= t) {
        desk.heartbeat(at);
        due.set(desk, at + r.int(every / 2, (every * 3) / 2));
      }
    const kind = r.weighted<number>([
      [working.length > 0 ? 45 : 0, 0],
      [25, 1],
      [servers.length > 0 && working.length > 0 ? 8 : 0, 2],
      [boxes.length > 0 ? 10 : 0, 3],
      [peopleBoxes.length > 0 && operators.length > 0 && working.length > 0 ? 2 : 0, 4],
      [peopleBoxes.length > 0 ? 4 : 0, 5],
      [working.length > 0 ? 4 : 0, 6],
    ]);
    switch (kind) {
      case 0:
        r.pick(working).work(t);
        break;
      case 1:
        r.pick(desks).os(t);
        break;
      case 2: {
        const client = r.pick(working).host;
        const account = r.chance(0.7) ? world.primaryUser.get(client)! : machine(client);
        domainLogon(ctx, t, r.pick(servers), client, account);
        break;
      }
      case 3:
        r.pick(boxes).os(t);
        break;
      case 4:
        r.pick(peopleBoxes).ssh(t, r.pick(operators), r.pick(working).host);
        break;
      case 5:
        r.pick(peopleBoxes).work(t);
        break;
      default: {
        const host = r.pick(working).host;
        const d = r.pick([...ctx.dest.browser, ...ctx.dest.office, ...ctx.dest.teams]);
        ctx.flat.dnsQuery(t, host, world.dc.ip, d.domain, d.ips);
        ctx.flat.conn(
          t + 200,
          host,
          { ip: r.pick(d.ips), port: 443 },
          { out: r.int(500, 30_000), in: r.int(1000, 2_000_000) },
        );
      }
    }
  }
  for (const b of benign) b.run();
}
