import { api } from '../api.js';
import { h, replace, time } from '../dom.js';
import { searchHref } from '../pivot.js';

interface Overview {
  range: { from: number; to: number };
  bucketSeconds: number;
  volume: { t: number; source: string; n: number }[];
  alertsBySeverity: Record<string, number>;
  openIncidents: {
    total: number;
    bySeverity: Record<string, number>;
    top: { id: string; title: string; severity: string; risk: number }[];
  };
  topRules: { id: string; title: string; n: number }[];
  topHosts: { host: string; n: number }[];
  quietSensors: { host: string; title: string; time: number; reason: string }[];
}

const LEVELS = ['critical', 'high', 'medium', 'low', 'informational'];
const SOURCE_COLORS = ['#4ea8de', '#c77dff', '#80ed99', '#ffd166', '#ff9f43', '#9bf6ff', '#ffadad'];

/** Event volume per source as stacked bars: one per bucket, no chart library needed. */
function volumeChart(o: Overview): HTMLElement {
  const sources = [...new Set(o.volume.map((v) => v.source))].sort();
  const color = (s: string) => SOURCE_COLORS[sources.indexOf(s) % SOURCE_COLORS.length]!;
  const buckets = new Map<number, Map<string, number>>();
  for (const v of o.volume) {
    if (!buckets.has(v.t)) buckets.set(v.t, new Map());
    buckets.get(v.t)!.set(v.source, v.n);
  }
  const totals = [...buckets.values()].map((m) => [...m.values()].reduce((a, b) => a + b, 0));
  const max = Math.max(1, ...totals);
  const bars = [...buckets.entries()].map(([t, m]) =>
    h(
      'div',
      { class: 'bar', title: `${time(t)}: ${[...m].map(([s, n]) => `${s} ${n}`).join(', ')}` },
      sources.map((s) =>
        m.has(s)
          ? h('div', { class: 'seg', style: `height:${(100 * m.get(s)!) / max}%;background:${color(s)}` })
          : null,
      ),
    ),
  );
  return h(
    'div',
    {},
    h(
      'div',
      { class: 'chart', id: 'volume', role: 'img', 'aria-label': 'event volume over time per source' },
      bars,
    ),
    h(
      'div',
      { class: 'legend' },
      sources.map((s) => h('span', {}, h('i', { style: `background:${color(s)}` }), s)),
    ),
  );
}

export async function overviewPage(root: HTMLElement, params: URLSearchParams): Promise<void> {
  const from = params.get('from') ?? 'now-1d';
  const o = await api<Overview>(`/api/v1/overview?${new URLSearchParams({ from, to: 'now' })}`);
  const card = (title: string, ...body: (Node | string | null)[]) =>
    h('section', { class: 'panel card' }, h('h2', {}, title), ...body);
  replace(
    root,
    h(
      'header',
      { class: 'page-head' },
      h('h1', {}, 'Overview'),
      h(
        'div',
        { class: 'filters' },
        h(
          'select',
          {
            'aria-label': 'range',
            onchange: (e: Event) =>
              (location.hash = `#/overview?from=${(e.target as HTMLSelectElement).value}`),
          },
          ['now-1d', 'now-7d', 'now-30d'].map((r) => h('option', { value: r, selected: r === from }, r)),
        ),
      ),
    ),
    card('Events', volumeChart(o)),
    h(
      'div',
      { class: 'cards' },
      card(
        'Open incidents',
        h('p', { class: 'big', id: 'open-incidents' }, String(o.openIncidents.total)),
        h(
          'ul',
          {},
          o.openIncidents.top.map((i) =>
            h(
              'li',
              {},
              h('span', { class: `sev sev-${i.severity}` }, i.severity),
              ' ',
              h('a', { href: `#/incidents/${encodeURIComponent(i.id)}` }, i.title),
            ),
          ),
        ),
      ),
      card(
        'Alerts by severity',
        h(
          'ul',
          { id: 'alerts-by-severity' },
          LEVELS.filter((l) => o.alertsBySeverity[l]).map((l) =>
            h('li', {}, h('span', { class: `sev sev-${l}` }, l), ` ${o.alertsBySeverity[l]}`),
          ),
        ),
      ),
      card(
        'Top rules',
        h(
          'ol',
          {},
          o.topRules.map((r) => h('li', {}, `${r.title} `, h('span', { class: 'count' }, String(r.n)))),
        ),
      ),
      card(
        'Top hosts',
        h(
          'ol',
          {},
          o.topHosts.map((x) =>
            h(
              'li',
              {},
              h('a', { href: searchHref(`host:"${x.host}"`, o.range.from) }, x.host),
              h('span', { class: 'count' }, ` ${x.n}`),
            ),
          ),
        ),
      ),
      card(
        'Sensors that went quiet',
        o.quietSensors.length === 0
          ? h('p', { class: 'empty' }, 'None in this range.')
          : h(
              'ul',
              { id: 'quiet-sensors' },
              o.quietSensors.map((g) =>
                h('li', {}, h('span', { class: 'mono' }, time(g.time)), ` ${g.host}: ${g.reason}`),
              ),
            ),
      ),
    ),
  );
}
