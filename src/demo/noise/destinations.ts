import type { Rng } from '../prng.js';
import type { World } from '../world.js';

/** A service many hosts talk to: a name and the addresses it resolves to in this scenario. */
export interface Destination {
  readonly domain: string;
  readonly ips: readonly string[];
  readonly port: number;
}

export type DestinationKind = 'browser' | 'office' | 'teams' | 'windows' | 'defender' | 'dev' | 'linux';

const CATALOG: Readonly<Record<DestinationKind, readonly (readonly [string, readonly string[]])[]>> = {
  browser: [
    ['www.google.com', ['142.251', '172.217']],
    ['www.bing.com', ['13.107']],
    ['en.wikipedia.org', ['185.15']],
    ['www.linkedin.com', ['13.107']],
    ['www.youtube.com', ['216.58']],
    ['stackoverflow.com', ['151.101']],
    ['docs.google.com', ['142.251']],
  ],
  // Office programs reach these: addresses in Microsoft's published ranges.
  office: [
    ['outlook.office365.com', ['52.168', '52.182']],
    ['login.microsoftonline.com', ['20.190', '40.77']],
    ['www.office.com', ['20.189']],
    ['graph.microsoft.com', ['20.190']],
  ],
  teams: [
    ['teams.microsoft.com', ['52.113']],
    ['presence.teams.microsoft.com', ['52.113']],
  ],
  windows: [
    ['ctldl.windowsupdate.com', ['13.107', '93.184']],
    ['settings-win.data.microsoft.com', ['20.190']],
    ['v10.events.data.microsoft.com', ['20.189']],
    ['fe3cr.delivery.mp.microsoft.com', ['20.72']],
    ['www.msftconnecttest.com', ['13.107']],
  ],
  defender: [
    ['wdcp.microsoft.com', ['20.190']],
    ['definitionupdates.microsoft.com', ['13.107']],
  ],
  dev: [
    ['github.com', ['140.82']],
    ['api.github.com', ['140.82']],
    ['registry.npmjs.org', ['104.16']],
    ['pypi.org', ['151.101']],
    ['marketplace.visualstudio.com', ['13.107']],
  ],
  linux: [
    ['archive.ubuntu.com', ['91.189', '185.125']],
    ['security.ubuntu.com', ['91.189', '185.125']],
    ['registry-1.docker.io', ['54.196', '44.205']],
    ['production.cloudflare.docker.com', ['104.16']],
    ['deb.debian.org', ['151.101']],
  ],
};

/** The services of this scenario, two addresses each, every one of them fleet-wide. */
export function destinations(world: World, r: Rng): Record<DestinationKind, Destination[]> {
  const out = {} as Record<DestinationKind, Destination[]>;
  for (const kind of Object.keys(CATALOG) as DestinationKind[])
    out[kind] = CATALOG[kind].map(([domain, prefixes]) => ({
      domain,
      ips: [world.freshIp(r, prefixes), world.freshIp(r, prefixes)],
      port: 443,
    }));
  return out;
}

/** Public resolvers every Linux host uses. */
export const PUBLIC_RESOLVERS = ['8.8.8.8', '1.1.1.1'];
