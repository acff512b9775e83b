/**
 * Secrets in playbooks are references to environment variables (`env:NAME`), never values. They
 * are resolved only when an action runs; run records keep the reference, and every text an
 * action returns passes through a redactor that knows the values it resolved.
 */
const REFERENCE = /^env:([A-Za-z_][A-Za-z0-9_]{0,127})$/;

export function isSecretReference(value: unknown): value is string {
  return typeof value === 'string' && REFERENCE.test(value);
}

export type Environment = Readonly<Record<string, string | undefined>>;

export class SecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretError';
  }
}

/** Values shorter than this are not scrubbed from text: they would match everywhere. */
const MIN_SECRET = 4;
export const REDACTED = '[redacted]';

/** Resolves references for one action and scrubs the resolved values from whatever it reports. */
export class SecretScope {
  private readonly values = new Set<string>();

  constructor(private readonly env: Environment) {}

  resolve(reference: string): string {
    const m = REFERENCE.exec(reference);
    if (!m) throw new SecretError('a secret must be a reference of the form env:NAME');
    const value = this.env[m[1]!];
    if (value === undefined || value === '') throw new SecretError(`environment variable ${m[1]} is not set`);
    if (value.length >= MIN_SECRET) this.values.add(value);
    // URLs also appear percent-encoded in error messages.
    const encoded = encodeURIComponent(value);
    if (encoded !== value && encoded.length >= MIN_SECRET) this.values.add(encoded);
    return value;
  }

  /** Text with every resolved secret replaced. */
  scrub(text: string): string {
    let out = text;
    for (const v of this.values) out = out.split(v).join(REDACTED);
    return out;
  }

  /** A JSON-like value with every string scrubbed. */
  scrubValue<T>(value: T): T {
    if (this.values.size === 0) return value;
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return this.scrub(v);
      if (Array.isArray(v)) return v.map(walk);
      if (v !== null && typeof v === 'object')
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
      return v;
    };
    return walk(value) as T;
  }
}

/**
 * How a literal URL is kept in records: its origin only. Webhook URLs often carry their token in
 * the path (Slack, Teams) or the query.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    const rest = u.pathname === '/' && u.search === '' ? '' : '/…';
    return `${u.protocol}//${u.host}${rest}`;
  } catch {
    return REDACTED;
  }
}
