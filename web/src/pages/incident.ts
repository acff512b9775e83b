import { api, ApiError } from '../api.js';
import { h, replace, time } from '../dom.js';
import { drawGraph } from '../graph.js';
import { pivotQuery, searchHref } from '../pivot.js';
import type { IncidentDetail } from '../types.js';
import { statusBadge, type Run } from './response.js';

const VERDICTS = ['true-positive', 'benign-positive', 'false-positive', 'duplicate'];

function entityLink(type: string, value: string, from: number): HTMLAnchorElement {
  return h(
    'a',
    { href: searchHref(pivotQuery(type, value), from - 86_400_000), class: 'entity', 'data-type': type },
    value,
  );
}

/** One incident: what happened, in order, to what, why the pieces belong together, and actions. */
export async function incidentPage(root: HTMLElement, id: string): Promise<void> {
  const inc = await api<IncidentDetail>(`/api/v1/incidents/${encodeURIComponent(id)}`);
  const from = inc.first;
  const message = h('p', { class: 'error', role: 'alert' });
  const act = async (body: Record<string, string>) => {
    try {
      await api(`/api/v1/incidents/${encodeURIComponent(inc.id)}`, { method: 'PATCH', body });
      await incidentPage(root, inc.id);
    } catch (e) {
      message.textContent = e instanceof ApiError ? e.message : String(e);
    }
  };
  const assignee = h('input', {
    value: inc.state.assignee,
    'aria-label': 'assignee',
    placeholder: 'assignee',
  });
  const status = h(
    'select',
    { 'aria-label': 'status', id: 'status' },
    ['new', 'investigating', 'closed'].map((s) =>
      h('option', { value: s, selected: s === inc.state.status }, s),
    ),
  );
  const verdict = h(
    'select',
    { 'aria-label': 'verdict', id: 'verdict' },
    h('option', { value: '' }, 'no verdict'),
    VERDICTS.map((v) => h('option', { value: v, selected: v === inc.state.verdict }, v)),
  );
  const note = h('textarea', { 'aria-label': 'note', placeholder: 'Add a note…', rows: 2 });
  const graph = h('div', {
    class: 'graph',
    id: 'graph',
    role: 'img',
    'aria-label': 'graph of alerts and entities',
  });
  const exception = exceptionForm(inc, message);

  replace(
    root,
    h(
      'header',
      { class: 'page-head' },
      h('a', { href: '#/incidents', class: 'back' }, '← Incidents'),
      h('h1', { id: 'incident-title' }, inc.title),
      h(
        'div',
        { class: 'facts' },
        h('span', { class: `sev sev-${inc.severity}` }, inc.severity),
        h('span', {}, `risk ${inc.risk.score}`),
        h(
          'span',
          { id: 'incident-status' },
          inc.state.status + (inc.state.verdict ? ` · ${inc.state.verdict}` : ''),
        ),
        h('span', {}, `${inc.alertCount} alerts`),
        h('span', { class: 'mono' }, `${time(inc.first)} → ${time(inc.last)}`),
      ),
      inc.tactics.length > 0
        ? h(
            'ol',
            { class: 'tactics', 'aria-label': 'ATT&CK tactics' },
            inc.tactics.map((t) => h('li', {}, t)),
          )
        : null,
    ),
    h(
      'section',
      { class: 'actions', 'aria-label': 'actions' },
      assignee,
      status,
      verdict,
      h(
        'button',
        {
          id: 'save',
          onclick: () => void act({ assignee: assignee.value, status: status.value, verdict: verdict.value }),
        },
        'Save',
      ),
      h(
        'button',
        {
          id: 'close',
          onclick: () => void act({ status: 'closed', verdict: verdict.value, assignee: assignee.value }),
        },
        'Close with verdict',
      ),
      message,
    ),
    h(
      'div',
      { class: 'incident-body' },
      h('section', { class: 'panel graph-panel' }, h('h2', {}, 'Graph'), graph),
      h(
        'section',
        { class: 'panel' },
        h('h2', {}, 'Why these alerts belong together'),
        inc.links.length === 0 ? h('p', { class: 'empty' }, 'One alert: nothing linked yet.') : null,
        h(
          'ul',
          { class: 'links', id: 'links' },
          inc.links.slice(0, 200).map((l) => h('li', {}, l.reason)),
        ),
        h('h2', {}, 'Entities'),
        h(
          'ul',
          { class: 'entities', id: 'entities' },
          inc.entities
            .slice(0, 100)
            .map((e) =>
              h(
                'li',
                {},
                h('span', { class: 'etype' }, e.type),
                entityLink(e.type, e.value, from),
                h('span', { class: 'count' }, ` ${e.alerts}`),
              ),
            ),
        ),
      ),
    ),
    h(
      'section',
      { class: 'panel' },
      h('h2', {}, 'Timeline'),
      h(
        'table',
        { class: 'grid', id: 'timeline' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Time', 'Host', 'Level', 'Alert'].map((t) => h('th', {}, t)),
          ),
        ),
        h(
          'tbody',
          {},
          inc.alerts.map((a) =>
            h(
              'tr',
              {},
              h('td', { class: 'mono' }, time(a.time)),
              h('td', {}, entityLink('host', a.host.toLowerCase(), from)),
              h('td', {}, h('span', { class: `sev sev-${a.level}` }, a.level)),
              h('td', {}, a.title),
            ),
          ),
        ),
      ),
    ),
    exception,
    responseRuns(inc.id),
    h(
      'section',
      { class: 'panel' },
      h('h2', {}, 'Notes'),
      h(
        'ul',
        { class: 'notes' },
        inc.notes.map((n) =>
          h('li', {}, h('span', { class: 'mono' }, time(n.time)), ` ${n.author}: `, n.text),
        ),
      ),
      note,
      h(
        'button',
        {
          onclick: () =>
            void api(`/api/v1/incidents/${encodeURIComponent(inc.id)}/notes`, { body: { text: note.value } })
              .then(() => incidentPage(root, inc.id))
              .catch((e: unknown) => (message.textContent = e instanceof ApiError ? e.message : String(e))),
        },
        'Add note',
      ),
    ),
  );
  drawGraph(
    graph,
    inc,
    (type, value) => (location.hash = searchHref(pivotQuery(type, value), from - 86_400_000)),
  );
}

/** The playbook runs this incident triggered; filled in when they arrive, so the page never waits. */
function responseRuns(id: string): HTMLElement {
  const body = h('div', {}, h('p', { class: 'empty' }, 'Loading…'));
  void api<{ runs: Run[] }>(`/api/v1/response/runs?${new URLSearchParams({ incident: id, limit: '20' })}`)
    .then(({ runs }) =>
      replace(
        body,
        runs.length === 0
          ? h('p', { class: 'empty' }, 'No playbook ran for this incident.')
          : h(
              'ul',
              { class: 'plain' },
              runs.map((r) =>
                h(
                  'li',
                  { 'data-run': r.id },
                  statusBadge(r.status),
                  ' ',
                  h('a', { href: `#/response?${new URLSearchParams({ run: r.id })}` }, r.playbook.title),
                  h('span', { class: 'hint' }, ` ${time(r.created)}`),
                  r.approval ? h('span', { class: 'hint' }, ` · approved by ${r.approval.by}`) : null,
                  r.reason ? h('span', { class: 'hint' }, ` · ${r.reason}`) : null,
                ),
              ),
            ),
      ),
    )
    .catch((e: unknown) =>
      replace(body, h('p', { class: 'error' }, e instanceof ApiError ? e.message : String(e))),
    );
  return h('section', { class: 'panel', id: 'incident-response' }, h('h2', {}, 'Response'), body);
}

const EXPIRIES: [string, number][] = [
  ['for 7 days', 7],
  ['for 30 days', 30],
  ['for 90 days', 90],
  ['with no expiry', 0],
];

/**
 * An exception from this incident: its rule, one of its entities, or both. It silences matching
 * detections from the next batch on; it needs a reason, and names its author.
 */
function exceptionForm(inc: IncidentDetail, message: HTMLElement): HTMLElement {
  const rule = h(
    'select',
    { id: 'exception-rule', 'aria-label': 'rule' },
    h('option', { value: '' }, 'any rule'),
    inc.rules.map((r) => h('option', { value: r.id }, r.title)),
  );
  const entity = h(
    'select',
    { id: 'exception-entity', 'aria-label': 'entity' },
    h('option', { value: '' }, 'any entity'),
    inc.entities
      .slice(0, 100)
      .map((e) => h('option', { value: `${e.type}:${e.value}` }, `${e.type}: ${e.value}`)),
  );
  const expiry = h(
    'select',
    { id: 'exception-expiry', 'aria-label': 'expiry' },
    EXPIRIES.map(([label, days]) => h('option', { value: String(days) }, label)),
  );
  const reason = h('input', {
    id: 'exception-reason',
    'aria-label': 'reason',
    placeholder: 'why this is expected (required)',
  });
  const done = h('p', { id: 'exception-done', class: 'ok', role: 'status' });
  const create = async () => {
    const days = Number(expiry.value);
    const body: Record<string, string> = { rule_id: rule.value, entity: entity.value, reason: reason.value };
    if (days > 0) body.expires = new Date(Date.now() + days * 86_400_000).toISOString();
    try {
      const s = await api<{ id: string }>('/api/v1/suppressions', { body });
      done.textContent = `Exception ${s.id} created: matching detections no longer alert.`;
    } catch (e) {
      message.textContent = e instanceof ApiError ? e.message : String(e);
    }
  };
  return h(
    'section',
    { class: 'panel' },
    h('h2', {}, 'Create an exception'),
    h(
      'div',
      { class: 'actions' },
      rule,
      entity,
      expiry,
      reason,
      h('button', { id: 'exception-create', onclick: () => void create() }, 'Create exception'),
    ),
    done,
  );
}
