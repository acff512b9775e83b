import { basicAuthorization, parseChallenge, type Credentials } from './auth.js';
import { TrustError } from './errors.js';
import { describe, header, httpRequest, type HttpResponse } from './http.js';

export interface SessionOptions {
  /** Per-request deadline, 30 s by default. */
  timeoutMs?: number;
  tlsNoVerify?: boolean;
  /** Credentials for this endpoint; never printed. */
  credentials?: Credentials;
}

export interface SessionRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST';
  /** A path under the base URL, or a full URL (upload locations). */
  path?: string;
  url?: URL;
  /** The token scope this request needs, e.g. `repository:team/app:pull`. */
  scope: string;
  headers?: Record<string, string>;
  body?: Buffer;
  maxBytes: number;
}

const TOKEN_BYTES = 1024 * 1024;

/**
 * HTTP to one registry-style endpoint (a registry, a Notary server) with the distribution auth
 * protocol: a 401 with `WWW-Authenticate: Bearer realm=...` sends us to the token service for a
 * scoped token; `Basic` makes us send the credentials. Tokens are kept per scope.
 */
export class Session {
  private readonly tokens = new Map<string, string>();
  private basic = false;

  constructor(
    readonly base: string,
    private readonly options: SessionOptions = {},
  ) {}

  async call(req: SessionRequest): Promise<HttpResponse> {
    const url = req.url ?? new URL(req.path!, this.base);
    const send = (authorization: string | undefined): Promise<HttpResponse> =>
      httpRequest({
        method: req.method,
        url,
        headers: { ...req.headers, ...(authorization !== undefined ? { Authorization: authorization } : {}) },
        ...(req.body !== undefined ? { body: req.body } : {}),
        maxBytes: req.maxBytes,
        timeoutMs: this.options.timeoutMs ?? 30_000,
        tlsNoVerify: this.options.tlsNoVerify === true,
      });
    const res = await send(this.authorizationFor(req.scope));
    if (res.status !== 401) return res;
    const challengeText = header(res, 'www-authenticate');
    if (challengeText === undefined) return res;
    const challenge = parseChallenge(challengeText);
    const creds = this.options.credentials;
    if (challenge.scheme === 'bearer') {
      this.tokens.set(req.scope, await this.fetchToken(challenge.params, req.scope, creds));
    } else if (challenge.scheme === 'basic') {
      if (creds === undefined) throw new TrustError('auth', `${describe(url)} needs credentials (Basic)`);
      this.basic = true;
    } else {
      throw new TrustError('auth', `${describe(url)}: unsupported authentication scheme ${challenge.scheme}`);
    }
    const again = await send(this.authorizationFor(req.scope));
    if (again.status === 401) throw new TrustError('auth', `${describe(url)}: credentials refused`);
    return again;
  }

  private authorizationFor(scope: string): string | undefined {
    const token = this.tokens.get(scope);
    if (token !== undefined) return `Bearer ${token}`;
    if (this.basic && this.options.credentials !== undefined)
      return basicAuthorization(this.options.credentials);
    return undefined;
  }

  /** GET realm?service=..&scope=.., with Basic credentials when we have them. */
  private async fetchToken(
    params: Record<string, string>,
    scope: string,
    creds: Credentials | undefined,
  ): Promise<string> {
    const realm = params.realm;
    if (realm === undefined) throw new TrustError('auth', `${this.base}: Bearer challenge without realm`);
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new TrustError('auth', `${this.base}: Bearer realm is not a URL`);
    }
    // Credentials go to the realm: over plain HTTP only when the endpoint itself is plain HTTP.
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.base.startsWith('http:'))) {
      throw new TrustError('auth', `${this.base}: refusing a token realm over ${url.protocol}`);
    }
    if (params.service !== undefined) url.searchParams.set('service', params.service);
    url.searchParams.append('scope', scope);
    const res = await httpRequest({
      method: 'GET',
      url,
      headers: creds !== undefined ? { Authorization: basicAuthorization(creds) } : {},
      maxBytes: TOKEN_BYTES,
      timeoutMs: this.options.timeoutMs ?? 30_000,
      tlsNoVerify: this.options.tlsNoVerify === true,
    });
    const where = `token service ${describe(url)}`;
    if (res.status === 401 || res.status === 403) {
      throw new TrustError('auth', `${where} refused ${creds ? 'the credentials' : 'anonymous access'}`);
    }
    if (res.status !== 200) throw new TrustError('auth', `${where} answered HTTP ${res.status}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(res.body.toString('utf8'));
    } catch {
      throw new TrustError('auth', `${where} answered with something other than JSON`);
    }
    const p = (parsed ?? {}) as { token?: unknown; access_token?: unknown };
    const token =
      typeof p.token === 'string' ? p.token : typeof p.access_token === 'string' ? p.access_token : '';
    if (token.length === 0 || !/^[\x21-\x7e]+$/.test(token))
      throw new TrustError('auth', `${where} gave no usable token`);
    return token;
  }
}
