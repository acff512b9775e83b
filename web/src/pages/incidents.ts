import { api } from '../api.js';
import { h, replace, time } from '../dom.js';
import type { IncidentSummary } from '../types.js';

const PAGE = 50;

/** Incidents, highest risk first, with filters; rows open with a click or Enter. */
export async function incidentsPage(root: HTMLElement, params: URLSearchParams): Promise<void> {
  const status = params.get('status') ?? '';
  const severity = params.get('severity') ?? '';
  const from = params.get('from') ?? 'now-30d';
  const page = Math.max(0, Number(params.get('page') ?? 0) || 0);
  // One more than a page: whether there is a next one.
  const q = new URLSearchParams({ from, to: 'now', limit: String(PAGE + 1), offset: String(page * PAGE) });
  if (status !== '') q.set('status', status);
  if (severity !== '') q.set('severity', severity);
  const { incidents } = await api<{ incidents: IncidentSummary[] }>(`/api/v1/incidents?${q}`);
  const rows = incidents.slice(0, PAGE);
  const go = (change: Record<string, string>) => {
    const p = new URLSearchParams({ status, severity, from, ...change });
    for (const [k, v] of [...p]) if (v === '') p.delete(k);
    location.hash = `#/incidents?${p}`;
  };
  const select = (name: string, value: string, options: string[]) =>
    h(
      'select',
      {
        'aria-label': name,
        onchange: (e: Event) => go({ [name]: (e.target as HTMLSelectElement).value, page: '' }),
      },
      options.map((o) => h('option', { value: o, selected: o === value }, o === '' ? `any ${name}` : o)),
    );
  const open = (id: string) => (location.hash = `#/incidents/${encodeURIComponent(id)}`);
  replace(
    root,
    h(
      'header',
      { class: 'page-head' },
      h('h1', {}, 'Incidents'),
      h(
        'div',
        { class: 'filters' },
        select('status', status, ['', 'new', 'investigating', 'closed']),
        select('severity', severity, ['', 'low', 'medium', 'high', 'critical']),
        select('from', from, ['now-1d', 'now-7d', 'now-30d', 'now-365d']),
      ),
    ),
    h(
      'table',
      { class: 'grid', id: 'incidents' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Severity', 'Risk', 'Status', 'Title', 'Alerts', 'Hosts', 'Last alert'].map((t) => h('th', {}, t)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((i) =>
          h(
            'tr',
            {
              tabindex: 0,
              'data-id': i.id,
              onclick: () => open(i.id),
              onkeydown: (e: Event) => (e as KeyboardEvent).key === 'Enter' && open(i.id),
            },
            h('td', {}, h('span', { class: `sev sev-${i.severity}` }, i.severity)),
            h('td', { class: 'num' }, i.risk),
            h('td', {}, i.state.status),
            h('td', { class: 'title' }, i.title),
            h('td', { class: 'num' }, i.alertCount),
            h(
              'td',
              {},
              i.hosts.slice(0, 3).join(', ') + (i.hosts.length > 3 ? ` +${i.hosts.length - 3}` : ''),
            ),
            h('td', { class: 'mono' }, time(i.last)),
          ),
        ),
      ),
    ),
    rows.length === 0 ? h('p', { class: 'empty' }, 'No incidents in this range.') : null,
    h(
      'nav',
      { class: 'pager' },
      page > 0 ? h('button', { onclick: () => go({ page: String(page - 1) }) }, '← Newer') : null,
      incidents.length > PAGE
        ? h('button', { onclick: () => go({ page: String(page + 1) }) }, 'More →')
        : null,
    ),
  );
}
