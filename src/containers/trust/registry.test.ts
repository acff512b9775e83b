import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrustError } from './errors.js';
import { isLoopbackHost, RegistryClient } from './registry.js';

/*
 * The registry client against small HTTP peers on 127.0.0.1 that misbehave on purpose or demand
 * authentication. The honest path runs against Debian's docker-registry in test/e2e.
 */

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;
interface Peer {
  host: string;
  seen: { method: string; url: string; authorization?: string }[];
  close: () => Promise<void>;
}

async function peer(handler: Handler): Promise<Peer> {
  const seen: Peer['seen'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization });
      handler(req, res, Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    host: `127.0.0.1:${(server.address() as { port: number }).port}`,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const MANIFEST = Buffer.from(
  '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}',
);
const DIGEST = `sha256:${createHash('sha256').update(MANIFEST).digest('hex')}`;
const basic = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

async function expectError(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(TrustError);
  expect((e as TrustError).code).toBe(code);
  expect((e as TrustError).message).toMatch(message);
}

describe('registry client: authentication', () => {
  let registry: Peer;
  let tokens: Peer;
  beforeAll(async () => {
    tokens = await peer((req, res) => {
      const url = new URL(req.url ?? '', 'http://x');
      if (req.headers.authorization !== basic('ann', 'pw')) {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ token: `tok-${url.searchParams.get('scope')}` }));
    });
    registry = await peer((req, res) => {
      const scope = req.url?.includes('/blobs/uploads/') || req.method === 'PUT' ? 'pull,push' : 'pull';
      if (req.headers.authorization !== `Bearer tok-repository:team/app:${scope}`) {
        res.writeHead(401, {
          'WWW-Authenticate': `Bearer realm="http://${tokens.host}/token",service="test-registry",scope="repository:team/app:${scope}"`,
        });
        res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
        return;
      }
      if (req.url === '/v2/team/app/manifests/v1') {
        res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' });
        res.end(MANIFEST);
      } else if (req.method === 'HEAD') res.writeHead(404).end();
      else if (req.method === 'POST')
        res.writeHead(202, { Location: '/v2/team/app/blobs/uploads/u1?_state=abc' }).end();
      else if (req.method === 'PUT') res.writeHead(201).end();
      else res.writeHead(404).end();
    });
  });
  afterAll(async () => {
    await registry.close();
    await tokens.close();
  });

  it('answers a Bearer challenge with a scoped token, sending the credentials only to the realm', async () => {
    const client = new RegistryClient(registry.host, {
      credentials: () => ({ username: 'ann', password: 'pw' }),
    });
    const m = await client.resolve({ registry: registry.host, repository: 'team/app', tag: 'v1' });
    expect(m.digest).toBe(DIGEST);
    expect(tokens.seen.at(-1)!.url).toBe('/token?service=test-registry&scope=repository%3Ateam%2Fapp%3Apull');
    expect(registry.seen.every((s) => !s.authorization?.startsWith('Basic'))).toBe(true);
    // The token is kept: a second call goes straight through.
    const before = tokens.seen.length;
    await client.getManifest('team/app', 'v1');
    expect(tokens.seen.length).toBe(before);
  });

  it('asks for a push scope to upload, and carries the upload state to the PUT', async () => {
    const client = new RegistryClient(registry.host, {
      credentials: () => ({ username: 'ann', password: 'pw' }),
    });
    const digest = await client.pushBlob('team/app', Buffer.from('payload'));
    const put = registry.seen.filter((s) => s.method === 'PUT').at(-1)!;
    expect(put.url).toBe(`/v2/team/app/blobs/uploads/u1?_state=abc&digest=${encodeURIComponent(digest)}`);
    expect(put.authorization).toBe('Bearer tok-repository:team/app:pull,push');
  });

  it('reports refused credentials without echoing them', async () => {
    const client = new RegistryClient(registry.host, {
      credentials: () => ({ username: 'ann', password: 'hunter2' }),
    });
    const e = await client.getManifest('team/app', 'v1').catch((x: unknown) => x as TrustError);
    expect((e as TrustError).code).toBe('auth');
    expect((e as TrustError).message).toMatch(/refused the credentials/);
    expect((e as TrustError).message).not.toMatch(/hunter2|ann/);
    await expectError(
      new RegistryClient(registry.host).getManifest('team/app', 'v1'),
      'auth',
      /refused anonymous access/,
    );
  });

  it('sends Basic credentials when the registry asks for them', async () => {
    const b = await peer((req, res) => {
      if (req.headers.authorization === basic('bob', 'pw')) res.writeHead(200).end(MANIFEST);
      else res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="registry"' }).end();
    });
    try {
      const client = new RegistryClient(b.host, { credentials: () => ({ username: 'bob', password: 'pw' }) });
      expect((await client.getManifest('x/y', 'v1'))!.digest).toBe(DIGEST);
      await expectError(new RegistryClient(b.host).getManifest('x/y', 'v1'), 'auth', /needs credentials/);
    } finally {
      await b.close();
    }
  });
});

describe('registry client: hostile answers', () => {
  let other: Peer;
  let hostile: Peer;
  beforeAll(async () => {
    other = await peer((_req, res) => res.writeHead(200).end('blob'));
    hostile = await peer((req, res) => {
      const url = req.url ?? '';
      if (url.startsWith('/v2/redirect/'))
        res.writeHead(307, { Location: `http://${other.host}/storage/blob` }).end();
      else if (url.startsWith('/v2/lying-length/')) {
        res.writeHead(200, { 'Content-Length': String(50 * 1024 * 1024) });
        res.write('x');
        // Never finishes: the size check must stop it, not the deadline.
      } else if (url.startsWith('/v2/stream/')) {
        res.writeHead(200);
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        for (let i = 0; i < 100; i++) res.write(chunk);
        res.end();
      } else if (url.startsWith('/v2/silent/')) {
        // Says nothing at all.
      } else if (url.startsWith('/v2/wrong-blob/')) res.writeHead(200).end('not what was asked');
      else if (url === '/v2/tags/a/tags/list?n=2&last=b') res.writeHead(200).end('{"tags":["c",7]}');
      else if (url.startsWith('/v2/tags/a/tags/list')) {
        res
          .writeHead(200, { Link: '</v2/tags/a/tags/list?n=2&last=b>; rel="next"' })
          .end('{"name":"a","tags":["a","b"]}');
      } else if (url.startsWith('/v2/tags/loop/')) {
        res.writeHead(200, { Link: '</v2/tags/loop/tags/list?n=1000>; rel="next"' }).end('{"tags":["x"]}');
      } else if (url.startsWith('/v2/tags/bad/')) res.writeHead(200).end('{"tags":"nope"}');
      else if (url.startsWith('/v2/error/')) {
        res.writeHead(500).end('{"errors":[{"code":"BOOM","message":"disk \\u0007 on fire"}]}');
      } else if (url.startsWith('/v2/no-schema/')) res.writeHead(200).end('{"schemaVersion":1}');
      else if (url.startsWith('/v2/bad-descriptor/')) {
        res
          .writeHead(200)
          .end('{"schemaVersion":2,"layers":[{"mediaType":"x","digest":"sha256:ab","size":-1}]}');
      } else res.writeHead(404).end();
    });
  });
  afterAll(async () => {
    await hostile.close();
    await other.close();
  });
  const client = (): RegistryClient => new RegistryClient(hostile.host, { timeoutMs: 2000 });

  it('follows a redirect to blob storage without the Authorization header', async () => {
    const data = Buffer.from('blob');
    const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
    const c = new RegistryClient(hostile.host, { credentials: () => ({ username: 'u', password: 'p' }) });
    expect(await c.getBlob('redirect/x', digest, 1024)).toEqual(data);
    expect(other.seen.at(-1)).toMatchObject({ url: '/storage/blob', authorization: undefined });
  });

  it('stops reading at the size limit, whatever the headers claim', async () => {
    await expectError(
      client().getBlob('lying-length/x', `sha256:${'0'.repeat(64)}`, 1024),
      'too-large',
      /larger than 1024/,
    );
    await expectError(
      client().getBlob('stream/x', `sha256:${'0'.repeat(64)}`, 1024 * 1024),
      'too-large',
      /larger than/,
    );
  });

  it('gives up on a peer that never answers', async () => {
    await expectError(
      new RegistryClient(hostile.host, { timeoutMs: 300 }).getManifest('silent/x', 'v1'),
      'timeout',
      /no complete answer/,
    );
  });

  it('checks blobs against their digest', async () => {
    await expectError(
      client().getBlob('wrong-blob/x', `sha256:${'0'.repeat(64)}`, 1024),
      'bad-response',
      /whose digest is/,
    );
  });

  it('pages through tags and ignores entries that are not strings', async () => {
    expect(await client().listTags('tags/a')).toEqual(['a', 'b', 'c']);
    await expectError(client().listTags('tags/bad'), 'bad-response', /no tags array/);
    expect(await client().listTags('tags/loop')).toEqual(['x']);
  });

  it('reports registry errors by status and code, with control characters removed', async () => {
    await expectError(
      client().getManifest('error/x', 'v1'),
      'bad-response',
      /HTTP 500 \(BOOM: disk \? on fire\)/,
    );
  });

  it.each([
    ['no-schema', /schemaVersion is not 2/],
    ['bad-descriptor', /size missing or not a whole number|digest missing or malformed/],
  ])('refuses a %s manifest', async (repo, message) => {
    await expectError(client().getManifest(`${repo}/x`, 'v1'), 'bad-response', message);
  });

  it('reaches loopback registries over plain HTTP and others over HTTPS', () => {
    expect(isLoopbackHost('127.0.0.1:5000')).toBe(true);
    expect(isLoopbackHost('localhost')).toBe(true);
    expect(isLoopbackHost('[::1]:5000')).toBe(true);
    expect(isLoopbackHost('127.0.0.1.evil.example')).toBe(false);
    expect(isLoopbackHost('registry.example')).toBe(false);
  });
});
