import { actFor, api, ApiError } from '../api.js';
import { h, replace, time } from '../dom.js';

interface Who {
  tokenId: string;
  name: string;
  role: string;
  tenant: string;
  ownTenant: string;
}

interface TokenRow {
  tokenId: string;
  tenant: string;
  role: string;
  name: string;
  created: string | number;
}

const ROLES = ['admin', 'analyst', 'read-only', 'ingest'];

/** Who is signed in, the store's retention, and (for admins) the tenant's tokens. */
export async function settingsPage(root: HTMLElement): Promise<void> {
  const [who, status] = await Promise.all([
    api<Who>('/api/v1/whoami'),
    api<{ store: string; retention: Retention }>('/api/v1/status'),
  ]);
  const message = h('p', { id: 'settings-message', role: 'status' });
  const sections: HTMLElement[] = [
    h(
      'section',
      { class: 'panel' },
      h('h2', {}, 'Signed in'),
      h('p', {}, `${who.name || 'token'} (${who.tokenId}) · role ${who.role} · tenant ${who.tenant}`),
    ),
    retentionSection(root, status.store, status.retention, who.role === 'admin', message),
  ];
  if (who.role === 'admin') sections.push(await tenantsSection(who));
  if (who.role === 'admin') sections.push(await usersSection(root, message));
  if (who.role === 'admin') {
    const { tokens } = await api<{ tokens: TokenRow[] }>('/api/v1/tokens');
    const name = h('input', {
      id: 'token-name',
      'aria-label': 'token name',
      placeholder: 'name (who or what uses it)',
    });
    const role = h(
      'select',
      { id: 'token-role', 'aria-label': 'role' },
      ROLES.map((r) => h('option', { value: r, selected: r === 'analyst' }, r)),
    );
    const tenant = h('input', { id: 'token-tenant', 'aria-label': 'tenant', value: who.tenant });
    const create = async () => {
      try {
        const t = await api<{ token: string; id: string }>('/api/v1/tokens', {
          body: { name: name.value, role: role.value, tenant: tenant.value },
        });
        await settingsPage(root);
        // The page was drawn again: the token goes in its new message line.
        document
          .getElementById('settings-message')
          ?.replaceChildren('New token (shown once, copy it now): ', h('code', { id: 'new-token' }, t.token));
      } catch (e) {
        message.textContent = e instanceof ApiError ? e.message : String(e);
      }
    };
    const revoke = async (id: string) => {
      if (!confirm(`Revoke token ${id}? Whatever uses it stops working at once.`)) return;
      await api(`/api/v1/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' });
      await settingsPage(root);
    };
    sections.push(
      h(
        'section',
        { class: 'panel' },
        h('h2', {}, `Tokens of tenant ${who.tenant}`),
        h(
          'table',
          { class: 'grid', id: 'tokens' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Id', 'Name', 'Role', 'Tenant', 'Created', ''].map((c) => h('th', {}, c)),
            ),
          ),
          h(
            'tbody',
            {},
            tokens.map((t) =>
              h(
                'tr',
                { 'data-token': t.tokenId },
                h('td', { class: 'mono' }, t.tokenId),
                h('td', {}, t.name),
                h('td', {}, t.role),
                h('td', {}, t.tenant),
                h(
                  'td',
                  { class: 'mono' },
                  typeof t.created === 'number' ? time(t.created) : String(t.created),
                ),
                h(
                  'td',
                  {},
                  t.tokenId === who.tokenId
                    ? h('span', { class: 'hint' }, 'this session')
                    : h('button', { onclick: () => void revoke(t.tokenId) }, 'Revoke'),
                ),
              ),
            ),
          ),
        ),
        h(
          'div',
          { class: 'actions' },
          name,
          role,
          tenant,
          h('button', { id: 'token-create', onclick: () => void create() }, 'Create token'),
        ),
      ),
    );
  }
  replace(root, h('header', { class: 'page-head' }, h('h1', {}, 'Settings')), ...sections, message);
}

interface Retention {
  days: number;
  source: 'configuration' | 'settings' | 'default';
  editable: boolean;
}

const kept = (days: number) => (days > 0 ? `${days} days` : 'forever');

/** How long the store keeps events and alerts; admins change it unless the configuration fixes it. */
function retentionSection(
  root: HTMLElement,
  store: string,
  r: Retention,
  admin: boolean,
  message: HTMLElement,
): HTMLElement {
  const from = {
    configuration:
      "set by the server's configuration (retention_days, VIGIL_RETENTION_DAYS or --retention-days)",
    settings: 'set here by an admin',
    default: 'the default',
  }[r.source];
  const days = h('input', {
    id: 'retention-days',
    type: 'number',
    min: '0',
    max: '3650',
    value: String(r.days),
    'aria-label': 'days to keep events and alerts (0: forever)',
  });
  const save = async () => {
    const n = Number(days.value);
    if (n > 0 && n < r.days && !confirm(`Events and alerts older than ${n} days will be deleted. Go on?`))
      return;
    try {
      await api('/api/v1/settings/retention', { method: 'PUT', body: { days: n } });
      await settingsPage(root);
      document.getElementById('settings-message')?.replaceChildren(`Retention is now ${kept(n)}.`);
    } catch (e) {
      message.textContent = e instanceof ApiError ? e.message : String(e);
    }
  };
  return h(
    'section',
    { class: 'panel' },
    h('h2', {}, 'Retention'),
    h('p', { id: 'retention' }, `Store: ${store}. Events and alerts are kept ${kept(r.days)}, ${from}.`),
    r.days > 0
      ? h(
          'p',
          { class: 'hint', id: 'retention-records' },
          `Incidents, response runs, agent commands, block-list entries and suppressions go once over and untouched for ${kept(r.days)}; the response audit log is kept a year at least.`,
        )
      : null,
    admin && r.editable
      ? h(
          'div',
          { class: 'actions' },
          days,
          h('span', { class: 'hint' }, 'days (0 keeps them forever)'),
          h('button', { id: 'retention-save', onclick: () => void save() }, 'Change retention'),
        )
      : null,
  );
}

/** Every tenant, and which one this admin acts for (the API's X-Vigil-Tenant). */
async function tenantsSection(who: Who): Promise<HTMLElement> {
  const { tenants } = await api<{
    tenants: { tenant: string; tokens: number; users: number; eventsLastDay: number }[];
  }>('/api/v1/tenants');
  const other = h('input', { id: 'tenant-name', 'aria-label': 'tenant', placeholder: 'tenant name' });
  const switchTo = (t: string) => {
    actFor(t === who.ownTenant ? null : t);
    location.hash = '#/overview';
  };
  return h(
    'section',
    { class: 'panel' },
    h('h2', {}, 'Tenants'),
    h(
      'p',
      { class: 'hint' },
      'A tenant exists once it has a token, a user or events. Admins act for any tenant; every other role sees only its own.',
    ),
    h(
      'table',
      { class: 'grid', id: 'tenants' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Tenant', 'Tokens', 'Users', 'Events (24 h)', ''].map((c) => h('th', {}, c)),
        ),
      ),
      h(
        'tbody',
        {},
        tenants.map((t) =>
          h(
            'tr',
            { 'data-tenant': t.tenant },
            h('td', {}, t.tenant),
            h('td', { class: 'num' }, String(t.tokens)),
            h('td', { class: 'num' }, String(t.users)),
            h('td', { class: 'num' }, t.eventsLastDay.toLocaleString()),
            h(
              'td',
              {},
              t.tenant === who.tenant
                ? h('span', { class: 'hint' }, 'acting for it')
                : h('button', { onclick: () => switchTo(t.tenant) }, 'Act for it'),
            ),
          ),
        ),
      ),
    ),
    h(
      'div',
      { class: 'actions' },
      other,
      h(
        'button',
        { id: 'tenant-switch', onclick: () => other.value.trim() !== '' && switchTo(other.value.trim()) },
        'Act for a tenant',
      ),
    ),
  );
}

/** Users who sign in with a password (admins only); a password is set, never shown. */
async function usersSection(root: HTMLElement, message: HTMLElement): Promise<HTMLElement> {
  const { users } = await api<{ users: { name: string; role: string; tenant: string }[] }>('/api/v1/users');
  const name = h('input', {
    id: 'user-name',
    'aria-label': 'user name',
    placeholder: 'name',
    autocomplete: 'off',
  });
  const password = h('input', {
    id: 'user-password',
    type: 'password',
    'aria-label': 'password',
    placeholder: 'password (12+ characters)',
    autocomplete: 'new-password',
  });
  const role = h(
    'select',
    { id: 'user-role', 'aria-label': 'role' },
    ROLES.filter((r) => r !== 'ingest').map((r) => h('option', { value: r, selected: r === 'analyst' }, r)),
  );
  const save = async () => {
    try {
      await api('/api/v1/users', { body: { name: name.value, password: password.value, role: role.value } });
      await settingsPage(root);
    } catch (e) {
      message.textContent = e instanceof ApiError ? e.message : String(e);
    }
  };
  const remove = async (n: string) => {
    if (!confirm(`Remove user ${n}? Their sessions end within seconds.`)) return;
    await api(`/api/v1/users/${encodeURIComponent(n)}`, { method: 'DELETE' });
    await settingsPage(root);
  };
  return h(
    'section',
    { class: 'panel' },
    h('h2', {}, 'Users'),
    h(
      'table',
      { class: 'grid', id: 'users' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Name', 'Role', 'Tenant', ''].map((c) => h('th', {}, c)),
        ),
      ),
      h(
        'tbody',
        {},
        users.map((u) =>
          h(
            'tr',
            { 'data-user': u.name },
            h('td', {}, u.name),
            h('td', {}, u.role),
            h('td', {}, u.tenant),
            h('td', {}, h('button', { onclick: () => void remove(u.name) }, 'Remove')),
          ),
        ),
      ),
    ),
    h(
      'div',
      { class: 'actions' },
      name,
      password,
      role,
      h('button', { id: 'user-save', onclick: () => void save() }, 'Add or change user'),
    ),
  );
}
