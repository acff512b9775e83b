import { api, ApiError, authHeader } from '../api.js';
import { h, replace, time } from '../dom.js';

/** The API's response shapes, as this page reads them. */
interface StepRun {
  key: string;
  step: string;
  action: string;
  value: string | null;
  params: Record<string, unknown>;
  status: string;
  plan: string;
  attempts: { n: number; started: number; ms: number; error: string | null }[];
  output: Record<string, unknown> | null;
  error: string | null;
  rollback: boolean;
  irreversible: string | null;
  note: string | null;
  started: number | null;
  finished: number | null;
  rolledBack: { status: string; at: number; error: string | null } | null;
}

export interface Run {
  id: string;
  playbook: { id: string; version: number; title: string };
  trigger: {
    kind: 'incident' | 'alert';
    change: string;
    subjectId: string;
    title: string;
    severity: string;
    risk: number;
  };
  mode: string;
  status: string;
  reason: string | null;
  approval: { by: string; at: number; note: string } | null;
  rejection: { by: string; at: number; reason: string } | null;
  created: number;
  updated: number;
  steps: StepRun[];
  rollback: { by: string; at: number; status: string; finished: number | null; notes: string[] } | null;
}

interface PlaybookView {
  id: string;
  title: string;
  description: string;
  version: number;
  enabled: boolean;
  mode: string;
  minConfidence: number | null;
  triggers: string[];
  conditions: string[];
  steps: { id: string; action: string; params: Record<string, unknown>; rollback: boolean }[];
  source: { file: string; line: number };
  note: string | null;
}

interface Problem {
  file: string;
  line: number;
  message: string;
}

interface KillSwitch {
  on: boolean;
  by: string | null;
  at: number | null;
  reason: string | null;
}

interface AuditEntry {
  time: number;
  actor: string;
  event: string;
  detail: string;
}

const PAGE = 25;
const STATUSES = [
  'pending_approval',
  'queued',
  'running',
  'succeeded',
  'failed',
  'dry_run',
  'rejected',
  'expired',
  'cancelled',
  'interrupted',
  'blocked',
  'dropped',
];
const DONE = ['succeeded', 'failed', 'cancelled', 'interrupted'];
const ENDED = [...DONE, 'rejected', 'expired', 'dry_run', 'dropped', 'blocked'];
const FEEDS = ['hash', 'domain', 'ip', 'sender'];

const errorText = (e: unknown) => (e instanceof ApiError ? e.message : String(e));

// The kill switch, shared with the navigation (checked at most every 30 s there).
let killKnown: { on: boolean; at: number } | null = null;

/** A notice for the navigation while the kill switch is on; null when off or unknown. */
export async function killSwitchNotice(): Promise<HTMLElement | null> {
  if (killKnown === null || Date.now() - killKnown.at > 30_000) {
    try {
      const ks = await api<KillSwitch>('/api/v1/response/kill-switch');
      killKnown = { on: ks.on, at: Date.now() };
    } catch {
      return null; // a token that cannot read it (ingest) has no navigation to warn anyway
    }
  }
  return killKnown.on
    ? h(
        'a',
        { class: 'kill-on', id: 'kill-switch-nav', href: '#/response', title: 'no playbook acts' },
        'Automation stopped',
      )
    : null;
}

/** What a run was about: the incident (linked) or the alert. */
export function triggerCell(run: Run): HTMLElement {
  const what =
    run.trigger.kind === 'incident'
      ? h(
          'a',
          { href: `#/incidents/${encodeURIComponent(run.trigger.subjectId)}`, class: 'incident-link' },
          run.trigger.title,
        )
      : h('span', {}, `alert: ${run.trigger.title}`);
  return h(
    'div',
    {},
    h('span', { class: `sev sev-${run.trigger.severity}` }, run.trigger.severity),
    ' ',
    what,
    h('div', { class: 'hint' }, `${run.trigger.change} · risk ${run.trigger.risk}`),
  );
}

export const statusBadge = (status: string) => h('span', { class: `run-status st-${status}` }, status);

const valueText = (v: unknown): string =>
  Array.isArray(v) ? v.map(valueText).join(', ') : typeof v === 'string' ? v : JSON.stringify(v);

/** Parameters recorded as milliseconds (the actions' durations), as people write them. */
const DURATIONS = new Set(['ttl', 'expires', 'grace', 'timeout']);
function duration(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const)
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms} ms`;
}

function params(p: Record<string, unknown> | null): HTMLElement | string {
  if (p === null || Object.keys(p).length === 0) return '';
  return h(
    'dl',
    { class: 'params' },
    Object.entries(p).flatMap(([k, v]) => [
      h('dt', {}, k),
      h('dd', {}, DURATIONS.has(k) && typeof v === 'number' ? duration(v) : valueText(v)),
    ]),
  );
}

/** A run's steps: what each does to what, with its inputs, output or error, and its rollback. */
function stepsTable(steps: readonly StepRun[], withResults: boolean): HTMLElement {
  return h(
    'table',
    { class: 'grid inner steps' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Step', 'What', 'Inputs', ...(withResults ? ['Status', 'Output or error'] : [])].map((t) =>
          h('th', {}, t),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      steps.map((s) =>
        h(
          'tr',
          { 'data-step': s.step },
          h('td', { class: 'mono' }, s.step, h('div', { class: 'hint' }, s.action)),
          h(
            'td',
            {},
            s.plan || s.action,
            s.note ? h('div', { class: 'hint' }, s.note) : null,
            s.irreversible ? h('div', { class: 'hint' }, `cannot be undone: ${s.irreversible}`) : null,
          ),
          h('td', {}, params(s.params)),
          withResults
            ? h(
                'td',
                {},
                statusBadge(s.status),
                s.attempts.length > 1 ? h('div', { class: 'hint' }, `${s.attempts.length} attempts`) : null,
                s.rolledBack ? h('div', { class: 'hint' }, `rollback: ${s.rolledBack.status}`) : null,
              )
            : null,
          withResults
            ? h(
                'td',
                {},
                s.error ? h('span', { class: 'error' }, s.error) : params(s.output),
                s.rolledBack?.error ? h('div', { class: 'error' }, s.rolledBack.error) : null,
              )
            : null,
        ),
      ),
    ),
  );
}

/** Whether rollback would undo something: a finished run with a reversible step that acted. */
function canRollBack(run: Run): boolean {
  if (!DONE.includes(run.status)) return false;
  if (run.rollback !== null && ['done', 'running'].includes(run.rollback.status)) return false;
  return run.steps.some(
    (s) =>
      s.status === 'succeeded' && s.rollback && s.irreversible === null && s.rolledBack?.status !== 'done',
  );
}

/**
 * Response: playbooks and their load problems, runs waiting for approval (approve, or reject with
 * a reason), the run history (a run opens to its steps and audit; rollback where steps can be
 * undone), the kill switch (admins), and the block-list feeds' addresses.
 */
export async function responsePage(root: HTMLElement, query: URLSearchParams): Promise<void> {
  const offset = Math.max(0, Number(query.get('offset') ?? 0) || 0);
  const status = query.get('status') ?? '';
  const open = query.get('run');
  const runQuery = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  if (status !== '') runQuery.set('status', status);
  const [who, ks, books, pending, history] = await Promise.all([
    api<{ role: string; tenant: string }>('/api/v1/whoami'),
    api<KillSwitch>('/api/v1/response/kill-switch'),
    api<{ playbooks: PlaybookView[]; errors: Problem[]; paths: string[] }>('/api/v1/playbooks'),
    api<{ runs: Run[] }>('/api/v1/response/pending'),
    api<{ runs: Run[]; more: boolean }>(`/api/v1/response/runs?${runQuery}`),
  ]);
  killKnown = { on: ks.on, at: Date.now() };
  // A run named in the address (from an incident's page) is shown first, whatever page it is on.
  const opened =
    open === null
      ? null
      : await api<{ run: Run; audit: AuditEntry[] }>(
          `/api/v1/response/runs/${encodeURIComponent(open)}`,
        ).catch((e: unknown) => errorText(e));
  const canDecide = who.role === 'admin' || who.role === 'analyst';
  const admin = who.role === 'admin';
  const message = h('p', { id: 'response-message', role: 'status' });
  const again = async (note: string) => {
    await responsePage(root, query);
    document.getElementById('response-message')?.replaceChildren(note);
  };
  const act = async (work: () => Promise<unknown>, done: string) => {
    try {
      await work();
      await again(done);
    } catch (e) {
      message.textContent = errorText(e);
      message.className = 'error';
    }
  };

  replace(
    root,
    h('header', { class: 'page-head' }, h('h1', {}, 'Response')),
    ks.on
      ? h(
          'div',
          { class: 'kill-banner', id: 'kill-switch-banner', role: 'alert' },
          'The kill switch is on: no playbook acts, new triggers are recorded as blocked, approvals are refused. ',
          ks.by ? `Turned on by ${ks.by} at ${time(ks.at)}` : '',
          ks.reason ? `: ${ks.reason}` : '',
        )
      : null,
    message,
    opened === null ? null : openedSection(opened, canDecide, act),
    pendingSection(pending.runs, canDecide, act),
    runsSection(history, { offset, status, canDecide, act }),
    playbooksSection(books, admin, act),
    admin ? killSwitchSection(ks, act) : null,
    feedsSection(),
  );
}

type Act = (work: () => Promise<unknown>, done: string) => Promise<void>;

function pendingSection(runs: readonly Run[], canDecide: boolean, act: Act): HTMLElement {
  return h(
    'section',
    { class: 'panel', id: 'pending' },
    h('h2', {}, `Waiting for approval (${runs.length})`),
    runs.length === 0 ? h('p', { class: 'empty' }, 'Nothing is waiting for a person.') : null,
    runs.map((run) => {
      const reason = h('input', {
        'aria-label': 'reason for rejecting',
        placeholder: 'why not (required to reject)',
        class: 'reject-reason',
      });
      const note = h('span', { class: 'error', role: 'alert' });
      const path = `/api/v1/response/runs/${encodeURIComponent(run.id)}`;
      return h(
        'article',
        { class: 'approval', 'data-run': run.id },
        h(
          'div',
          { class: 'approval-head' },
          h('strong', {}, run.playbook.title),
          h('span', { class: 'hint' }, ` ${run.playbook.id} v${run.playbook.version} · ${time(run.created)}`),
        ),
        triggerCell(run),
        run.reason ? h('p', { class: 'hint' }, `Why it waits: ${run.reason}`) : null,
        stepsTable(run.steps, false),
        canDecide
          ? h(
              'div',
              { class: 'actions' },
              h(
                'button',
                {
                  class: 'approve',
                  onclick: () =>
                    void act(
                      () => api(`${path}/approve`, { body: {} }),
                      `Approved: ${run.playbook.title} acts now.`,
                    ),
                },
                'Approve',
              ),
              reason,
              h(
                'button',
                {
                  class: 'reject',
                  onclick: () => {
                    if (reason.value.trim() === '') {
                      note.textContent = 'Say why: a rejection needs a reason.';
                      return;
                    }
                    void act(
                      () => api(`${path}/reject`, { body: { reason: reason.value } }),
                      `Rejected: ${run.playbook.title} will not act.`,
                    );
                  },
                },
                'Reject',
              ),
              note,
            )
          : h('p', { class: 'hint' }, 'An analyst or admin approves or rejects.'),
      );
    }),
  );
}

function runsSection(
  history: { runs: Run[]; more: boolean },
  o: { offset: number; status: string; canDecide: boolean; act: Act },
): HTMLElement {
  const href = (offset: number, status = o.status) =>
    `#/response?${new URLSearchParams({ offset: String(offset), ...(status ? { status } : {}) })}`;
  const expand = async (run: Run, row: HTMLTableRowElement) => {
    const next = row.nextElementSibling;
    if (next?.classList.contains('detail')) return void next.remove();
    const cell = h('td', { colspan: 7 }, 'Loading…');
    row.after(h('tr', { class: 'detail', 'data-detail': run.id }, cell));
    try {
      const { run: full, audit } = await api<{ run: Run; audit: AuditEntry[] }>(
        `/api/v1/response/runs/${encodeURIComponent(run.id)}`,
      );
      replace(cell, runDetail(full, audit, o.canDecide, o.act));
    } catch (e) {
      replace(cell, h('span', { class: 'error' }, errorText(e)));
    }
  };
  const rows = history.runs.map((run) => {
    const row: HTMLTableRowElement = h(
      'tr',
      {
        tabindex: 0,
        'data-run': run.id,
        onclick: (e: Event) => {
          if ((e.target as HTMLElement).closest('a') === null) void expand(run, row);
        },
        onkeydown: (e: Event) => (e as KeyboardEvent).key === 'Enter' && void expand(run, row),
      },
      h('td', {}, statusBadge(run.status)),
      h(
        'td',
        {},
        run.playbook.title,
        h('div', { class: 'hint' }, `${run.playbook.id} v${run.playbook.version}`),
      ),
      h('td', {}, triggerCell(run)),
      h('td', {}, run.approval ? run.approval.by : run.rejection ? `rejected by ${run.rejection.by}` : '–'),
      h('td', { class: 'mono' }, time(run.created)),
      h('td', { class: 'mono' }, ENDED.includes(run.status) ? time(run.updated) : '–'),
      h(
        'td',
        {},
        run.reason ?? (run.status === 'succeeded' ? 'done' : ''),
        run.rollback
          ? h('div', { class: 'hint' }, `rolled back by ${run.rollback.by}: ${run.rollback.status}`)
          : null,
      ),
    );
    return row;
  });
  return h(
    'section',
    { class: 'panel', id: 'run-history' },
    h('h2', {}, 'Runs'),
    h(
      'div',
      { class: 'filters' },
      h(
        'select',
        {
          id: 'run-status',
          'aria-label': 'status',
          onchange: (e: Event) => (location.hash = href(0, (e.target as HTMLSelectElement).value)),
        },
        h('option', { value: '' }, 'every status'),
        STATUSES.map((s) => h('option', { value: s, selected: s === o.status }, s)),
      ),
    ),
    h(
      'table',
      { class: 'grid', id: 'runs' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Status', 'Playbook', 'Trigger', 'Approved by', 'Started', 'Ended', 'Result'].map((t) =>
            h('th', {}, t),
          ),
        ),
      ),
      h('tbody', {}, rows),
    ),
    history.runs.length === 0 ? h('p', { class: 'empty' }, 'No runs yet.') : null,
    h(
      'div',
      { class: 'pager' },
      o.offset > 0 ? h('a', { href: href(Math.max(0, o.offset - PAGE)), id: 'runs-prev' }, '← newer') : null,
      history.more ? h('a', { href: href(o.offset + PAGE), id: 'runs-next' }, 'older →') : null,
    ),
  );
}

function openedSection(
  opened: { run: Run; audit: AuditEntry[] } | string,
  canDecide: boolean,
  act: Act,
): HTMLElement {
  return h(
    'section',
    { class: 'panel', id: 'open-run' },
    typeof opened === 'string'
      ? h('p', { class: 'error' }, opened)
      : [
          h('h2', {}, `Run of ${opened.run.playbook.title}`),
          h('div', { class: 'facts' }, statusBadge(opened.run.status), triggerCell(opened.run)),
          opened.run.reason ? h('p', {}, opened.run.reason) : null,
          runDetail(opened.run, opened.audit, canDecide, act),
        ],
  );
}

function runDetail(run: Run, audit: readonly AuditEntry[], canDecide: boolean, act: Act): HTMLElement {
  const rollback = () => {
    if (
      !confirm(
        `Undo what "${run.playbook.title}" did (run ${run.id})? Steps that can be undone are undone, newest first.`,
      )
    )
      return;
    void act(
      () => api(`/api/v1/response/runs/${encodeURIComponent(run.id)}/rollback`, { body: {} }),
      `Rolled back run ${run.id}.`,
    );
  };
  return h(
    'div',
    { class: 'run-detail' },
    h('p', { class: 'hint mono' }, `run ${run.id} · mode ${run.mode}`),
    run.approval
      ? h('p', {}, `Approved by ${run.approval.by} at ${time(run.approval.at)} (${run.approval.note})`)
      : null,
    run.rejection
      ? h('p', {}, `Rejected by ${run.rejection.by} at ${time(run.rejection.at)}: ${run.rejection.reason}`)
      : null,
    stepsTable(run.steps, true),
    run.rollback
      ? h(
          'div',
          { class: 'rollback' },
          h('p', {}, `Rollback by ${run.rollback.by} at ${time(run.rollback.at)}: ${run.rollback.status}`),
          h(
            'ul',
            {},
            run.rollback.notes.map((n) => h('li', { class: 'hint' }, n)),
          ),
        )
      : null,
    canDecide && canRollBack(run)
      ? h('button', { class: 'rollback-run', onclick: rollback }, 'Roll back')
      : null,
    h('h2', {}, 'Audit'),
    h(
      'ul',
      { class: 'audit' },
      audit.map((a) =>
        h('li', {}, h('span', { class: 'mono' }, time(a.time)), ` ${a.actor} · ${a.event} `, a.detail),
      ),
    ),
  );
}

function playbooksSection(
  books: { playbooks: PlaybookView[]; errors: Problem[]; paths: string[] },
  admin: boolean,
  act: Act,
): HTMLElement {
  const editor = h('textarea', {
    id: 'playbook-yaml',
    rows: 8,
    spellcheck: 'false',
    'aria-label': 'playbook YAML',
    placeholder: 'id: …\ntitle: …\nversion: 1\nmode: approve\ntriggers: …\nsteps: …',
  });
  const verdict = h('div', { id: 'playbook-check', role: 'status' });
  const check = async () => {
    try {
      const r = await api<{ valid: boolean; playbook: PlaybookView | null; errors: Problem[] }>(
        '/api/v1/playbooks/check',
        { raw: { text: editor.value, type: 'application/yaml' } },
      );
      replace(
        verdict,
        r.valid
          ? h(
              'p',
              { class: 'ok' },
              `Valid: ${r.playbook?.id} (${r.playbook?.mode}, ${r.playbook?.steps.length} steps).`,
            )
          : h(
              'ul',
              { class: 'errors' },
              r.errors.map((e) => h('li', { class: 'error' }, `line ${e.line}: ${e.message}`)),
            ),
      );
    } catch (e) {
      replace(verdict, h('p', { class: 'error' }, errorText(e)));
    }
  };
  return h(
    'section',
    { class: 'panel' },
    h('h2', {}, `Playbooks (${books.playbooks.length})`),
    h(
      'p',
      { class: 'hint' },
      books.paths.length === 0
        ? 'No playbooks configured: put YAML files in DATA/playbooks or set "playbooks" in the configuration.'
        : `From ${books.paths.join(', ')}.`,
    ),
    h(
      'table',
      { class: 'grid', id: 'playbooks' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Playbook', 'Mode', 'Triggers', 'Conditions', 'Steps', 'Enabled', 'File'].map((t) =>
            h('th', {}, t),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        books.playbooks.map((p) =>
          h(
            'tr',
            { 'data-playbook': p.id },
            h('td', {}, p.title, h('div', { class: 'hint mono' }, `${p.id} v${p.version}`)),
            h(
              'td',
              {},
              h('span', { class: `mode mode-${p.mode}` }, p.mode),
              p.minConfidence !== null
                ? h('div', { class: 'hint' }, `approval below risk ${p.minConfidence}`)
                : null,
              p.note ? h('div', { class: 'hint' }, p.note) : null,
            ),
            h(
              'td',
              {},
              h(
                'ul',
                { class: 'plain' },
                p.triggers.map((t) => h('li', {}, t)),
              ),
            ),
            h(
              'td',
              {},
              h(
                'ul',
                { class: 'plain mono' },
                p.conditions.map((c) => h('li', {}, c)),
              ),
            ),
            h(
              'td',
              {},
              h(
                'ul',
                { class: 'plain' },
                p.steps.map((s) => h('li', {}, s.action)),
              ),
            ),
            h('td', {}, p.enabled ? 'yes' : 'no'),
            h('td', { class: 'mono' }, `${p.source.file.split('/').slice(-2).join('/')}:${p.source.line}`),
          ),
        ),
      ),
    ),
    books.errors.length > 0
      ? h(
          'ul',
          { class: 'errors', id: 'playbook-errors' },
          books.errors.map((e) => h('li', { class: 'error' }, `${e.file}:${e.line}: ${e.message}`)),
        )
      : null,
    h(
      'div',
      { class: 'actions' },
      admin
        ? h(
            'button',
            {
              id: 'playbooks-reload',
              onclick: () =>
                void act(() => api('/api/v1/playbooks/reload', { body: {} }), 'Playbooks reloaded.'),
            },
            'Reload playbooks',
          )
        : null,
    ),
    h(
      'details',
      { class: 'hint' },
      h('summary', {}, 'Check a playbook'),
      editor,
      h('button', { id: 'playbook-check-button', onclick: () => void check() }, 'Check'),
      verdict,
    ),
  );
}

function killSwitchSection(ks: KillSwitch, act: Act): HTMLElement {
  const reason = h('input', {
    id: 'kill-reason',
    'aria-label': 'reason',
    placeholder: ks.on ? 'why automation may act again (required)' : 'why stop all automation (required)',
  });
  const note = h('span', { class: 'error', role: 'alert' });
  const flip = () => {
    if (reason.value.trim() === '')
      return void (note.textContent = 'Say why: the reason goes in the audit log.');
    const ask = ks.on
      ? 'Turn the kill switch off? Approved and automatic playbooks act again.'
      : 'Turn the kill switch on? Every running step is aborted, queued runs are cancelled, and no playbook acts, in every tenant, until it is off.';
    if (!confirm(ask)) return;
    void act(
      () =>
        api('/api/v1/response/kill-switch', { method: 'PUT', body: { on: !ks.on, reason: reason.value } }),
      ks.on ? 'The kill switch is off.' : 'The kill switch is on: nothing acts.',
    );
  };
  return h(
    'section',
    { class: 'panel', id: 'kill-switch' },
    h('h2', {}, 'Kill switch'),
    h(
      'p',
      { id: 'kill-state' },
      ks.on ? 'On: no playbook acts.' : 'Off: playbooks act as their mode says.',
      ks.by ? ` Last changed by ${ks.by} at ${time(ks.at)}${ks.reason ? `: ${ks.reason}` : ''}.` : '',
    ),
    h(
      'div',
      { class: 'actions' },
      reason,
      h(
        'button',
        { id: 'kill-flip', class: ks.on ? '' : 'danger', onclick: flip },
        ks.on ? 'Let automation act again' : 'Stop all automation',
      ),
      note,
    ),
  );
}

/** The feeds' addresses, with how many entries each lists now. */
function feedsSection(): HTMLElement {
  const base = `${location.origin}/api/v1/feeds`;
  const counts = new Map(FEEDS.map((f) => [f, h('td', { class: 'num', 'data-feed-count': f }, '…')]));
  for (const f of FEEDS)
    void fetch(`${base}/${f}.txt`, { headers: authHeader() })
      .then(async (r) => {
        const text = r.ok ? await r.text() : null;
        counts.get(f)!.textContent =
          text === null ? `HTTP ${r.status}` : String(text.split('\n').filter(Boolean).length);
      })
      .catch(() => (counts.get(f)!.textContent = '?'));
  return h(
    'section',
    { class: 'panel', id: 'feeds' },
    h('h2', {}, 'Block-list feeds'),
    h(
      'p',
      { class: 'hint' },
      'Firewalls and proxies pull these with a read-only token, as a Bearer token or as the password of HTTP Basic auth (any user name).',
    ),
    h(
      'table',
      { class: 'grid inner' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['List', 'Entries', 'Plain text (EDL)', 'STIX 2.1'].map((t) => h('th', {}, t)),
        ),
      ),
      h(
        'tbody',
        {},
        FEEDS.map((f) =>
          h(
            'tr',
            {},
            h('td', {}, f),
            counts.get(f)!,
            h('td', { class: 'mono' }, `${base}/${f}.txt`),
            h('td', { class: 'mono' }, `${base}/${f}.stix`),
          ),
        ),
      ),
    ),
    h('pre', { class: 'mono example' }, `curl -u feeds:$VIGIL_FEED_TOKEN ${base}/hash.txt`),
  );
}
