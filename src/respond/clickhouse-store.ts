import { deleteRows, PURGE_CHUNK, purgeVersions } from '../store/purge.js';
import { sqlTime } from '../store/rows.js';
import type { Store } from '../store/store.js';
import { RESPONSE_DDL } from './schema.js';
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

const rows = (...objects: readonly object[]) => Buffer.from(objects.map((o) => JSON.stringify(o)).join('\n'));
const ms = (v: unknown) => Number(v);

/**
 * The response store in ClickHouse (embedded or server), through the project's Store: every
 * value is a `{name:Type}` parameter. Records are kept as JSON next to the columns that filter
 * them; a change is a new row version, read back with FINAL.
 */
export class ClickHouseResponseStore implements ResponseStore {
  private version = 0;

  constructor(private readonly store: Store) {}

  /** Creates the tables (the server's migration runs RESPONSE_DDL the same way). */
  async migrate(): Promise<void> {
    for (const ddl of RESPONSE_DDL) await this.store.exec(ddl);
  }

  /** Versions only grow, even when the clock steps back or two writes share a millisecond. */
  private nextVersion(): number {
    this.version = Math.max(this.version + 1, Date.now() * 1000);
    return this.version;
  }

  async saveRun(run: RunRecord): Promise<void> {
    await this.store.insert(
      'response_runs',
      rows({
        run_id: run.id,
        version: this.nextVersion(),
        tenant: run.tenant,
        playbook_id: run.playbook.id,
        subject_id: run.trigger.subjectId,
        status: run.status,
        created: sqlTime(run.created),
        updated: sqlTime(run.updated),
        record: JSON.stringify(run),
      }),
    );
  }

  async getRun(id: string): Promise<RunRecord | null> {
    const r = await this.store.query<{ record: string }>(
      'SELECT record FROM response_runs FINAL WHERE run_id = {id:String}',
      { id },
    );
    return r[0] === undefined ? null : (JSON.parse(r[0].record) as RunRecord);
  }

  async listRuns(filter: RunFilter): Promise<RunRecord[]> {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: runLimit(filter.limit) };
    if (filter.tenant !== undefined) {
      where.push('tenant = {tenant:String}');
      params.tenant = filter.tenant;
    }
    const statuses = statusList(filter.status);
    if (statuses !== null) {
      where.push('has({statuses:Array(String)}, status)');
      params.statuses = statuses;
    }
    if (filter.playbook !== undefined) {
      where.push('playbook_id = {playbook:String}');
      params.playbook = filter.playbook;
    }
    if (filter.subject !== undefined) {
      where.push('subject_id = {subject:String}');
      params.subject = filter.subject;
    }
    const r = await this.store.query<{ record: string }>(
      `SELECT record FROM response_runs FINAL ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created DESC, run_id LIMIT {limit:UInt32}`,
      params,
    );
    return r.map((x) => JSON.parse(x.record) as RunRecord);
  }

  async claimStep(key: string, runId: string, now: number): Promise<string | null> {
    const r = await this.store.query<{ run_id: string }>(
      'SELECT run_id FROM response_step_keys WHERE step_key = {key:String} ORDER BY claimed LIMIT 1',
      { key },
    );
    if (r[0] !== undefined) return r[0].run_id;
    await this.store.insert(
      'response_step_keys',
      rows({ step_key: key, run_id: runId, claimed: sqlTime(now) }),
    );
    return null;
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    await this.store.insert(
      'response_audit',
      rows({
        tenant: entry.tenant,
        ts: sqlTime(entry.time),
        seq: this.nextVersion(),
        audit_id: entry.id,
        actor: entry.actor,
        event: entry.event,
        run_id: entry.runId ?? '',
        detail: entry.detail,
      }),
    );
  }

  async listAudit(filter: AuditFilter): Promise<AuditEntry[]> {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: runLimit(filter.limit) };
    if (filter.tenant !== undefined) {
      where.push('tenant = {tenant:String}');
      params.tenant = filter.tenant;
    }
    if (filter.runId !== undefined) {
      where.push('run_id = {run:String}');
      params.run = filter.runId;
    }
    const r = await this.store.query<{
      audit_id: string;
      t: string;
      tenant: string;
      actor: string;
      event: string;
      run_id: string;
      detail: string;
    }>(
      `SELECT audit_id, toUnixTimestamp64Milli(ts) AS t, tenant, actor, event, run_id, detail FROM response_audit
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ts DESC, seq DESC LIMIT {limit:UInt32}`,
      params,
    );
    return r.map((a) => ({
      id: a.audit_id,
      time: ms(a.t),
      tenant: a.tenant,
      actor: a.actor,
      event: a.event,
      runId: a.run_id === '' ? null : a.run_id,
      detail: a.detail,
    }));
  }

  async putBlockEntry(e: BlockEntry): Promise<void> {
    await this.store.insert(
      'response_blocklist',
      rows({
        tenant: e.tenant,
        list: e.list,
        value: e.value,
        version: this.nextVersion(),
        reason: e.reason,
        added_by: e.addedBy,
        created: sqlTime(e.created),
        expires: sqlTime(e.expires),
        removed: e.removed ? 1 : 0,
        updated: sqlTime(e.updated),
      }),
    );
  }

  private static readonly BLOCK_COLUMNS = `tenant, list, value, reason, added_by, toUnixTimestamp64Milli(created) AS c,
    toUnixTimestamp64Milli(expires) AS x, removed, toUnixTimestamp64Milli(updated) AS u`;

  private static blockEntry(r: Record<string, unknown>): BlockEntry {
    return {
      tenant: String(r.tenant),
      list: String(r.list) as BlockListName,
      value: String(r.value),
      reason: String(r.reason),
      addedBy: String(r.added_by),
      created: ms(r.c),
      expires: ms(r.x),
      removed: Number(r.removed) === 1,
      updated: ms(r.u),
    };
  }

  async getBlockEntry(tenant: string, list: BlockListName, value: string): Promise<BlockEntry | null> {
    const r = await this.store.query(
      `SELECT ${ClickHouseResponseStore.BLOCK_COLUMNS} FROM response_blocklist FINAL
       WHERE tenant = {tenant:String} AND list = {list:String} AND value = {value:String}`,
      { tenant, list, value },
    );
    return r[0] === undefined ? null : ClickHouseResponseStore.blockEntry(r[0]);
  }

  async listBlockEntries(tenant: string, list: BlockListName, now: number): Promise<BlockEntry[]> {
    const r = await this.store.query(
      `SELECT ${ClickHouseResponseStore.BLOCK_COLUMNS} FROM response_blocklist FINAL
       WHERE tenant = {tenant:String} AND list = {list:String} AND removed = 0
         AND expires > fromUnixTimestamp64Milli({now:Int64}, 'UTC')
       ORDER BY value`,
      { tenant, list, now },
    );
    return r.map((x) => ClickHouseResponseStore.blockEntry(x));
  }

  async putAgentCommand(c: AgentCommand): Promise<void> {
    await this.store.insert(
      'response_agent_commands',
      rows({
        tenant: c.tenant,
        host: c.host,
        command_id: c.id,
        version: this.nextVersion(),
        state: c.state,
        created: sqlTime(c.created),
        record: JSON.stringify(c),
      }),
    );
  }

  async getAgentCommand(tenant: string, id: string): Promise<AgentCommand | null> {
    const r = await this.store.query<{ record: string }>(
      'SELECT record FROM response_agent_commands FINAL WHERE tenant = {tenant:String} AND command_id = {id:String}',
      { tenant, id },
    );
    return r[0] === undefined ? null : (JSON.parse(r[0].record) as AgentCommand);
  }

  async listAgentCommands(
    tenant: string,
    host: string,
    states?: readonly AgentCommandState[],
  ): Promise<AgentCommand[]> {
    const r = await this.store.query<{ record: string }>(
      `SELECT record FROM response_agent_commands FINAL
       WHERE tenant = {tenant:String} AND host = {host:String} ${states === undefined ? '' : 'AND has({states:Array(String)}, state)'}
       ORDER BY created, command_id`,
      { tenant, host, ...(states === undefined ? {} : { states }) },
    );
    return r.map((x) => JSON.parse(x.record) as AgentCommand);
  }

  async getSetting(key: string): Promise<string | null> {
    const r = await this.store.query<{ value: string }>(
      'SELECT value FROM response_settings FINAL WHERE key = {key:String}',
      { key },
    );
    return r[0]?.value ?? null;
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.store.insert('response_settings', rows({ key, value, version: this.nextVersion() }));
  }

  async purge(cut: PurgeCutoffs): Promise<PurgeCounts> {
    const at = { cut: cut.records };
    const before = "fromUnixTimestamp64Milli({cut:Int64}, 'UTC')";
    const runs = await purgeVersions(
      this.store,
      { table: 'response_runs', key: ['run_id'], version: 'version' },
      {
        sql: `SELECT run_id FROM response_runs FINAL WHERE NOT has({live:Array(String)}, status) AND updated < ${before}`,
        params: { ...at, live: LIVE_RUN_STATUSES },
      },
    );
    // A run over and gone claims nothing more.
    let stepKeys = 0;
    for (let i = 0; i < runs.length; i += PURGE_CHUNK) {
      const ids = runs.slice(i, i + PURGE_CHUNK).map(([id]) => id!);
      stepKeys += await deleteRows(this.store, 'response_step_keys', 'has({ids:Array(String)}, run_id)', {
        ids,
      });
    }
    const commands = await purgeVersions(
      this.store,
      { table: 'response_agent_commands', key: ['tenant', 'host', 'command_id'], version: 'version' },
      {
        sql: `SELECT tenant, host, command_id FROM response_agent_commands FINAL
              WHERE created < ${before} AND (has({ended:Array(String)}, state)
                OR JSONExtractInt(record, 'expires') < {cut:Int64})`,
        params: { ...at, ended: ENDED_COMMAND_STATES },
      },
    );
    const blocks = await purgeVersions(
      this.store,
      { table: 'response_blocklist', key: ['tenant', 'list', 'value'], version: 'version' },
      {
        sql: `SELECT tenant, list, value FROM response_blocklist FINAL
              WHERE updated < ${before} AND (removed = 1 OR expires < ${before})`,
        params: at,
      },
    );
    // The audit log is only ever appended to: its old rows can go as they are.
    const audit = await deleteRows(this.store, 'response_audit', `ts < ${before}`, { cut: cut.audit });
    return {
      runs: runs.length,
      stepKeys,
      agentCommands: commands.length,
      blockEntries: blocks.length,
      audit,
    };
  }
}
