/** The HTTP API, with the token the analyst signed in with (kept for this tab only). */
const KEY = 'vigil.token';
/** The tenant an admin acts for (sent as X-Vigil-Tenant); unset: the token's own. */
const TENANT_KEY = 'vigil.tenant';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: unknown = null,
  ) {
    super(message);
  }
}

export function token(): string | null {
  return sessionStorage.getItem(KEY);
}

/** The header an API call needs, for calls api() does not make (downloads, raw bodies). */
export function authHeader(): Record<string, string> {
  const t = token();
  const tenant = actingTenant();
  return {
    ...(t === null ? {} : { authorization: `Bearer ${t}` }),
    ...(tenant === null ? {} : { 'x-vigil-tenant': tenant }),
  };
}

export function actingTenant(): string | null {
  return sessionStorage.getItem(TENANT_KEY);
}

/** Admins act for another tenant; null goes back to the token's own. */
export function actFor(tenant: string | null): void {
  if (tenant === null) sessionStorage.removeItem(TENANT_KEY);
  else sessionStorage.setItem(TENANT_KEY, tenant);
}

export function signIn(t: string): void {
  sessionStorage.setItem(KEY, t.trim());
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(TENANT_KEY);
}

/**
 * One API call: JSON in and out, or a raw body (`{ raw, type }`, such as a rule's YAML). An error
 * reply throws ApiError with its message; a 401 signs out. `details` keeps the error reply's body.
 */
export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; raw?: { text: string; type: string } } = {},
): Promise<T> {
  const sending = init.raw !== undefined || init.body !== undefined;
  const res = await fetch(path, {
    method: init.method ?? (sending ? 'POST' : 'GET'),
    headers: {
      ...authHeader(),
      ...(init.raw !== undefined
        ? { 'content-type': init.raw.type }
        : init.body !== undefined
          ? { 'content-type': 'application/json' }
          : {}),
    },
    body:
      init.raw !== undefined
        ? init.raw.text
        : init.body === undefined
          ? undefined
          : JSON.stringify(init.body),
  });
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text === '' ? null : JSON.parse(text);
  } catch {
    data = { error: text };
  }
  if (!res.ok) {
    if (res.status === 401) {
      signOut();
      location.hash = '#/login';
    }
    throw new ApiError(res.status, (data as { error?: string } | null)?.error ?? `HTTP ${res.status}`, data);
  }
  return data as T;
}
