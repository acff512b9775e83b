import { AgentCommandQueue } from '../agent-queue.js';
import { formatDuration } from '../duration.js';
import { ActionError, type Action, type Params } from './action.js';

/**
 * Asks an endpoint agent to act: the command is queued for the host's agent, which polls for it
 * (see agent-queue.ts). The step succeeds once the command is queued; the agent's answer arrives
 * later, through ack, and lands in the audit log.
 */
const TTL = {
  type: 'duration' as const,
  min: 60_000,
  max: 7 * 86_400_000,
  description: 'how long the command waits for the agent (default 1h)',
};
const DEFAULT_TTL = 3_600_000;

/** `host|pid` is how correlation names a process on a host. */
function processTarget(p: Params): { host: string; process: string } | string {
  const proc = String(p.process ?? '').trim();
  const bar = proc.indexOf('|');
  const host = p.host !== undefined ? String(p.host) : bar > 0 ? proc.slice(0, bar) : '';
  const process = bar > 0 ? proc.slice(bar + 1) : proc;
  if (host === '') return 'name the host, or give the process as host|pid';
  if (process === '') return 'name the process: a pid, a process GUID, or host|pid';
  return { host, process };
}

export function hostActions(): Action[] {
  return [
    {
      name: 'host.isolate',
      description: "Ask the host's agent to isolate it from the network (rollback: unisolate)",
      params: { host: { type: 'string', required: true, description: 'the host name' }, ttl: TTL },
      plan: (p) => `queue "isolate" for the agent on ${String(p.host)}`,
      async run(p, ctx) {
        const queue = new AgentCommandQueue(ctx.store, ctx.now);
        const c = await queue.enqueue({
          tenant: ctx.tenant,
          host: String(p.host),
          command: 'isolate',
          args: { reason: `${ctx.playbook.title}: ${ctx.subject.title}`.slice(0, 500) },
          runId: ctx.runId,
          ttlMs: Number(p.ttl ?? DEFAULT_TTL),
        });
        return {
          output: { command: c.id, host: c.host, expires: new Date(c.expires).toISOString() },
          undo: { command: c.id, host: c.host, ttl: Number(p.ttl ?? DEFAULT_TTL) },
        };
      },
      async undo(u, ctx) {
        const queue = new AgentCommandQueue(ctx.store, ctx.now);
        // Not yet delivered: withdrawing it is the whole undo.
        if (await queue.cancel(ctx.tenant, String(u.command))) return { cancelled: String(u.command) };
        const c = await queue.enqueue({
          tenant: ctx.tenant,
          host: String(u.host),
          command: 'unisolate',
          args: { counters: String(u.command) },
          runId: ctx.runId,
          ttlMs: Number(u.ttl ?? DEFAULT_TTL),
        });
        return { unisolate: c.id, host: c.host };
      },
    },
    {
      name: 'host.kill_process',
      description: "Ask the host's agent to kill a process",
      params: {
        host: { type: 'string', description: 'the host name (default: from process, when it is host|pid)' },
        process: { type: 'string', required: true, description: 'a pid, a process GUID, or host|pid' },
        ttl: TTL,
      },
      irreversible: 'a killed process cannot be brought back',
      check: (p) => {
        const t = processTarget(p);
        return typeof t === 'string' ? t : null;
      },
      plan: (p) => {
        const t = processTarget(p);
        return typeof t === 'string'
          ? `kill a process: ${t}`
          : `queue "kill_process ${t.process}" for the agent on ${t.host} (expires in ${formatDuration(Number(p.ttl ?? DEFAULT_TTL))})`;
      },
      async run(p, ctx) {
        const t = processTarget(p);
        if (typeof t === 'string') throw new ActionError(t, false);
        const c = await new AgentCommandQueue(ctx.store, ctx.now).enqueue({
          tenant: ctx.tenant,
          host: t.host,
          command: 'kill_process',
          args: { process: t.process },
          runId: ctx.runId,
          ttlMs: Number(p.ttl ?? DEFAULT_TTL),
        });
        return { output: { command: c.id, host: c.host, process: t.process }, undo: null };
      },
    },
  ];
}
