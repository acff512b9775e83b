import { api, ApiError, signIn, signOut } from '../api.js';
import { h, replace } from '../dom.js';

export function loginPage(root: HTMLElement): void {
  const input = h('input', {
    type: 'password',
    id: 'token',
    placeholder: 'vgl_…',
    autocomplete: 'off',
    'aria-label': 'API token',
  });
  const message = h('p', { class: 'error', role: 'alert' });
  const form = h(
    'form',
    {
      class: 'login',
      onsubmit: (e: Event) => {
        e.preventDefault();
        signIn(input.value);
        api('/api/v1/status')
          .then(() => (location.hash = '#/incidents'))
          .catch((err: unknown) => {
            signOut();
            message.textContent =
              err instanceof ApiError && err.status === 401 ? 'That token is not valid.' : String(err);
          });
      },
    },
    h('h1', {}, 'Vigil'),
    h('label', { for: 'token' }, 'API token'),
    input,
    h('button', { type: 'submit' }, 'Sign in'),
    message,
    h(
      'p',
      { class: 'hint' },
      'vigil serve printed an admin token at its first start (or set VIGIL_ADMIN_TOKEN).',
    ),
  );
  replace(root, form);
  input.focus();
}
