import { api, ApiError, authHeader } from '../api.js';
import { h, replace } from '../dom.js';

interface SearchResult {
  total: number | null;
  events: Record<string, unknown>[];
  histogram: { bucketSeconds: number; buckets: { t: string; n: number }[] } | null;
  facets: Record<string, { value: string; n: number }[]> | null;
}

const COLUMNS = ['ts', 'host', 'event_code', 'user_name', 'process_executable', 'process_command_line'];
const SAVED = 'vigil.saved-searches';
const FIELDS = [
  'host',
  'user_name',
  'event_code',
  'channel',
  'provider',
  'process_executable',
  'process_command_line',
  'parent_executable',
  'file_path',
  'hash_sha256',
  'hash_md5',
  'source_ip',
  'destination_ip',
  'destination_port',
  'domain',
  'url',
  'registry_key',
  'container_image',
  'email_from',
  'rule_ids',
  'hash:',
  'ip:',
  'domain:',
];

function saved(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(SAVED) ?? '[]') as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function go(q: string, from: string): void {
  location.hash = `#/search?${new URLSearchParams({ q, from })}`;
}

/** Bars of matches over time, as the API buckets them. */
function histogram(r: SearchResult): HTMLElement | null {
  const b = r.histogram?.buckets ?? [];
  if (b.length === 0) return null;
  const max = Math.max(1, ...b.map((x) => x.n));
  return h(
    'div',
    { class: 'chart small', id: 'histogram', role: 'img', 'aria-label': 'matches over time' },
    b.map((x) =>
      h(
        'div',
        { class: 'bar', title: `${x.t}: ${x.n}` },
        h('div', { class: 'seg', style: `height:${(100 * x.n) / max}%;background:var(--accent)` }),
      ),
    ),
  );
}

/** The query box with syntax help and field completion, results with facets, raw events and export. */
/** Columns of long values without spaces (paths, command lines): these break anywhere. */
const WRAPPED = new Set(['process_executable', 'process_command_line', 'file_path', 'registry_key', 'url']);

export async function searchPage(root: HTMLElement, params: URLSearchParams): Promise<void> {
  const q = params.get('q') ?? '';
  const from = params.get('from') ?? 'now-7d';
  const input = h('input', {
    id: 'query',
    value: q,
    list: 'fields',
    'aria-label': 'query',
    placeholder: 'host:WS01 AND process_executable:*\\rundll32.exe',
  });
  const fields = h(
    'datalist',
    { id: 'fields' },
    FIELDS.map((f) => h('option', { value: f.endsWith(':') ? f : `${f}:` })),
  );
  const range = h(
    'select',
    { 'aria-label': 'range' },
    ['now-1h', 'now-1d', 'now-7d', 'now-30d', 'now-365d'].map((r) =>
      h('option', { value: r, selected: r === from }, r),
    ),
  );
  const form = h(
    'form',
    {
      class: 'query',
      onsubmit: (e: Event) => {
        e.preventDefault();
        go(input.value, range.value);
      },
    },
    input,
    fields,
    range,
    h('button', { type: 'submit' }, 'Search'),
    h(
      'button',
      {
        type: 'button',
        id: 'save-search',
        onclick: () => {
          const list = saved().filter((x) => x !== input.value);
          localStorage.setItem(SAVED, JSON.stringify([input.value, ...list].slice(0, 20)));
          void searchPage(root, params);
        },
      },
      'Save',
    ),
  );
  const help = h(
    'details',
    { class: 'hint' },
    h('summary', {}, 'Syntax'),
    h(
      'p',
      {},
      'field:value, "quoted phrases", wildcards (* and ?), AND / OR / NOT, parentheses, ranges (destination_port:[1 TO 1024], ts:>2026-01-01), bare terms, and the shortcuts hash:, ip: and domain:. See docs/search.md.',
    ),
  );
  const savedList = h(
    'div',
    { class: 'saved' },
    saved().map((x) => h('a', { href: `#/search?${new URLSearchParams({ q: x, from })}` }, x)),
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
  replace(
    root,
    h('header', { class: 'page-head' }, h('h1', {}, 'Search')),
    form,
    help,
    savedList,
    results,
    sweep,
  );
  if (q === '') return;
  try {
    const r = await api<SearchResult>(
      `/api/v1/search?${new URLSearchParams({ q, from, to: 'now', limit: '200' })}`,
    );
    const facets = Object.entries(r.facets ?? {}).filter(([, v]) => v.length > 0);
    replace(
      results,
      h(
        'p',
        { id: 'total' },
        `${r.total ?? r.events.length} events`,
        ' · ',
        h(
          'a',
          {
            href: '#',
            id: 'export',
            onclick: (e: Event) => {
              e.preventDefault();
              void download(q, from);
            },
          },
          'export JSONL',
        ),
      ),
      histogram(r),
      h(
        'div',
        { class: 'search-body' },
        h(
          'aside',
          { class: 'facets', id: 'facets' },
          facets.map(([field, values]) =>
            h(
              'section',
              {},
              h('h2', {}, field),
              h(
                'ul',
                {},
                values.slice(0, 8).map((v) =>
                  h(
                    'li',
                    {},
                    h(
                      'a',
                      {
                        href: '#',
                        onclick: (e: Event) => {
                          e.preventDefault();
                          go(`(${q}) AND ${field}:"${v.value.replace(/"/g, '\\"')}"`, from);
                        },
                      },
                      v.value || '(empty)',
                    ),
                    h('span', { class: 'count' }, ` ${v.n}`),
                  ),
                ),
              ),
            ),
          ),
        ),
        // Long paths and command lines wrap, and a table still too wide scrolls inside its box,
        // never the page.
        h(
          'div',
          { class: 'scroll-x' },
          h(
            'table',
            { class: 'grid', id: 'events' },
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
              r.events.map((e) => {
                const row: HTMLTableRowElement = h(
                  'tr',
                  {
                    tabindex: 0,
                    onclick: () => void toggleRaw(row, String(e.event_id ?? '')),
                    onkeydown: (k: Event) =>
                      (k as KeyboardEvent).key === 'Enter' && void toggleRaw(row, String(e.event_id ?? '')),
                  },
                  COLUMNS.map((c) =>
                    h(
                      'td',
                      { class: c === 'ts' ? 'mono' : WRAPPED.has(c) ? 'wrap' : '' },
                      String(e[c] ?? ''),
                    ),
                  ),
                );
                return row;
              }),
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

/** Shows (or hides) an event's original record under its row. */
async function toggleRaw(row: HTMLTableRowElement, id: string): Promise<void> {
  const next = row.nextElementSibling;
  if (next?.classList.contains('raw')) return void next.remove();
  const e = await api<{ raw: unknown }>(`/api/v1/events/${encodeURIComponent(id)}`);
  row.after(
    h(
      'tr',
      { class: 'raw' },
      h('td', { colspan: COLUMNS.length }, h('pre', {}, JSON.stringify(e.raw, null, 2))),
    ),
  );
}

/** Export through the API (the token goes in a header, so not a plain link). */
async function download(q: string, from: string): Promise<void> {
  const res = await fetch(
    `/api/v1/search/export?${new URLSearchParams({ q, from, to: 'now', format: 'jsonl', limit: '100000' })}`,
    {
      headers: authHeader(),
    },
  );
  const url = URL.createObjectURL(await res.blob());
  const a = h('a', { href: url, download: 'vigil-search.jsonl' });
  a.click();
  URL.revokeObjectURL(url);
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
