import { actFor, actingTenant, api, ApiError, signOut, token } from './api.js';
import { h, replace } from './dom.js';
import { incidentPage } from './pages/incident.js';
import { incidentsPage } from './pages/incidents.js';
import { loginPage } from './pages/login.js';
import { alertsPage } from './pages/alerts.js';
import { overviewPage } from './pages/overview.js';
import { rulesPage } from './pages/rules.js';
import { searchPage } from './pages/search.js';
import { settingsPage } from './pages/settings.js';
import { killSwitchNotice, responsePage } from './pages/response.js';
import { emailPage } from './pages/email.js';

/** Pages by hash route; later pages (containers, email, response) add themselves here. */
const NAV: [string, string][] = [
  ['#/overview', 'Overview'],
  ['#/incidents', 'Incidents'],
  ['#/alerts', 'Alerts'],
  ['#/search', 'Search'],
  ['#/rules', 'Rules'],
  ['#/email', 'Email'],
  ['#/response', 'Response'],
  ['#/settings', 'Settings'],
];

const main = h('main', { id: 'main', tabindex: -1 });
const nav = h('nav', { class: 'side', 'aria-label': 'sections' });

let lastPath = '';

async function route(): Promise<void> {
  const [path = '', query = ''] = location.hash.slice(1).split('?');
  const params = new URLSearchParams(query);
  if (token() === null && path !== '/login') {
    location.hash = '#/login';
    return;
  }
  replace(
    nav,
    h('div', { class: 'brand' }, 'Vigil'),
    NAV.map(([href, label]) =>
      h('a', { href, class: path.startsWith(href.slice(1)) ? 'active' : '' }, label),
    ),
    // An admin acting for another tenant sees it on every page, and one click goes back.
    actingTenant() === null
      ? null
      : h(
          'div',
          { class: 'acting', id: 'acting-tenant' },
          `Tenant ${actingTenant()}`,
          h(
            'button',
            {
              title: "back to the token's own tenant",
              onclick: () => {
                actFor(null);
                void route();
              },
            },
            '×',
          ),
        ),
    token() === null
      ? null
      : h(
          'button',
          {
            class: 'signout',
            // A session ends on the server too; a token stays valid (revoke it in Settings).
            onclick: () =>
              void api('/api/v1/logout', { body: {} })
                .catch(() => undefined)
                .finally(() => {
                  signOut();
                  location.hash = '#/login';
                }),
          },
          'Sign out',
        ),
  );
  // A new page starts at its top (the browser keeps the last page's scroll otherwise).
  if (path !== lastPath) window.scrollTo(0, 0);
  lastPath = path;
  try {
    if (path === '/login') loginPage(main);
    else if (path.startsWith('/incidents/'))
      await incidentPage(main, decodeURIComponent(path.slice('/incidents/'.length)));
    else if (path === '/search') await searchPage(main, params);
    else if (path === '/rules') await rulesPage(main, params);
    else if (path === '/overview') await overviewPage(main, params);
    else if (path === '/alerts') await alertsPage(main, params);
    else if (path === '/settings') await settingsPage(main);
    else if (path === '/response') await responsePage(main, params);
    else if (path === '/email') await emailPage(main, params);
    else await incidentsPage(main, params);
  } catch (e) {
    replace(main, h('p', { class: 'error', role: 'alert' }, e instanceof ApiError ? e.message : String(e)));
  }
  // While the response kill switch is on, every page says so.
  if (path !== '/login' && token() !== null)
    void killSwitchNotice().then((notice) => {
      document.getElementById('kill-switch-nav')?.remove();
      if (notice !== null) nav.querySelector('.brand')?.after(notice);
    });
}

/**
 * Keys: / search, j and k move between rows (Enter opens), g then o, i, a, s, r, p go to overview,
 * incidents, alerts, search, rules, response (playbooks). Typing in a field is left alone.
 */
let pendingG = false;
function onKey(e: KeyboardEvent): void {
  const target = e.target as HTMLElement;
  if (['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName) || e.ctrlKey || e.metaKey || e.altKey) return;
  if (pendingG) {
    pendingG = false;
    const to = (
      {
        o: '#/overview',
        i: '#/incidents',
        a: '#/alerts',
        s: '#/search',
        r: '#/rules',
        p: '#/response',
      } as Record<string, string>
    )[e.key];
    if (to !== undefined) location.hash = to;
    return;
  }
  if (e.key === 'g') pendingG = true;
  else if (e.key === '/') {
    e.preventDefault();
    const box = document.getElementById('query');
    if (box !== null) box.focus();
    else location.hash = '#/search';
  } else if (e.key === 'j' || e.key === 'k') {
    const rows = [...main.querySelectorAll<HTMLElement>('tbody tr[tabindex]')];
    if (rows.length === 0) return;
    const at = rows.indexOf(document.activeElement as HTMLElement);
    const next = e.key === 'j' ? Math.min(rows.length - 1, at + 1) : Math.max(0, at - 1);
    rows[next]!.focus();
  }
}

document.body.replaceChildren(h('div', { class: 'app' }, nav, main));
document.addEventListener('keydown', onKey);
window.addEventListener('hashchange', () => void route());
void route();
