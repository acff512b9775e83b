import { api, ApiError, signOut, token } from './api.js';
import { h, replace } from './dom.js';
import { incidentPage } from './pages/incident.js';
import { incidentsPage } from './pages/incidents.js';
import { loginPage } from './pages/login.js';
import { alertsPage } from './pages/alerts.js';
import { overviewPage } from './pages/overview.js';
import { rulesPage } from './pages/rules.js';
import { searchPage } from './pages/search.js';
import { settingsPage } from './pages/settings.js';

/** Pages by hash route; later pages (containers, email, response) add themselves here. */
const NAV: [string, string][] = [
  ['#/overview', 'Overview'],
  ['#/incidents', 'Incidents'],
  ['#/alerts', 'Alerts'],
  ['#/search', 'Search'],
  ['#/rules', 'Rules'],
  ['#/settings', 'Settings'],
];

const main = h('main', { id: 'main', tabindex: -1 });
const nav = h('nav', { class: 'side', 'aria-label': 'sections' });

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
  try {
    if (path === '/login') loginPage(main);
    else if (path.startsWith('/incidents/'))
      await incidentPage(main, decodeURIComponent(path.slice('/incidents/'.length)));
    else if (path === '/search') await searchPage(main, params);
    else if (path === '/rules') await rulesPage(main, params);
    else if (path === '/overview') await overviewPage(main, params);
    else if (path === '/alerts') await alertsPage(main, params);
    else if (path === '/settings') await settingsPage(main);
    else await incidentsPage(main, params);
  } catch (e) {
    replace(main, h('p', { class: 'error', role: 'alert' }, e instanceof ApiError ? e.message : String(e)));
  }
}

document.body.replaceChildren(h('div', { class: 'app' }, nav, main));
window.addEventListener('hashchange', () => void route());
void route();
