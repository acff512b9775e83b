import {
  DockerApiError,
  DockerClient,
  parseDockerEndpoint,
  type DockerEndpoint,
} from '../../containers/docker-api.js';
import { ActionError, type Action, type ActionContext, type Params } from './action.js';
import { daemonMessage, dockerPost, type DockerPostAnswer } from './docker-post.js';

/**
 * Container actions through the Docker Engine API (Docker, or Podman's compatible service).
 * The daemon's answer is final: "no such container" or "not running" will not change on a retry.
 * Only a daemon that cannot be reached, or says it is unavailable, is retried.
 */
export interface ContainerActionOptions {
  /** `unix:///var/run/docker.sock`, `tcp://host:2375`... */
  readonly endpoint: string;
  readonly apiVersion?: string;
  readonly timeoutMs?: number;
}

interface Daemon {
  readonly endpoint: DockerEndpoint;
  readonly client: DockerClient;
  readonly base: string;
  readonly timeoutMs: number;
}

function daemon(o: ContainerActionOptions): Daemon {
  const endpoint = parseDockerEndpoint(o.endpoint);
  const client = new DockerClient(endpoint, {
    timeoutMs: o.timeoutMs ?? 15_000,
    ...(o.apiVersion ? { apiVersion: o.apiVersion } : {}),
  });
  return { endpoint, client, base: `/v${client.apiVersion}`, timeoutMs: o.timeoutMs ?? 15_000 };
}

function failure(e: unknown): ActionError {
  if (e instanceof ActionError) return e;
  if (e instanceof DockerApiError) {
    const transient = e.status === undefined || e.status === 502 || e.status === 503 || e.status === 504;
    return new ActionError(e.message, transient);
  }
  if ((e as Error).name === 'AbortError') return new ActionError('Docker API call aborted', false);
  return new ActionError(String((e as Error).message ?? e), false);
}

async function call(
  d: Daemon,
  path: string,
  body: unknown,
  ctx: ActionContext,
  timeoutMs = d.timeoutMs,
): Promise<DockerPostAnswer> {
  let answer: DockerPostAnswer;
  try {
    answer = await dockerPost(d.endpoint, `${d.base}${path}`, body, { timeoutMs, signal: ctx.signal });
  } catch (e) {
    throw failure(e);
  }
  if (answer.status >= 200 && answer.status < 300) return answer;
  throw failure(
    new DockerApiError(`POST ${path}: ${answer.status}: ${daemonMessage(answer)}`, answer.status),
  );
}

interface Inspected {
  readonly Id: string;
  readonly Name?: string;
  readonly State?: { readonly Status?: string; readonly Paused?: boolean; readonly Running?: boolean };
  readonly NetworkSettings?: {
    readonly Networks?: Readonly<Record<string, { readonly Aliases?: readonly string[] | null }>>;
  };
}

async function inspect(d: Daemon, id: string): Promise<Inspected> {
  try {
    return (await d.client.inspectContainer(id)) as unknown as Inspected;
  } catch (e) {
    throw failure(e);
  }
}

const CONTAINER = { type: 'string' as const, required: true, description: 'container id or name' };
const ref = (p: Params) => encodeURIComponent(String(p.container));

export function containerActions(o: ContainerActionOptions): Action[] {
  let cached: Daemon | null = null;
  const d = () => (cached ??= daemon(o));
  return [
    {
      name: 'container.pause',
      description: 'Pause a container (freeze its processes); rollback unpauses it',
      params: { container: CONTAINER },
      plan: (p) => `pause container ${String(p.container)} at ${o.endpoint}`,
      async run(p, ctx) {
        const before = await inspect(d(), String(p.container));
        if (before.State?.Paused === true)
          return { output: { id: before.Id, alreadyPaused: true }, undo: null };
        await call(d(), `/containers/${ref(p)}/pause`, undefined, ctx);
        return { output: { id: before.Id, paused: true }, undo: { container: before.Id } };
      },
      async undo(u, ctx) {
        await call(d(), `/containers/${encodeURIComponent(String(u.container))}/unpause`, undefined, ctx);
        return { id: String(u.container), unpaused: true };
      },
    },
    {
      name: 'container.stop',
      description: 'Stop a container (SIGTERM, then SIGKILL after the grace period)',
      params: {
        container: CONTAINER,
        grace: {
          type: 'duration',
          min: 0,
          max: 300_000,
          description: 'time to exit before SIGKILL (default 10s)',
        },
      },
      irreversible: 'starting a stopped container again is a decision for a person, not a rollback',
      plan: (p) => `stop container ${String(p.container)} at ${o.endpoint}`,
      async run(p, ctx) {
        const grace = Math.round(Number(p.grace ?? 10_000) / 1000);
        const answer = await call(
          d(),
          `/containers/${ref(p)}/stop?t=${grace}`,
          undefined,
          ctx,
          d().timeoutMs + grace * 1000,
        );
        // 304: it was not running; Podman answers 204 for a container that never started.
        return {
          output: {
            container: String(p.container),
            status: answer.status,
            alreadyStopped: answer.status === 304,
          },
          undo: null,
        };
      },
    },
    {
      name: 'container.kill',
      description: 'Send a signal to a container (default SIGKILL)',
      params: {
        container: CONTAINER,
        signal: {
          type: 'enum',
          values: ['KILL', 'TERM', 'INT', 'HUP', 'QUIT'],
          description: 'the signal (default KILL)',
        },
      },
      irreversible: 'a killed process cannot be brought back',
      plan: (p) =>
        `send SIG${String(p.signal ?? 'KILL')} to container ${String(p.container)} at ${o.endpoint}`,
      async run(p, ctx) {
        const signal = String(p.signal ?? 'KILL');
        const answer = await call(d(), `/containers/${ref(p)}/kill?signal=${signal}`, undefined, ctx);
        return { output: { container: String(p.container), signal, status: answer.status }, undo: null };
      },
    },
    {
      name: 'container.disconnect',
      description:
        'Disconnect a container from one network, or from all its networks; rollback reconnects it',
      params: {
        container: CONTAINER,
        network: { type: 'string', description: 'the network (default: every network it is on)' },
      },
      plan: (p) =>
        `disconnect container ${String(p.container)} from ${p.network === undefined ? 'all its networks' : `network ${String(p.network)}`} at ${o.endpoint}`,
      async run(p, ctx) {
        const before = await inspect(d(), String(p.container));
        const networks = before.NetworkSettings?.Networks ?? {};
        const names = p.network === undefined ? Object.keys(networks) : [String(p.network)];
        if (p.network !== undefined && networks[String(p.network)] === undefined)
          throw new ActionError(
            `container ${String(p.container)} is not on network ${String(p.network)}`,
            false,
          );
        const done: { network: string; aliases: string[] }[] = [];
        for (const network of names) {
          await call(
            d(),
            `/networks/${encodeURIComponent(network)}/disconnect`,
            { Container: before.Id, Force: true },
            ctx,
          );
          done.push({ network, aliases: [...(networks[network]?.Aliases ?? [])] });
        }
        return {
          output: { id: before.Id, disconnected: names },
          undo: done.length === 0 ? null : { container: before.Id, networks: done },
        };
      },
      async undo(u, ctx) {
        const networks = (u.networks ?? []) as { network: string; aliases: string[] }[];
        const reconnected: string[] = [];
        for (const n of networks) {
          await call(
            d(),
            `/networks/${encodeURIComponent(n.network)}/connect`,
            {
              Container: String(u.container),
              EndpointConfig: n.aliases.length > 0 ? { Aliases: n.aliases } : {},
            },
            ctx,
          );
          reconnected.push(n.network);
        }
        return { id: String(u.container), reconnected };
      },
    },
  ];
}
