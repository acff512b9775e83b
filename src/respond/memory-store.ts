import {
  ENDED_COMMAND_STATES,
  LIVE_RUN_STATUSES,
  runLimit,
  statusList,
  type AgentCommand,
  type AgentCommandState,
  type AuditEntry,
  type AuditFilter,
  type BlockEntry,
  type BlockListName,
  type PurgeCounts,
  type PurgeCutoffs,
  type ResponseStore,
  type RunFilter,
  type RunRecord,
} from './store.js';

/** The response store in memory: for tests, the CLI, and single-run tools. Values are copied in and out. */
export class MemoryResponseStore implements ResponseStore {
  private readonly runs = new Map<string, RunRecord>();
  private readonly steps = new Map<string, string>();
  private audit: AuditEntry[] = [];
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

  async purge(cut: PurgeCutoffs): Promise<PurgeCounts> {
    const gone = new Set<string>();
    for (const [id, r] of this.runs)
      if (!LIVE_RUN_STATUSES.includes(r.status) && r.updated < cut.records) {
        this.runs.delete(id);
        gone.add(id);
      }
    let stepKeys = 0;
    for (const [key, runId] of this.steps)
      if (gone.has(runId)) {
        this.steps.delete(key);
        stepKeys++;
      }
    let agentCommands = 0;
    for (const [key, c] of this.commands)
      if (c.created < cut.records && (ENDED_COMMAND_STATES.includes(c.state) || c.expires < cut.records)) {
        this.commands.delete(key);
        agentCommands++;
      }
    let blockEntries = 0;
    for (const [key, e] of this.blocks)
      if (e.updated < cut.records && (e.removed || e.expires < cut.records)) {
        this.blocks.delete(key);
        blockEntries++;
      }
    const before = this.audit.length;
    this.audit = this.audit.filter((a) => a.time >= cut.audit);
    return { runs: gone.size, stepKeys, agentCommands, blockEntries, audit: before - this.audit.length };
  }
}
