import { api, ApiError } from '../api.js';
import { h, replace, time } from '../dom.js';

interface Group {
  key: string;
  title: string;
  alerts: number;
  hosts?: number;
  rules?: number;
  level: string;
  first: number;
  last: number;
}

interface AlertRow {
  alert_id: string;
  ts: string;
  host: string;
  rule_title: string;
  level: string;
  kind: string;
  process_command_line: string;
}

/**
 * Triage: alerts grouped by rule or by host, biggest first; a group opens to its alerts, and the
 * ones selected get one exception in bulk (with a reason and a 30-day expiry).
 */
export async function alertsPage(root: HTMLElement, params: URLSearchParams): Promise<void> {
  const by = params.get('by') === 'host' ? 'host' : 'rule';
  const from = params.get('from') ?? 'now-7d';
  const { groups } = await api<{ groups: Group[] }>(
    `/api/v1/alerts/groups?${new URLSearchParams({ by, from, to: 'now' })}`,
  );
  const selected = new Set<string>();
  const reason = h('input', {
    id: 'bulk-reason',
    'aria-label': 'reason',
    placeholder: 'why these are expected (required)',
  });
  const status = h('p', { id: 'bulk-status', role: 'status' });
  const suppress = async () => {
    if (selected.size === 0) return void (status.textContent = 'Select groups first.');
    const expires = new Date(Date.now() + 30 * 86_400_000).toISOString();
    let made = 0;
    try {
      for (const key of selected) {
        const body = by === 'rule' ? { rule_id: key } : { entity: `host:${key.toLowerCase()}` };
        await api('/api/v1/suppressions', { body: { ...body, reason: reason.value, expires } });
        made++;
      }
      status.textContent = `${made} exception${made === 1 ? '' : 's'} created for 30 days.`;
    } catch (e) {
      status.textContent = `${made} created; then: ${e instanceof ApiError ? e.message : String(e)}`;
    }
  };
  const open = async (g: Group, row: HTMLTableRowElement) => {
    const next = row.nextElementSibling;
    if (next?.classList.contains('detail')) return void next.remove();
    const q = new URLSearchParams({ from, to: 'now', limit: '50', [by === 'rule' ? 'rule' : 'host']: g.key });
    const { alerts } = await api<{ alerts: AlertRow[] }>(`/api/v1/alerts?${q}`);
    row.after(
      h(
        'tr',
        { class: 'detail' },
        h(
          'td',
          { colspan: 7 },
          h(
            'table',
            { class: 'grid inner' },
            h(
              'tbody',
              {},
              alerts.map((a) =>
                h(
                  'tr',
                  {},
                  h('td', { class: 'mono' }, a.ts),
                  h('td', {}, by === 'rule' ? a.host : a.rule_title),
                  h('td', {}, a.kind),
                  h('td', { class: 'mono' }, a.process_command_line),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  };
  replace(
    root,
    h(
      'header',
      { class: 'page-head' },
      h('h1', {}, 'Alerts'),
      h(
        'div',
        { class: 'filters' },
        ['rule', 'host'].map((b) =>
          h(
            'a',
            {
              href: `#/alerts?${new URLSearchParams({ by: b, from })}`,
              class: b === by ? 'active' : '',
              id: `by-${b}`,
            },
            `by ${b}`,
          ),
        ),
        h(
          'select',
          {
            'aria-label': 'range',
            onchange: (e: Event) =>
              (location.hash = `#/alerts?${new URLSearchParams({ by, from: (e.target as HTMLSelectElement).value })}`),
          },
          ['now-1d', 'now-7d', 'now-30d'].map((r) => h('option', { value: r, selected: r === from }, r)),
        ),
      ),
    ),
    h(
      'div',
      { class: 'actions' },
      reason,
      h(
        'button',
        { id: 'bulk-suppress', onclick: () => void suppress() },
        'Create exceptions for the selected',
      ),
      status,
    ),
    h(
      'table',
      // Which grouping this table shows: the previous one stays on screen while the next loads.
      { class: 'grid', id: 'alert-groups', 'data-by': by },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          [
            '',
            'Level',
            by === 'rule' ? 'Rule' : 'Host',
            'Alerts',
            by === 'rule' ? 'Hosts' : 'Rules',
            'First',
            'Last',
          ].map((t) => h('th', {}, t)),
        ),
      ),
      h(
        'tbody',
        {},
        groups.map((g) => {
          const box = h('input', {
            type: 'checkbox',
            'aria-label': `select ${g.title}`,
            onclick: (e: Event) => {
              e.stopPropagation();
              if ((e.target as HTMLInputElement).checked) selected.add(g.key);
              else selected.delete(g.key);
            },
          });
          const row: HTMLTableRowElement = h(
            'tr',
            {
              tabindex: 0,
              'data-key': g.key,
              onclick: () => void open(g, row),
              onkeydown: (e: Event) => (e as KeyboardEvent).key === 'Enter' && void open(g, row),
            },
            h('td', {}, box),
            h('td', {}, h('span', { class: `sev sev-${g.level}` }, g.level)),
            h('td', {}, g.title),
            h('td', { class: 'num' }, g.alerts),
            h('td', { class: 'num' }, g.hosts ?? g.rules ?? 0),
            h('td', { class: 'mono' }, time(g.first)),
            h('td', { class: 'mono' }, time(g.last)),
          );
          return row;
        }),
      ),
    ),
  );
}
