import {
  runLimit,
  statusList,
  type AgentCommand,
  type AgentCommandState,
  type AuditEntry,
  type AuditFilter,
  type BlockEntry,
  type BlockListName,
  type ResponseStore,
  type RunFilter,
  type RunRecord,
} from './store.js';

/** The response store in memory: for tests, the CLI, and single-run tools. Values are copied in and out. */
export class MemoryResponseStore implements ResponseStore {
  private readonly runs = new Map<string, RunRecord>();
  private readonly steps = new Map<string, string>();
  private readonly audit: AuditEntry[] = [];
  private readonly blocks = new Map<string, BlockEntry>();
  private readonly commands = new Map<string, AgentCommand>();
  private readonly settings = new Map<string, string>();

  async saveRun(run: RunRecord): Promise<void> {
    this.runs.set(run.id, structuredClone(run));
  }

  async getRun(id: string): Promise<RunRecord | null> {
    const r = this.runs.get(id);
    return r === undefined ? null : structuredClone(r);
  }

  async listRuns(filter: RunFilter): Promise<RunRecord[]> {
    const statuses = statusList(filter.status);
    return [...this.runs.values()]
      .filter(
        (r) =>
          (filter.tenant === undefined || r.tenant === filter.tenant) &&
          (statuses === null || statuses.includes(r.status)) &&
          (filter.playbook === undefined || r.playbook.id === filter.playbook) &&
          (filter.subject === undefined || r.trigger.subjectId === filter.subject),
      )
      .sort((a, b) => b.created - a.created || (a.id < b.id ? -1 : 1))
      .slice(0, runLimit(filter.limit))
      .map((r) => structuredClone(r));
  }

  async claimStep(key: string, runId: string): Promise<string | null> {
    const holder = this.steps.get(key);
    if (holder !== undefined) return holder;
    this.steps.set(key, runId);
    return null;
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    this.audit.push({ ...entry });
  }

  async listAudit(filter: AuditFilter): Promise<AuditEntry[]> {
    return this.audit
      .filter(
        (a) =>
          (filter.tenant === undefined || a.tenant === filter.tenant) &&
          (filter.runId === undefined || a.runId === filter.runId),
      )
      .reverse()
      .slice(0, runLimit(filter.limit))
      .map((a) => ({ ...a }));
  }

  async putBlockEntry(entry: BlockEntry): Promise<void> {
    this.blocks.set(`${entry.tenant}\u0000${entry.list}\u0000${entry.value}`, { ...entry });
  }

  async getBlockEntry(tenant: string, list: BlockListName, value: string): Promise<BlockEntry | null> {
    const e = this.blocks.get(`${tenant}\u0000${list}\u0000${value}`);
    return e === undefined ? null : { ...e };
  }

  async listBlockEntries(tenant: string, list: BlockListName, now: number): Promise<BlockEntry[]> {
    return [...this.blocks.values()]
      .filter((e) => e.tenant === tenant && e.list === list && !e.removed && e.expires > now)
      .sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
      .map((e) => ({ ...e }));
  }

  async putAgentCommand(command: AgentCommand): Promise<void> {
    this.commands.set(`${command.tenant}\u0000${command.id}`, structuredClone(command));
  }

  async getAgentCommand(tenant: string, id: string): Promise<AgentCommand | null> {
    const c = this.commands.get(`${tenant}\u0000${id}`);
    return c === undefined ? null : structuredClone(c);
  }

  async listAgentCommands(
    tenant: string,
    host: string,
    states?: readonly AgentCommandState[],
  ): Promise<AgentCommand[]> {
    return [...this.commands.values()]
      .filter(
        (c) => c.tenant === tenant && c.host === host && (states === undefined || states.includes(c.state)),
      )
      .sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : 1))
      .map((c) => structuredClone(c));
  }

  async getSetting(key: string): Promise<string | null> {
    return this.settings.get(key) ?? null;
  }

  async setSetting(key: string, value: string): Promise<void> {
    this.settings.set(key, value);
  }
}
