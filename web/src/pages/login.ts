import { api, ApiError, signIn, signOut } from '../api.js';
import { h, replace } from '../dom.js';

/** Sign in with a user name and password (a 12-hour session), or with an API token. */
export function loginPage(root: HTMLElement): void {
  const message = h('p', { class: 'error', role: 'alert', id: 'login-message' });
  const fail = (err: unknown) => {
    signOut();
    message.textContent =
      err instanceof ApiError && err.status === 401
        ? 'That did not work: check and try again.'
        : err instanceof ApiError
          ? err.message
          : String(err);
  };
  const name = h('input', { id: 'user', autocomplete: 'username', 'aria-label': 'user name' });
  const password = h('input', {
    id: 'password',
    type: 'password',
    autocomplete: 'current-password',
    'aria-label': 'password',
  });
  const userForm = h(
    'form',
    {
      onsubmit: (e: Event) => {
        e.preventDefault();
        api<{ token: string }>('/api/v1/login', { body: { name: name.value, password: password.value } })
          .then((r) => {
            signIn(r.token);
            location.hash = '#/incidents';
          })
          .catch(fail);
      },
    },
    h('label', { for: 'user' }, 'User'),
    name,
    h('label', { for: 'password' }, 'Password'),
    password,
    h('button', { type: 'submit', id: 'sign-in-user' }, 'Sign in'),
  );
  const input = h('input', {
    type: 'password',
    id: 'token',
    placeholder: 'vgl_…',
    autocomplete: 'off',
    'aria-label': 'API token',
  });
  const tokenForm = h(
    'form',
    {
      onsubmit: (e: Event) => {
        e.preventDefault();
        signIn(input.value);
        api('/api/v1/whoami')
          .then(() => (location.hash = '#/incidents'))
          .catch(fail);
      },
    },
    h('label', { for: 'token' }, 'API token'),
    input,
    h('button', { type: 'submit', id: 'sign-in-token' }, 'Sign in with the token'),
  );
  replace(
    root,
    h(
      'div',
      { class: 'login' },
      h('h1', {}, 'Vigil'),
      userForm,
      h('p', { class: 'hint' }, 'or'),
      tokenForm,
      message,
      h(
        'p',
        { class: 'hint' },
        'vigil serve printed an admin token at its first start (or set VIGIL_ADMIN_TOKEN); an admin makes users in Settings.',
      ),
    ),
  );
  name.focus();
}
