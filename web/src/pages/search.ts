import { api, ApiError } from '../api.js';
import { h, replace } from '../dom.js';

interface SearchResult {
  total: number | null;
  events: Record<string, unknown>[];
}

const COLUMNS = ['ts', 'host', 'event_code', 'user_name', 'process_executable', 'process_command_line'];

/** The query box and the matching events; entity links elsewhere land here. */
export async function searchPage(root: HTMLElement, params: URLSearchParams): Promise<void> {
  const q = params.get('q') ?? '';
  const from = params.get('from') ?? 'now-7d';
  const input = h('input', {
    id: 'query',
    value: q,
    'aria-label': 'query',
    placeholder: 'host:WS01 AND process_executable:*\\\\rundll32.exe',
  });
  const form = h(
    'form',
    {
      class: 'query',
      onsubmit: (e: Event) => {
        e.preventDefault();
        location.hash = `#/search?${new URLSearchParams({ q: input.value, from })}`;
      },
    },
    input,
    h('button', { type: 'submit' }, 'Search'),
  );
  const results = h('div', { id: 'results' });
  const iocs = h('textarea', {
    id: 'iocs',
    rows: 4,
    'aria-label': 'IOCs, one per line',
    placeholder: 'hashes, IPs, domains, URLs or file names, one per line (defanged is fine)',
  });
  const swept = h('div', { id: 'sweep-results' });
  const sweep = h(
    'section',
    { class: 'panel' },
    h('h2', {}, 'IOC sweep'),
    iocs,
    h('button', { id: 'sweep', onclick: () => void runSweep(iocs.value, from, swept) }, 'Sweep'),
    swept,
  );
  replace(root, h('header', { class: 'page-head' }, h('h1', {}, 'Search')), form, results, sweep);
  if (q === '') return;
  try {
    const r = await api<SearchResult>(
      `/api/v1/search?${new URLSearchParams({ q, from, to: 'now', limit: '200' })}`,
    );
    replace(
      results,
      h('p', { id: 'total' }, `${r.total ?? r.events.length} events`),
      h(
        'table',
        { class: 'grid' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            COLUMNS.map((c) => h('th', {}, c)),
          ),
        ),
        h(
          'tbody',
          {},
          r.events.map((e) =>
            h(
              'tr',
              {},
              COLUMNS.map((c) => h('td', { class: c === 'ts' ? 'mono' : '' }, String(e[c] ?? ''))),
            ),
          ),
        ),
      ),
    );
  } catch (e) {
    replace(
      results,
      h('p', { class: 'error', role: 'alert' }, e instanceof ApiError ? e.message : String(e)),
    );
  }
}

interface SweepResult {
  iocs: {
    type: string;
    value: string;
    events: number;
    first: string | null;
    last: string | null;
    hosts: { host: string; events: number }[];
  }[];
  rejected: { input: string; reason: string }[];
}

/** Which hosts saw these IOCs, and when. */
async function runSweep(text: string, from: string, out: HTMLElement): Promise<void> {
  const list = text
    .split(/\r?\n/)
    .map((x) => x.trim())
    .filter((x) => x !== '');
  try {
    const r = await api<SweepResult>('/api/v1/sweep', { body: { iocs: list, from, to: 'now' } });
    replace(
      out,
      h(
        'table',
        { class: 'grid', id: 'sweep-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Type', 'IOC', 'Events', 'First seen', 'Hosts'].map((c) => h('th', {}, c)),
          ),
        ),
        h(
          'tbody',
          {},
          r.iocs.map((i) =>
            h(
              'tr',
              { 'data-ioc': i.value },
              h('td', {}, i.type),
              h('td', { class: 'mono' }, i.value),
              h('td', { class: 'num' }, i.events),
              h('td', { class: 'mono' }, i.first ?? '–'),
              h('td', {}, i.hosts.map((x) => `${x.host} (${x.events})`).join(', ')),
            ),
          ),
        ),
      ),
      h(
        'ul',
        {},
        r.rejected.map((x) => h('li', { class: 'error' }, `${x.input}: ${x.reason}`)),
      ),
    );
  } catch (e) {
    replace(out, h('p', { class: 'error', role: 'alert' }, e instanceof ApiError ? e.message : String(e)));
  }
}
