import { randomUUID } from 'node:crypto';
import { LEVELS, type Level } from '../detect/sigma/model.js';
import { suppressionProblem, type Suppression } from '../detect/suppressions.js';
import { deleteRows, PURGE_CHUNK, purgeVersions } from '../store/purge.js';
import { sqlTime } from '../store/rows.js';
import type { Store } from '../store/store.js';
import type { Incident } from './incidents.js';

export const STATUSES = ['new', 'investigating', 'closed'] as const;
export type IncidentStatus = (typeof STATUSES)[number];
export const VERDICTS = ['true-positive', 'benign-positive', 'false-positive', 'duplicate'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** A request the caller got wrong: the message is for them (HTTP 400, CLI exit 2). */
export class IncidentRequestError extends Error {}

export interface IncidentState {
  readonly status: IncidentStatus;
  readonly assignee: string;
  readonly verdict: Verdict | '';
  readonly updatedBy: string;
  readonly updated: number | null;
}

export interface IncidentSummary {
  readonly id: string;
  readonly title: string;
  readonly severity: Level;
  readonly risk: number;
  readonly first: number;
  readonly last: number;
  readonly alertCount: number;
  readonly hosts: readonly string[];
  readonly users: readonly string[];
  readonly tactics: readonly string[];
  readonly state: IncidentState;
}

export interface IncidentNote {
  readonly id: string;
  readonly time: number;
  readonly author: string;
  readonly text: string;
}

export type IncidentDetail = Incident & {
  readonly state: IncidentState;
  readonly notes: readonly IncidentNote[];
};

export interface IncidentListOptions {
  readonly status?: IncidentStatus;
  readonly minSeverity?: Level;
  /** Epoch ms: incidents active (last alert) at or after this time. */
  readonly from: number;
  readonly to: number;
  readonly limit: number;
  /** Incidents to skip, for paging through many. */
  readonly offset?: number;
}

interface Row {
  incident_id: string;
  title: string;
  severity: string;
  risk: number;
  first: number | string;
  last: number | string;
  alert_count: number | string;
  hosts: string[];
  users: string[];
  tactics: string[];
  status: string;
  assignee: string;
  verdict: string;
  author: string;
  state_updated: number | string;
}

const NEW_STATE: IncidentState = { status: 'new', assignee: '', verdict: '', updatedBy: '', updated: null };

function stateOf(r: Row): IncidentState {
  if (r.status === '') return NEW_STATE;
  return {
    status: r.status as IncidentStatus,
    assignee: r.assignee,
    verdict: r.verdict as Verdict | '',
    updatedBy: r.author,
    updated: Number(r.state_updated),
  };
}

const LATEST = `SELECT incident_id, argMax(merged_into, version) AS merged_into, argMax(title, version) AS title,
  argMax(severity, version) AS severity, argMax(risk, version) AS risk,
  toUnixTimestamp64Milli(argMax(first, version)) AS first, toUnixTimestamp64Milli(argMax(last, version)) AS last,
  argMax(alert_count, version) AS alert_count, argMax(hosts, version) AS hosts, argMax(users, version) AS users,
  argMax(tactics, version) AS tactics, argMax(detail, version) AS detail
  FROM incidents WHERE tenant = {tenant:String}`;

const STATE = `SELECT incident_id, argMax(status, updated) AS status, argMax(assignee, updated) AS assignee,
  argMax(verdict, updated) AS verdict, argMax(author, updated) AS author, toUnixTimestamp64Milli(max(updated)) AS state_updated
  FROM incident_state WHERE tenant = {tenant:String} GROUP BY incident_id`;

/** A purge's cut-off, from its `before` parameter (epoch ms). */
const CUT = "fromUnixTimestamp64Milli({before:Int64}, 'UTC')";

/** Incidents, their lifecycle and notes, and suppressions, in the store; every read is per tenant. */
export class IncidentRepository {
  constructor(private readonly store: Store) {}

  async list(tenant: string, o: IncidentListOptions): Promise<IncidentSummary[]> {
    const where: string[] = ["i.merged_into = ''", 'i.last >= {from:Int64}', 'i.first <= {to:Int64}'];
    const params: Record<string, unknown> = {
      tenant,
      from: o.from,
      to: o.to,
      limit: o.limit,
      offset: o.offset ?? 0,
    };
    if (o.status !== undefined) {
      where.push(o.status === 'new' ? "(s.status = '' OR s.status = 'new')" : 's.status = {status:String}');
      params.status = o.status;
    }
    if (o.minSeverity !== undefined) {
      where.push('i.severity IN {severities:Array(String)}');
      params.severities = LEVELS.slice(LEVELS.indexOf(o.minSeverity));
    }
    const rows = await this.store.query<Row>(
      `SELECT i.incident_id AS incident_id, i.title AS title, i.severity AS severity, i.risk AS risk, i.first AS first,
         i.last AS last, i.alert_count AS alert_count, i.hosts AS hosts, i.users AS users, i.tactics AS tactics,
         s.status AS status, s.assignee AS assignee, s.verdict AS verdict, s.author AS author, s.state_updated AS state_updated
       FROM (${LATEST} GROUP BY incident_id) AS i
       LEFT JOIN (${STATE}) AS s ON s.incident_id = i.incident_id
       WHERE ${where.join(' AND ')}
       ORDER BY i.risk DESC, i.last DESC, i.incident_id LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
      params,
    );
    return rows.map((r) => ({
      id: r.incident_id,
      title: r.title,
      severity: r.severity as Level,
      risk: Number(r.risk),
      first: Number(r.first),
      last: Number(r.last),
      alertCount: Number(r.alert_count),
      hosts: r.hosts,
      users: r.users,
      tactics: r.tactics,
      state: stateOf(r),
    }));
  }

  /** One incident by any id it had: a merged incident leads to the one that absorbed it. */
  async get(tenant: string, id: string): Promise<IncidentDetail | null> {
    let current = id;
    for (let hops = 0; hops < 20; hops++) {
      const [row] = await this.store.query<Row & { merged_into: string; detail: string }>(
        `${LATEST} AND incident_id = {id:String} GROUP BY incident_id`,
        { tenant, id: current },
      );
      if (row === undefined) return null;
      if (row.merged_into !== '') {
        current = row.merged_into;
        continue;
      }
      const detail = JSON.parse(row.detail) as Pick<
        Incident,
        'risk' | 'rules' | 'alerts' | 'entities' | 'links' | 'mergedFrom'
      >;
      const [state] = await this.store.query<Row>(
        `SELECT * FROM (${STATE}) WHERE incident_id = {id:String}`,
        {
          tenant,
          id: current,
        },
      );
      const notes = await this.store.query<{
        note_id: string;
        t: number | string;
        author: string;
        text: string;
      }>(
        `SELECT note_id, toUnixTimestamp64Milli(ts) AS t, author, text FROM incident_notes
         WHERE tenant = {tenant:String} AND incident_id = {id:String} ORDER BY ts, note_id`,
        { tenant, id: current },
      );
      return {
        id: current,
        title: row.title,
        severity: row.severity as Level,
        first: Number(row.first),
        last: Number(row.last),
        alertCount: Number(row.alert_count),
        hosts: row.hosts,
        users: row.users,
        tactics: row.tactics,
        ...detail,
        state: state === undefined ? NEW_STATE : stateOf(state),
        notes: notes.map((n) => ({ id: n.note_id, time: Number(n.t), author: n.author, text: n.text })),
      };
    }
    return null;
  }

  /** Changes status, assignee or verdict; closing needs a verdict. Returns the new state. */
  async update(
    tenant: string,
    id: string,
    change: { status?: unknown; assignee?: unknown; verdict?: unknown },
    author: string,
    now = Date.now(),
  ): Promise<IncidentDetail | null> {
    const current = await this.get(tenant, id);
    if (current === null) return null;
    const status = change.status ?? current.state.status;
    const assignee = change.assignee ?? current.state.assignee;
    let verdict = change.verdict ?? current.state.verdict;
    if (typeof status !== 'string' || !(STATUSES as readonly string[]).includes(status))
      throw new IncidentRequestError(`status is one of ${STATUSES.join(', ')}`);
    if (typeof assignee !== 'string' || assignee.length > 200)
      throw new IncidentRequestError('assignee is a name of up to 200 characters');
    if (typeof verdict !== 'string' || (verdict !== '' && !(VERDICTS as readonly string[]).includes(verdict)))
      throw new IncidentRequestError(`verdict is one of ${VERDICTS.join(', ')}`);
    if (status === 'closed' && verdict === '')
      throw new IncidentRequestError(`closing an incident needs a verdict (${VERDICTS.join(', ')})`);
    if (status !== 'closed' && change.verdict === undefined) verdict = '';
    const row = {
      tenant,
      incident_id: current.id,
      status,
      assignee,
      verdict,
      author,
      // Strictly later than the last change, so it always wins.
      updated: sqlTime(Math.max(now, (current.state.updated ?? 0) + 1)),
    };
    await this.store.insert('incident_state', Buffer.from(JSON.stringify(row)));
    return this.get(tenant, current.id);
  }

  async addNote(
    tenant: string,
    id: string,
    text: unknown,
    author: string,
    now = Date.now(),
  ): Promise<IncidentNote | null> {
    if (typeof text !== 'string' || text.trim() === '' || text.length > 20_000)
      throw new IncidentRequestError('a note is text of 1 to 20,000 characters');
    const current = await this.get(tenant, id);
    if (current === null) return null;
    const note = { id: randomUUID(), time: now, author, text };
    await this.store.insert(
      'incident_notes',
      Buffer.from(
        JSON.stringify({ tenant, incident_id: current.id, note_id: note.id, ts: sqlTime(now), author, text }),
      ),
    );
    return note;
  }

  async suppressions(tenant: string | null): Promise<(Suppression & { tenant: string })[]> {
    const rows = await this.store.query<{
      tenant: string;
      suppression_id: string;
      rule_id: string;
      entity: string;
      field: string;
      value: string;
      reason: string;
      author: string;
      created: number | string;
      expires: number | string;
    }>(
      `SELECT tenant, suppression_id, argMax(rule_id, updated) AS rule_id, argMax(entity, updated) AS entity,
         argMax(field, updated) AS field, argMax(value, updated) AS value, argMax(reason, updated) AS reason,
         argMax(author, updated) AS author, toUnixTimestamp64Milli(argMax(created, updated)) AS created,
         toUnixTimestamp64Milli(argMax(expires, updated)) AS expires
       FROM suppressions ${tenant === null ? '' : 'WHERE tenant = {tenant:String}'}
       GROUP BY tenant, suppression_id HAVING argMax(deleted, updated) = 0 ORDER BY created`,
      tenant === null ? {} : { tenant },
    );
    return rows.map((r) => ({
      tenant: r.tenant,
      id: r.suppression_id,
      ruleId: r.rule_id,
      entity: r.entity,
      field: r.field,
      value: r.value,
      reason: r.reason,
      author: r.author,
      created: Number(r.created),
      expires: Number(r.expires),
    }));
  }

  async addSuppression(
    tenant: string,
    body: Record<string, unknown>,
    author: string,
    now = Date.now(),
  ): Promise<Suppression> {
    const text = (name: string): string => {
      const v = body[name] ?? '';
      if (typeof v !== 'string') throw new IncidentRequestError(`"${name}" must be a string`);
      return v.trim();
    };
    const expiresRaw = body.expires;
    let expires = 0;
    if (expiresRaw !== undefined && expiresRaw !== null && expiresRaw !== '') {
      expires = typeof expiresRaw === 'number' ? expiresRaw : Date.parse(String(expiresRaw));
      if (!Number.isFinite(expires) || expires <= now)
        throw new IncidentRequestError('"expires" must be a time in the future (ISO 8601 or epoch ms)');
    }
    const s: Suppression = {
      id: randomUUID(),
      ruleId: text('rule_id'),
      entity: text('entity'),
      field: text('field'),
      value: text('value'),
      reason: text('reason'),
      author,
      created: now,
      expires,
    };
    const problem = suppressionProblem(s);
    if (problem !== null) throw new IncidentRequestError(problem);
    await this.writeSuppression(tenant, s, false, now);
    return s;
  }

  async deleteSuppression(tenant: string, id: string, now = Date.now()): Promise<boolean> {
    const found = (await this.suppressions(tenant)).find((s) => s.id === id);
    if (found === undefined) return false;
    await this.writeSuppression(tenant, found, true, Math.max(now, found.created + 1));
    return true;
  }

  /**
   * Deletes incidents quiet since `before` (no alert, rebuild, state change or note after it) with
   * their state and notes, and suppressions deleted or expired (0 never does) and unchanged since
   * then. Every version goes, so no record can come back older than it was.
   */
  async purge(before: number): Promise<{ incidents: number; notes: number; suppressions: number }> {
    let incidents = 0;
    let notes = 0;
    // A merged incident leads to the one that absorbed it (`get`): it goes only once that one has
    // gone, so each round may free the next link of a chain of merges.
    for (let round = 0; round < 20; round++) {
      const gone = await purgeVersions(
        this.store,
        { table: 'incidents', key: ['tenant', 'incident_id'], version: 'version' },
        {
          sql: `SELECT tenant, incident_id FROM incidents GROUP BY tenant, incident_id
                HAVING max(updated) < ${CUT} AND argMax(last, version) < ${CUT}
                  AND (argMax(merged_into, version) = ''
                    OR (tenant, argMax(merged_into, version)) NOT IN (SELECT tenant, incident_id FROM incidents))
                  AND (tenant, incident_id) NOT IN (SELECT tenant, incident_id FROM incident_state WHERE updated >= ${CUT})
                  AND (tenant, incident_id) NOT IN (SELECT tenant, incident_id FROM incident_notes WHERE ts >= ${CUT})`,
          params: { before },
        },
      );
      if (gone.length === 0) break;
      incidents += gone.length;
      notes += await this.purgeStateAndNotes(gone, before);
    }
    const suppressions = await purgeVersions(
      this.store,
      {
        table: 'suppressions',
        key: ['tenant', 'suppression_id'],
        version: 'toUnixTimestamp64Milli(updated)',
      },
      {
        sql: `SELECT tenant, suppression_id FROM suppressions FINAL
              WHERE updated < ${CUT} AND (deleted = 1 OR (toUnixTimestamp64Milli(expires) > 0 AND expires < ${CUT}))`,
        params: { before },
      },
    );
    return { incidents, notes, suppressions: suppressions.length };
  }

  /** The state and notes of purged incidents; returns how many notes went. */
  private async purgeStateAndNotes(gone: readonly string[][], before: number): Promise<number> {
    let notes = 0;
    for (let i = 0; i < gone.length; i += PURGE_CHUNK) {
      const chunk = gone.slice(i, i + PURGE_CHUNK);
      const ids = {
        tenants: chunk.map(([tenant]) => tenant!),
        ids: chunk.map(([, id]) => id!),
        before,
      };
      const theirs = 'has(arrayZip({tenants:Array(String)}, {ids:Array(String)}), (tenant, incident_id))';
      await purgeVersions(
        this.store,
        {
          table: 'incident_state',
          key: ['tenant', 'incident_id'],
          version: 'toUnixTimestamp64Milli(updated)',
        },
        { sql: `SELECT tenant, incident_id FROM incident_state WHERE ${theirs}`, params: ids },
      );
      // Notes are only appended; one written while this runs is newer than the cut and stays.
      notes += await deleteRows(this.store, 'incident_notes', `${theirs} AND ts < ${CUT}`, ids);
    }
    return notes;
  }

  private async writeSuppression(
    tenant: string,
    s: Suppression,
    deleted: boolean,
    now: number,
  ): Promise<void> {
    const row = {
      tenant,
      suppression_id: s.id,
      rule_id: s.ruleId,
      entity: s.entity,
      field: s.field,
      value: s.value,
      reason: s.reason,
      author: s.author,
      created: sqlTime(s.created),
      expires: sqlTime(s.expires),
      deleted: deleted ? 1 : 0,
      updated: sqlTime(now),
    };
    await this.store.insert('suppressions', Buffer.from(JSON.stringify(row)));
  }
}
