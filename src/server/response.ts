import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CorrelationAlert, Incident, IncidentRepository } from '../correlate/index.js';
import {
  ClickHouseResponseStore,
  defaultActions,
  loadPlaybooks,
  parsePlaybook,
  ResponseEngine,
  type ActionRegistry,
  type Playbook,
  type PlaybookError,
  type PurgeCounts,
  type PurgeCutoffs,
  type Trigger,
} from '../respond/index.js';
import type { CompiledParam } from '../respond/params.js';
import type { Store } from '../store/index.js';
import type { ServerConfig } from './config.js';

/** The repository's example playbooks, from src/ or dist/src/. */
export function examplePlaybooksDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return resolve(here, here.includes(join('dist', 'src')) ? '../../../playbooks' : '../../playbooks');
}

/**
 * Actions whose effect stays inside Vigil until someone pulls it: feed entries, incident notes,
 * commands queued for agents. With sample data, a playbook using anything else (a webhook, mail,
 * the local Docker daemon) only plans: the demo never reaches out.
 */
const INSIDE_VIGIL = new Set(['blocklist.add', 'case.note', 'host.isolate', 'host.kill_process']);

export interface PlaybookView {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly version: number;
  readonly enabled: boolean;
  readonly mode: Playbook['mode'];
  readonly minConfidence: number | null;
  readonly triggers: readonly string[];
  readonly conditions: readonly string[];
  readonly steps: readonly {
    readonly id: string;
    readonly action: string;
    readonly params: Readonly<Record<string, unknown>>;
    readonly rollback: boolean;
    readonly timeoutMs: number;
    readonly retries: number;
    readonly fanOut: string | null;
  }[];
  readonly source: { readonly file: string; readonly line: number };
  /** Why the server runs it differently from its file (sample data turns outbound playbooks into dry runs). */
  readonly note: string | null;
}

export interface LoadProblem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

const problemOf = (e: PlaybookError): LoadProblem => ({
  file: e.location.file ?? '',
  line: e.location.line ?? 0,
  message: e.message,
});

export function describeTrigger(t: Trigger): string {
  switch (t.kind) {
    case 'incident':
      return `incident ${t.change}${t.minSeverity === null ? '' : ` (${t.minSeverity} or higher)`}`;
    case 'alert':
      return `alert${t.rule === null ? '' : ` from ${t.rule}`}${t.level === null ? '' : ` (${t.level} or higher)`}`;
    case 'entity':
      return `entity ${t.type} ${t.value}`;
  }
}

function paramText(p: CompiledParam): unknown {
  if (p.kind === 'value') return p.value;
  if (p.kind === 'template') return p.template.source;
  return p.items.map(paramText);
}

export function playbookView(p: Playbook, note: string | null): PlaybookView {
  return {
    id: p.id,
    title: p.title,
    description: p.description,
    version: p.version,
    enabled: p.enabled,
    mode: p.mode,
    minConfidence: p.minConfidence,
    triggers: p.triggers.map(describeTrigger),
    conditions: p.conditions.map((c) => c.text),
    steps: p.steps.map((s) => ({
      id: s.id,
      action: s.action,
      params: Object.fromEntries(Object.entries(s.params).map(([k, v]) => [k, paramText(v)])),
      rollback: s.rollback,
      timeoutMs: s.timeoutMs,
      retries: s.retries,
      fanOut: s.fanOut,
    })),
    source: p.source,
    note,
  };
}

/** With sample data: a playbook that would reach outside Vigil only plans. */
export function forSampleData(p: Playbook): { playbook: Playbook; note: string | null } {
  const outside = [...new Set(p.steps.map((s) => s.action).filter((a) => !INSIDE_VIGIL.has(a)))];
  if (outside.length === 0 || p.mode === 'dry-run') return { playbook: p, note: null };
  return {
    playbook: { ...p, mode: 'dry-run' },
    note: `sample data: runs as a dry run (its file says ${p.mode}), because ${outside.join(', ')} would reach outside Vigil`,
  };
}

export interface ResponseServiceOptions {
  readonly config: Pick<ServerConfig, 'dataDir' | 'playbooks' | 'dockerHost'>;
  readonly store: Store;
  readonly incidents: IncidentRepository;
  readonly log: (message: string) => void;
  /** `--sample-data` without a playbooks setting: the example playbooks, made safe for a demo. */
  readonly examples?: boolean;
  /** Where `env:NAME` secrets are read (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * The response engine as `vigil serve` runs it: its tables in the server's store, the configured
 * playbooks (reloadable, with their problems at file:line), the actions wired to the server (case
 * notes go to the incident repository, container actions to `docker_host`), and the hooks the
 * pipeline calls for every alert and every incident created or escalated.
 */
export class ResponseService {
  readonly engine: ResponseEngine;
  readonly actions: ActionRegistry;
  private readonly store: ClickHouseResponseStore;
  private views: PlaybookView[] = [];
  private problems: LoadProblem[] = [];
  private files = 0;
  private loadedAt = 0;

  private constructor(private readonly options: ResponseServiceOptions) {
    const { config, incidents } = options;
    this.actions = defaultActions({
      ...(config.dockerHost === null ? {} : { dockerEndpoint: config.dockerHost }),
      addNote: async (tenant, id, text, author) =>
        (await incidents.addNote(tenant, id, text, author)) !== null,
    });
    this.store = new ClickHouseResponseStore(options.store);
    this.engine = new ResponseEngine({
      store: this.store,
      actions: this.actions,
      log: options.log,
      ...(options.env === undefined ? {} : { env: options.env }),
    });
  }

  /** Creates the response tables, loads the playbooks and starts the engine (kill switch restored). */
  static async open(options: ResponseServiceOptions): Promise<ResponseService> {
    const service = new ResponseService(options);
    await service.store.migrate();
    await service.reload();
    await service.engine.start();
    return service;
  }

  /** The files and folders playbooks are read from. */
  get paths(): string[] {
    const { config, examples } = this.options;
    const own = join(config.dataDir, 'playbooks');
    const paths = config.playbooks.length > 0 ? [...config.playbooks] : existsSync(own) ? [own] : [];
    if (examples === true && existsSync(examplePlaybooksDir())) paths.push(examplePlaybooksDir());
    return paths;
  }

  /**
   * Reads the playbooks again and swaps them in. A bad file is reported and the good ones load;
   * runs already recorded keep the version they were planned with.
   */
  async reload(): Promise<{ playbooks: PlaybookView[]; errors: LoadProblem[] }> {
    const paths = this.paths;
    const examples = this.options.examples === true ? examplePlaybooksDir() + sep : null;
    const load = await loadPlaybooks(paths, this.actions);
    const playbooks: Playbook[] = [];
    const views: PlaybookView[] = [];
    for (const p of load.playbooks) {
      const safe =
        examples !== null && resolve(p.source.file).startsWith(examples)
          ? forSampleData(p)
          : { playbook: p, note: null };
      playbooks.push(safe.playbook);
      views.push(playbookView(safe.playbook, safe.note));
    }
    this.engine.setPlaybooks(playbooks);
    this.views = views;
    this.problems = load.errors.map(problemOf);
    this.files = load.files;
    this.loadedAt = Date.now();
    this.options.log(
      `playbooks: ${playbooks.length} loaded from ${load.files} file${load.files === 1 ? '' : 's'}` +
        ` (${this.problems.length} problem${this.problems.length === 1 ? '' : 's'})` +
        (paths.length === 0 ? '; none configured' : ''),
    );
    for (const e of this.problems.slice(0, 20))
      this.options.log(`playbook ${e.file}:${e.line}: ${e.message}`);
    return { playbooks: views, errors: this.problems };
  }

  /** The loaded playbooks, their problems, and where they came from. */
  listing() {
    return {
      playbooks: this.views,
      errors: this.problems,
      paths: this.paths,
      files: this.files,
      loaded: this.loadedAt,
    };
  }

  /** Checks one playbook document as a reload would read it; nothing is loaded. */
  check(yaml: string): { valid: boolean; playbook: PlaybookView | null; errors: LoadProblem[] } {
    const { playbook, errors } = parsePlaybook(yaml, 'playbook.yml', this.actions);
    return {
      valid: playbook !== null && errors.length === 0,
      playbook: playbook === null ? null : playbookView(playbook, null),
      errors: errors.map(problemOf),
    };
  }

  /** The pipeline's hook: an incident was written for the first time, or its severity rose. */
  incident(tenant: string, incident: Incident, change: 'created' | 'escalated'): void {
    this.engine.onIncident(incident, change, tenant);
  }

  /** The pipeline's hook: alerts were stored. */
  alerts(tenant: string, alerts: readonly CorrelationAlert[]): void {
    for (const a of alerts) this.engine.onAlert(a, tenant);
  }

  /** The kill switch and who last flipped it, from the audit log (global: tenant ''). */
  async killSwitch(): Promise<{
    on: boolean;
    by: string | null;
    at: number | null;
    reason: string | null;
  }> {
    const entries = await this.engine.auditLog({ tenant: '', limit: 50 });
    const flip = entries.find((e) => e.event === 'killswitch.on' || e.event === 'killswitch.off');
    const reason = entries.find(
      (e) => e.event === 'killswitch.reason' && flip !== undefined && e.time >= flip.time,
    );
    return {
      on: this.engine.killSwitchOn,
      by: flip?.actor ?? null,
      at: flip?.time ?? null,
      reason: reason?.detail ?? null,
    };
  }

  /** Flips the kill switch, and records the reason next to the engine's own audit entry. */
  async setKillSwitch(on: boolean, who: string, reason: string): Promise<void> {
    await this.engine.killSwitch(on, who);
    await this.store.appendAudit({
      id: randomUUID(),
      time: Date.now(),
      tenant: '',
      actor: who,
      event: 'killswitch.reason',
      runId: null,
      detail: reason.slice(0, 2000),
    });
    this.options.log(`response kill switch ${on ? 'ON' : 'off'} by ${who}: ${reason}`);
  }

  /** Stops acting: running steps are aborted and recorded as interrupted. */
  stop(): Promise<void> {
    return this.engine.stop();
  }

  /** Deletes response records over and quiet since the cut-offs (see `ResponseStore.purge`). */
  purge(cut: PurgeCutoffs): Promise<PurgeCounts> {
    return this.store.purge(cut);
  }
}
