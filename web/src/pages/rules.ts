import { api, ApiError } from '../api.js';
import { h, replace } from '../dom.js';

interface RuleRow {
  id: string;
  title: string;
  type: string;
  level: string;
  status: string | null;
  tags: string[];
  hits30d: number;
  enabled: boolean;
}

interface CheckResult {
  valid: boolean;
  rules: { id: string | null; title: string; type: string; loaded: boolean }[];
  errors: { line: number; message: string }[];
  notes: { rule: string; note: string }[];
}

const PAGE = 100;

/** The loaded rules with their ATT&CK tags and hits, and a checker for a rule being written. */
export async function rulesPage(root: HTMLElement, params: URLSearchParams): Promise<void> {
  const q = params.get('q') ?? '';
  const page = Math.max(0, Number(params.get('page') ?? 0) || 0);
  const r = await api<{ total: number; rules: RuleRow[] }>(
    `/api/v1/rules?${new URLSearchParams({ q, limit: String(PAGE), offset: String(page * PAGE) })}`,
  );
  const filter = h('input', {
    value: q,
    placeholder: 'filter by title, id or tag',
    'aria-label': 'filter rules',
  });
  const editor = h('textarea', {
    id: 'rule-yaml',
    rows: 14,
    spellcheck: 'false',
    'aria-label': 'Sigma rule YAML',
    placeholder: 'title: …\nlogsource: …\ndetection: …',
  });
  const verdict = h('div', { id: 'rule-check', role: 'status' });
  const tested = h('div', { id: 'rule-test', role: 'status' });
  const test = async () => {
    // A retro-hunt that stores nothing: what this rule would have found in the last 30 days.
    const r = await api<{
      rules: {
        title: string;
        matches: number;
        truncated: boolean;
        hosts: { host: string; matches: number }[];
      }[];
    }>('/api/v1/retro-hunt', { body: { rule: editor.value, from: 'now-30d', to: 'now', store: false } });
    replace(
      tested,
      h(
        'ul',
        {},
        r.rules.map((x) =>
          h(
            'li',
            {},
            `${x.title}: ${x.matches}${x.truncated ? '+' : ''} matching events`,
            x.hosts.length > 0
              ? ` on ${x.hosts
                  .slice(0, 5)
                  .map((y) => `${y.host} (${y.matches})`)
                  .join(', ')}`
              : '',
          ),
        ),
      ),
    );
  };
  // Rules apply to every tenant: switching and uploading are for admins (the API says so otherwise).
  const toggle = async (id: string, enabled: boolean) => {
    try {
      await api(`/api/v1/rules/${encodeURIComponent(id)}`, { method: 'PATCH', body: { enabled } });
      replace(
        tested,
        h(
          'p',
          { class: 'ok', id: 'toggled' },
          `${enabled ? 'Enabled' : 'Disabled'} from the next events on.`,
        ),
      );
    } catch (e) {
      replace(tested, h('p', { class: 'error' }, e instanceof ApiError ? e.message : String(e)));
    }
  };
  const yaml = () => ({ raw: { text: editor.value, type: 'application/yaml' } });
  const errorList = (errors: readonly { line: number; message: string }[]) =>
    h(
      'ul',
      { class: 'errors' },
      errors.map((e) => h('li', { class: 'error' }, `line ${e.line}: ${e.message}`)),
    );
  const upload = async () => {
    let body: { id: string; title: string };
    try {
      body = await api<{ id: string; title: string }>('/api/v1/rules', yaml());
    } catch (e) {
      const details =
        e instanceof ApiError ? (e.details as { errors?: { line: number; message: string }[] } | null) : null;
      return replace(
        verdict,
        h('p', { class: 'error' }, e instanceof Error ? e.message : String(e)),
        errorList(details?.errors ?? []),
      );
    }
    replace(
      verdict,
      h('p', { class: 'ok', id: 'uploaded' }, `Added to the running rule set: ${body.title} (${body.id}).`),
    );
  };
  const show = async (id: string) => {
    const y = await api<{ file: string; line: number; yaml: string }>(
      `/api/v1/rules/${encodeURIComponent(id)}/yaml`,
    );
    editor.value = y.yaml;
    replace(verdict, h('p', { class: 'hint' }, `${y.file}:${y.line}`));
    replace(tested);
    editor.scrollIntoView();
  };
  const check = async () => {
    const body = await api<CheckResult>('/api/v1/rules/check', yaml());
    replace(
      verdict,
      body.valid ? h('p', { class: 'ok' }, `Valid: ${body.rules.map((x) => x.title).join(', ')}`) : null,
      errorList(body.errors),
      h(
        'ul',
        {},
        body.notes.map((n) => h('li', { class: 'hint' }, `${n.rule}: ${n.note}`)),
      ),
    );
  };
  replace(
    root,
    h(
      'header',
      { class: 'page-head' },
      h('h1', {}, `Rules (${r.total})`),
      h(
        'form',
        {
          class: 'query',
          onsubmit: (e: Event) => {
            e.preventDefault();
            location.hash = `#/rules?${new URLSearchParams({ q: filter.value })}`;
          },
        },
        filter,
        h('button', { type: 'submit' }, 'Filter'),
      ),
    ),
    h(
      'section',
      { class: 'panel' },
      h('h2', {}, 'Check a rule'),
      editor,
      h(
        'button',
        {
          id: 'check',
          onclick: () =>
            void check().catch((e: unknown) => replace(verdict, h('p', { class: 'error' }, String(e)))),
        },
        'Check',
      ),
      h(
        'button',
        {
          id: 'test-rule',
          onclick: () =>
            void test().catch((e: unknown) =>
              replace(tested, h('p', { class: 'error' }, e instanceof ApiError ? e.message : String(e))),
            ),
        },
        'Test on the last 30 days',
      ),
      h('button', { id: 'upload-rule', onclick: () => void upload() }, 'Add to the rule set'),
      verdict,
      tested,
    ),
    h(
      'table',
      { class: 'grid', id: 'rules' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Level', 'Title', 'ATT&CK', 'Status', 'Hits (30 d)', 'On'].map((t) => h('th', {}, t)),
        ),
      ),
      h(
        'tbody',
        {},
        r.rules.map((x) =>
          h(
            'tr',
            {},
            h('td', {}, h('span', { class: `sev sev-${x.level}` }, x.level)),
            h(
              'td',
              {},
              h(
                'a',
                {
                  href: '#',
                  'data-rule': x.id,
                  onclick: (e: Event) => {
                    e.preventDefault();
                    void show(x.id);
                  },
                },
                x.title,
              ),
            ),
            h(
              'td',
              { class: 'mono' },
              x.tags
                .filter((t) => t.startsWith('attack.'))
                .map((t) => t.slice(7))
                .join(' '),
            ),
            h('td', {}, x.status ?? ''),
            h('td', { class: 'num' }, x.hits30d),
            h(
              'td',
              {},
              h('input', {
                type: 'checkbox',
                checked: x.enabled,
                'aria-label': `${x.title} enabled`,
                'data-toggle': x.id,
                onchange: (e: Event) => void toggle(x.id, (e.target as HTMLInputElement).checked),
              }),
            ),
          ),
        ),
      ),
    ),
    h(
      'nav',
      { class: 'pager' },
      page > 0
        ? h('a', { href: `#/rules?${new URLSearchParams({ q, page: String(page - 1) })}` }, '← Previous')
        : null,
      r.total > (page + 1) * PAGE
        ? h('a', { href: `#/rules?${new URLSearchParams({ q, page: String(page + 1) })}` }, 'Next →')
        : null,
    ),
  );
}
