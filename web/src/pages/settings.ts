import { api, ApiError } from '../api.js';
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
    api<{ store: string; retentionDays: number }>('/api/v1/status'),
  ]);
  const message = h('p', { id: 'settings-message', role: 'status' });
  const sections: HTMLElement[] = [
    h(
      'section',
      { class: 'panel' },
      h('h2', {}, 'Signed in'),
      h('p', {}, `${who.name || 'token'} (${who.tokenId}) · role ${who.role} · tenant ${who.tenant}`),
      h(
        'p',
        { class: 'hint' },
        `Store: ${status.store}; events and alerts are kept ${status.retentionDays > 0 ? `${status.retentionDays} days` : 'forever'} (retention_days in the server's configuration).`,
      ),
    ),
  ];
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
