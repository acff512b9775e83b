import { randomUUID } from 'node:crypto';
import type { AgentCommand, AgentCommandName, ResponseStore } from './store.js';

/**
 * Commands for endpoint agents, which poll for them: Vigil never connects to an endpoint. An agent
 * polls with its host id and gets the commands waiting for it; it acks each with a result.
 * Delivery is at least once: a command delivered but not acked is delivered again after
 * `redeliverMs`, so agents dedupe by command id. Commands expire: an isolation that reaches a host
 * a week late does more harm than good.
 */
export interface AgentQueueOptions {
  readonly redeliverMs?: number;
  /** Most commands one poll returns. */
  readonly pollLimit?: number;
}

export class AgentCommandError extends Error {
  constructor(
    message: string,
    readonly status: 404 | 409,
  ) {
    super(message);
    this.name = 'AgentCommandError';
  }
}

const MAX_OUTPUT = 16 * 1024;
export const hostKey = (host: string) => host.trim().toLowerCase();

export class AgentCommandQueue {
  private readonly redeliverMs: number;
  private readonly pollLimit: number;

  constructor(
    private readonly store: ResponseStore,
    private readonly now: () => number = Date.now,
    options: AgentQueueOptions = {},
  ) {
    this.redeliverMs = options.redeliverMs ?? 5 * 60_000;
    this.pollLimit = options.pollLimit ?? 50;
  }

  async enqueue(input: {
    tenant: string;
    host: string;
    command: AgentCommandName;
    args: Readonly<Record<string, string>>;
    runId: string;
    ttlMs: number;
    id?: string;
  }): Promise<AgentCommand> {
    const now = this.now();
    const command: AgentCommand = {
      id: input.id ?? randomUUID(),
      tenant: input.tenant,
      host: hostKey(input.host),
      command: input.command,
      args: { ...input.args },
      runId: input.runId,
      created: now,
      expires: now + input.ttlMs,
      state: 'pending',
      delivered: null,
      deliveries: 0,
      result: null,
    };
    await this.store.putAgentCommand(command);
    return command;
  }

  /** What an agent gets when it polls: pending commands, and delivered ones it has not acked in time. */
  async poll(tenant: string, host: string): Promise<AgentCommand[]> {
    const now = this.now();
    const out: AgentCommand[] = [];
    for (const c of await this.store.listAgentCommands(tenant, hostKey(host), ['pending', 'delivered'])) {
      if (c.expires <= now) {
        await this.store.putAgentCommand({ ...c, state: 'expired' });
        continue;
      }
      if (c.state === 'delivered' && c.delivered !== null && now - c.delivered < this.redeliverMs) continue;
      if (out.length >= this.pollLimit) break;
      const delivered: AgentCommand = {
        ...c,
        state: 'delivered',
        delivered: now,
        deliveries: c.deliveries + 1,
      };
      await this.store.putAgentCommand(delivered);
      out.push(delivered);
    }
    return out;
  }

  /** The agent's answer. A command is acked once; a second ack with another result is refused. */
  async ack(
    tenant: string,
    host: string,
    id: string,
    result: { ok: boolean; output?: string },
  ): Promise<AgentCommand> {
    const c = await this.store.getAgentCommand(tenant, id);
    if (c === null || c.host !== hostKey(host))
      throw new AgentCommandError(`no command ${id} for host ${host}`, 404);
    if (c.state === 'done' || c.state === 'failed') {
      if (c.result?.ok === result.ok) return c;
      throw new AgentCommandError(`command ${id} was already acked`, 409);
    }
    if (c.state === 'cancelled' || c.state === 'expired')
      throw new AgentCommandError(`command ${id} is ${c.state}`, 409);
    const done: AgentCommand = {
      ...c,
      state: result.ok ? 'done' : 'failed',
      result: { ok: result.ok, output: (result.output ?? '').slice(0, MAX_OUTPUT), at: this.now() },
    };
    await this.store.putAgentCommand(done);
    return done;
  }

  /** Withdraws a command no agent has received yet; false when it is too late. */
  async cancel(tenant: string, id: string): Promise<boolean> {
    const c = await this.store.getAgentCommand(tenant, id);
    if (c === null || c.state !== 'pending') return false;
    await this.store.putAgentCommand({ ...c, state: 'cancelled' });
    return true;
  }

  get(tenant: string, id: string): Promise<AgentCommand | null> {
    return this.store.getAgentCommand(tenant, id);
  }
}
