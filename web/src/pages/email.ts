import { api } from '../api.js';
import { h, replace, time } from '../dom.js';
import { pivotQuery, searchHref } from '../pivot.js';

const PAGE = 50;
const VERDICTS = ['malicious', 'suspicious', 'clean'];
/** Verdicts wear the severity colours the other pages use. */
const BADGE: Record<string, string> = { malicious: 'critical', suspicious: 'medium', clean: 'informational' };

interface MessageRow {
  id: string;
  time: number;
  from: string;
  to: string[];
  subject: string;
  verdict: string;
  score: number;
  reasons: string[];
  attachments: string[];
}

interface MessageList {
  total: number;
  counts: Record<string, number>;
  messages: MessageRow[];
}

interface Finding {
  analyzer: string;
  code: string;
  score: number;
  reason: string;
  evidence: Record<string, unknown>;
}

interface MessageDetail {
  id: string;
  time: number;
  from: string | null;
  fromName: string | null;
  senderDomain: string | null;
  replyTo: string[];
  returnPath: string | null;
  messageId: string | null;
  sourceIp: string | null;
  findings: Finding[];
  attachments: { name: string; type: string | null; size: number; sha256: string | null }[];
  archiveFiles: { name: string; sha256: string | null }[];
  urls: string[];
  urlDomains: string[];
}

const pivot = (type: string, value: string) => h('a', { href: searchHref(pivotQuery(type, value)) }, value);

function evidenceText(e: Record<string, unknown>): string {
  return Object.entries(e)
    .map(
      ([k, v]) =>
        `${k}: ${Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v)}`,
    )
    .join(' · ');
}

/** What one message was judged on, and what it carried: the row's detail. */
function detailOf(m: MessageDetail): HTMLElement {
  const senderSearch =
    m.senderDomain === null
      ? null
      : h(
          'a',
          {
            href: searchHref(
              `email_from:*@${m.senderDomain} OR ${pivotQuery('domain', m.senderDomain)}`,
              m.time - 86_400_000,
            ),
            id: 'email-sender-domain',
          },
          m.senderDomain,
        );
  return h(
    'div',
    { class: 'email-detail' },
    h(
      'p',
      {},
      'From ',
      m.fromName === null ? '' : `${m.fromName} `,
      h('span', { class: 'mono' }, `<${m.from ?? '?'}>`),
      senderSearch === null ? null : [' · sender domain ', senderSearch],
      m.replyTo.length > 0 ? ` · Reply-To ${m.replyTo.join(', ')}` : null,
      m.returnPath === null ? null : ` · Return-Path ${m.returnPath}`,
      m.sourceIp === null ? null : [' · from ', pivot('ip', m.sourceIp)],
    ),
    h(
      'table',
      { class: 'grid inner', id: 'email-reasons' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Analyzer', 'Score', 'Reason', 'Evidence'].map((t) => h('th', {}, t)),
        ),
      ),
      h(
        'tbody',
        {},
        m.findings.map((f) =>
          h(
            'tr',
            { 'data-code': f.code },
            h('td', {}, f.analyzer),
            h('td', { class: 'num' }, f.score),
            h('td', { style: 'min-width: 30ch' }, f.reason),
            // Evidence can be long (addresses, lists): wrapped, never wider than the page.
            h(
              'td',
              { class: 'mono', style: 'white-space: normal; overflow-wrap: anywhere; max-width: 60ch' },
              evidenceText(f.evidence),
            ),
          ),
        ),
      ),
    ),
    m.findings.length === 0 ? h('p', { class: 'empty' }, 'Nothing to report.') : null,
    m.attachments.length === 0
      ? null
      : h(
          'table',
          { class: 'grid inner', id: 'email-attachments' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Attachment', 'Type', 'Bytes', 'SHA-256'].map((t) => h('th', {}, t)),
            ),
          ),
          h(
            'tbody',
            {},
            [
              ...m.attachments.map((a) => [a.name, a.type ?? '', a.size, a.sha256] as const),
              ...m.archiveFiles.map((f) => [f.name, 'inside the archive', '', f.sha256] as const),
            ].map(([name, type, size, sha]) =>
              h(
                'tr',
                {},
                h('td', {}, name),
                h('td', {}, type),
                h('td', { class: 'num' }, size),
                h('td', { class: 'mono' }, sha === null ? '' : pivot('hash', sha)),
              ),
            ),
          ),
        ),
    m.urls.length === 0
      ? null
      : h(
          'p',
          { id: 'email-links' },
          'Links: ',
          m.urlDomains.flatMap((d, i) => [i > 0 ? ', ' : '', pivot('domain', d)]),
          h('br'),
          m.urls.slice(0, 20).flatMap((u, i) => [i > 0 ? ' ' : '', h('span', { class: 'mono' }, u)]),
        ),
  );
}

/**
 * Analyzed mail, newest first: verdict, score and the reasons behind it. A row opens to its
 * findings with their evidence, its attachments (hashes pivot to search, where the hosts that ran
 * them show up) and its links.
 */
export async function emailPage(root: HTMLElement, params: URLSearchParams): Promise<void> {
  const verdict = params.get('verdict') ?? '';
  const from = params.get('from') ?? 'now-7d';
  const page = Math.max(0, Number(params.get('page') ?? 0) || 0);
  const q = new URLSearchParams({ from, to: 'now', limit: String(PAGE), offset: String(page * PAGE) });
  if (verdict !== '') q.set('verdict', verdict);
  const list = await api<MessageList>(`/api/v1/email/messages?${q}`);
  const go = (change: Record<string, string>) => {
    const p = new URLSearchParams({ verdict, from, ...change });
    for (const [k, v] of [...p]) if (v === '') p.delete(k);
    location.hash = `#/email?${p}`;
  };
  const open = async (m: MessageRow, row: HTMLTableRowElement) => {
    const next = row.nextElementSibling;
    if (next?.classList.contains('detail')) return void next.remove();
    const detail = await api<MessageDetail>(`/api/v1/email/messages/${encodeURIComponent(m.id)}`);
    row.after(h('tr', { class: 'detail' }, h('td', { colspan: 6 }, detailOf(detail))));
  };
  const total = Object.values(list.counts).reduce((a, b) => a + b, 0);
  replace(
    root,
    h(
      'header',
      { class: 'page-head' },
      h('h1', {}, 'Email'),
      h(
        'div',
        { class: 'filters' },
        ['', ...VERDICTS].map((v) =>
          h(
            'a',
            {
              href: `#/email?${new URLSearchParams({ ...(v === '' ? {} : { verdict: v }), from })}`,
              class: v === verdict ? 'active' : '',
              id: `verdict-${v === '' ? 'all' : v}`,
            },
            `${v === '' ? 'all' : v} (${v === '' ? total : (list.counts[v] ?? 0)})`,
          ),
        ),
        h(
          'select',
          {
            'aria-label': 'range',
            onchange: (e: Event) => go({ from: (e.target as HTMLSelectElement).value, page: '' }),
          },
          ['now-1d', 'now-7d', 'now-30d', 'now-365d'].map((r) =>
            h('option', { value: r, selected: r === from }, r),
          ),
        ),
      ),
    ),
    h(
      'table',
      { class: 'grid', id: 'emails' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Time', 'From', 'To', 'Subject', 'Verdict', 'Score'].map((t) => h('th', {}, t)),
        ),
      ),
      h(
        'tbody',
        {},
        list.messages.map((m) => {
          const row: HTMLTableRowElement = h(
            'tr',
            {
              tabindex: 0,
              'data-id': m.id,
              'data-verdict': m.verdict,
              onclick: () => void open(m, row),
              onkeydown: (e: Event) => (e as KeyboardEvent).key === 'Enter' && void open(m, row),
            },
            h('td', { class: 'mono' }, time(m.time)),
            h('td', {}, m.from),
            h('td', {}, m.to.slice(0, 2).join(', ') + (m.to.length > 2 ? ` +${m.to.length - 2}` : '')),
            h(
              'td',
              { class: 'title' },
              m.subject,
              m.attachments.length > 0 ? ` · ${m.attachments.length} attached` : '',
            ),
            h('td', {}, h('span', { class: `sev sev-${BADGE[m.verdict] ?? 'low'}` }, m.verdict)),
            h('td', { class: 'num' }, m.score),
          );
          return row;
        }),
      ),
    ),
    list.messages.length === 0 ? h('p', { class: 'empty' }, 'No analyzed mail in this range.') : null,
    h(
      'nav',
      { class: 'pager' },
      page > 0 ? h('button', { onclick: () => go({ page: String(page - 1) }) }, '← Newer') : null,
      (page + 1) * PAGE < list.total
        ? h('button', { onclick: () => go({ page: String(page + 1) }) }, 'More →')
        : null,
    ),
  );
}
