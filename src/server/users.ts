import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { sqlTime, type Store } from '../store/index.js';
import { checkTenant, ROLES, type Role } from './auth.js';
import { HttpError } from './http.js';

const scrypt = promisify(scryptCallback) as (pw: string, salt: Buffer, len: number) => Promise<Buffer>;
const KEY_BYTES = 32;
const MIN_PASSWORD = 12;
const NAME = /^[a-z0-9][a-z0-9._@-]{0,63}$/;

export interface User {
  readonly name: string;
  readonly tenant: string;
  readonly role: Role;
}

async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEY_BYTES);
  return `scrypt$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** A hash to compare with when the user does not exist, so that a wrong name costs as much time. */
const DECOY = `scrypt$${randomBytes(16).toString('base64')}$${randomBytes(KEY_BYTES).toString('base64')}`;

async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const [scheme, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || salt === undefined || key === undefined) return false;
  const want = Buffer.from(key, 'base64');
  const got = await scrypt(password, Buffer.from(salt, 'base64'), want.length);
  return got.length === want.length && timingSafeEqual(got, want);
}

/**
 * Named users who sign in with a password (scrypt, salted; the password itself is never stored
 * or logged). Signing in gives a session: an API token of the user's role that expires.
 */
export class UserStore {
  constructor(private readonly store: Store) {}

  async set(name: string, password: string, role: string, tenant: string): Promise<User> {
    if (!NAME.test(name))
      throw new HttpError(400, 'a user name is 1–64 lower-case letters, digits, ., _, @ or -');
    if (typeof password !== 'string' || password.length < MIN_PASSWORD || password.length > 1024)
      throw new HttpError(400, `a password has ${MIN_PASSWORD} to 1,024 characters`);
    if (!ROLES.includes(role as Role)) throw new HttpError(400, `role must be one of ${ROLES.join(', ')}`);
    checkTenant(tenant);
    const row = {
      name,
      tenant,
      role,
      password: await hashPassword(password),
      disabled: 0,
      updated: sqlTime(Date.now()),
    };
    await this.store.insert('users', Buffer.from(JSON.stringify(row)));
    return { name, tenant, role: role as Role };
  }

  async list(tenant: string | null): Promise<User[]> {
    return this.store.query<User>(
      `SELECT name, tenant, role FROM users FINAL WHERE disabled = 0 AND ({all:UInt8} = 1 OR tenant = {tenant:String}) ORDER BY name`,
      { all: tenant === null ? 1 : 0, tenant: tenant ?? '' },
    );
  }

  async disable(name: string, tenant: string | null): Promise<boolean> {
    const [row] = await this.store.query<Record<string, unknown> & { tenant: string }>(
      'SELECT * FROM users FINAL WHERE name = {name:String} AND disabled = 0',
      { name },
    );
    if (row === undefined || (tenant !== null && row.tenant !== tenant)) return false;
    await this.store.insert(
      'users',
      Buffer.from(JSON.stringify({ ...row, disabled: 1, updated: sqlTime(Date.now()) })),
    );
    return true;
  }

  /** The user, when the name and password are right; null otherwise (in about the same time). */
  async check(name: string, password: string): Promise<User | null> {
    const [row] = NAME.test(name)
      ? await this.store.query<User & { password: string }>(
          'SELECT name, tenant, role, password FROM users FINAL WHERE name = {name:String} AND disabled = 0',
          { name },
        )
      : [];
    const ok = await passwordMatches(password, row?.password ?? DECOY);
    return ok && row !== undefined ? { name: row.name, tenant: row.tenant, role: row.role } : null;
  }
}

/**
 * Failed sign-ins in the last quarter of an hour: five for one name, or twenty from one address
 * (an office behind one NAT shares it), and the next attempts wait. Memory is bounded; an attacker
 * spreading over names still meets the per-address limit.
 */
export class SignInLimiter {
  private readonly failures = new Map<string, number[]>();
  private static readonly WINDOW = 15 * 60_000;

  blocked(keys: readonly string[], now = Date.now()): boolean {
    return keys.some((k) => this.recent(k, now).length >= (k.startsWith('addr:') ? 20 : 5));
  }

  fail(keys: readonly string[], now = Date.now()): void {
    if (this.failures.size > 100_000) this.failures.clear();
    for (const k of keys) this.failures.set(k, [...this.recent(k, now), now]);
  }

  succeed(keys: readonly string[]): void {
    for (const k of keys) this.failures.delete(k);
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((t) => now - t < SignInLimiter.WINDOW);
  }
}
