import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { sqlTime, type Store } from '../store/index.js';
import { HttpError } from './http.js';

export const ROLES = ['admin', 'analyst', 'read-only', 'ingest'] as const;
export type Role = (typeof ROLES)[number];

/** What each role may do. Ingest-only tokens can write events and nothing else. */
const GRANTS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  admin: new Set(['ingest', 'read', 'write', 'admin']),
  analyst: new Set(['read', 'write']),
  'read-only': new Set(['read']),
  ingest: new Set(['ingest']),
};
export type Permission = 'ingest' | 'read' | 'write' | 'admin';

export interface Principal {
  readonly tokenId: string;
  readonly tenant: string;
  readonly role: Role;
  readonly name: string;
}

export function authorize(p: Principal, permission: Permission): void {
  if (!GRANTS[p.role].has(permission))
    throw new HttpError(
      403,
      `a ${p.role} token cannot ${permission === 'admin' ? 'administer' : permission}`,
    );
}

const TENANT = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export function checkTenant(tenant: string): string {
  if (!TENANT.test(tenant))
    throw new HttpError(
      400,
      'a tenant is 1–63 lower-case letters, digits, _ or -, starting with a letter or digit',
    );
  return tenant;
}

const hashOf = (secret: string) => createHash('sha256').update(secret).digest('hex');

interface TokenRow {
  token_id: string;
  hash: string;
  tenant: string;
  role: Role;
  name: string;
  created: string;
  revoked: number;
}

/**
 * API tokens: `vgl_` and 256 random bits. Only SHA-256 digests are stored (the tokens are random,
 * so a slow password hash adds nothing): one digest finds the row, the other is compared in
 * constant time. Verified tokens are cached briefly so that ingest does not query per request.
 */
export class TokenStore {
  private readonly cache = new Map<string, { principal: Principal | null; until: number }>();

  constructor(
    private readonly store: Store,
    private readonly cacheMs = 10_000,
  ) {}

  async create(
    tenant: string,
    role: Role,
    name: string,
    secret?: string,
    /** Epoch ms after which the token stops working (a session); absent, it never expires. */
    expires?: number,
  ): Promise<{ token: string; principal: Principal }> {
    checkTenant(tenant);
    if (!ROLES.includes(role)) throw new HttpError(400, `role must be one of ${ROLES.join(', ')}`);
    const token =
      secret ?? `vgl_${randomBytes(9).toString('base64url')}_${randomBytes(32).toString('base64url')}`;
    const id = tokenId(token);
    if (id === null)
      throw new HttpError(400, 'a token must look like vgl_<id>_<secret>, with a secret of 32+ characters');
    const now = sqlTime(Date.now());
    const row = {
      token_id: id,
      hash: hashOf(token),
      tenant,
      role,
      name: name.slice(0, 200),
      created: now,
      revoked: 0,
      updated: now,
      expires: sqlTime(expires ?? 0),
    };
    await this.store.insert('tokens', Buffer.from(JSON.stringify(row)));
    this.cache.delete(token);
    return { token, principal: { tokenId: id, tenant, role, name: row.name } };
  }

  async verify(token: string): Promise<Principal | null> {
    const now = Date.now();
    const cached = this.cache.get(token);
    if (cached !== undefined && cached.until > now) return cached.principal;
    const id = tokenId(token);
    let principal: Principal | null = null;
    let until = now + this.cacheMs;
    if (id !== null) {
      const [row] = await this.store.query<TokenRow & { exp: string | number }>(
        'SELECT *, toUnixTimestamp64Milli(expires) AS exp FROM tokens FINAL WHERE token_id = {id:String} AND revoked = 0',
        { id },
      );
      const want = Buffer.from(hashOf(token), 'hex');
      const exp = Number(row?.exp ?? 0);
      if (
        row !== undefined &&
        timingSafeEqual(Buffer.from(row.hash, 'hex'), want) &&
        (exp === 0 || exp > now)
      ) {
        principal = { tokenId: row.token_id, tenant: row.tenant, role: row.role, name: row.name };
        // A session is not trusted from cache past its end.
        if (exp !== 0) until = Math.min(until, exp);
      }
    }
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(token, { principal, until });
    return principal;
  }

  async list(tenant: string | null): Promise<Omit<Principal, never>[]> {
    const rows = await this.store.query<TokenRow>(
      'SELECT token_id, tenant, role, name, created FROM tokens FINAL WHERE revoked = 0 AND ({all:UInt8} = 1 OR tenant = {tenant:String}) ORDER BY created',
      { all: tenant === null ? 1 : 0, tenant: tenant ?? '' },
    );
    return rows.map((r) => ({
      tokenId: r.token_id,
      tenant: r.tenant,
      role: r.role,
      name: r.name,
      created: r.created,
    }));
  }

  async revoke(id: string, tenant: string | null): Promise<boolean> {
    const [row] = await this.store.query<TokenRow>(
      'SELECT * FROM tokens FINAL WHERE token_id = {id:String} AND revoked = 0',
      { id },
    );
    if (row === undefined || (tenant !== null && row.tenant !== tenant)) return false;
    const updated = { ...row, revoked: 1, updated: sqlTime(Date.now()) };
    await this.store.insert('tokens', Buffer.from(JSON.stringify(updated)));
    this.cache.clear();
    return true;
  }

  async count(): Promise<number> {
    const [row] = await this.store.query<{ n: string | number }>(
      'SELECT count() AS n FROM tokens FINAL WHERE revoked = 0',
    );
    return Number(row?.n ?? 0);
  }
}

/** The row key: a prefix of the token's hash, so that the secret itself is never a lookup key. */
function tokenId(token: string): string | null {
  if (!/^[!-~]{32,256}$/.test(token)) return null;
  return hashOf(`id:${token}`).slice(0, 16);
}
