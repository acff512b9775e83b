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
  replace(root, h('header', { class: 'page-head' }, h('h1', {}, 'Search')), form, results);
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
