import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActionError } from './actions/action.js';
import { expectSuccess, httpSend } from './http-client.js';
import { startReceiver } from './testing.js';

let main: Awaited<ReturnType<typeof startReceiver>>;
let other: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  other = await startReceiver((_r, res) => res.writeHead(200).end('elsewhere'));
  main = await startReceiver((r, res) => {
    const path = r.url.split('?')[0];
    if (path === '/same') res.writeHead(307, { Location: '/final' }).end();
    else if (path === '/see-other') res.writeHead(303, { Location: '/final' }).end();
    else if (path === '/away') res.writeHead(302, { Location: `${other.url}/x` }).end();
    else if (path === '/loop') res.writeHead(302, { Location: '/loop' }).end();
    else if (path === '/huge') res.writeHead(200).end('x'.repeat(1_000_000));
    else if (path === '/hang')
      return; // never answers
    else if (path === '/busy') res.writeHead(503).end('try later');
    else if (path === '/denied') res.writeHead(403).end('no');
    else res.writeHead(200).end(`${r.method} ${r.url} ${r.body}`);
  });
});
afterAll(async () => {
  await main.close();
  await other.close();
});

describe('outbound HTTP', () => {
  it('posts and reads the answer', async () => {
    const a = await httpSend({ url: `${main.url}/hook`, body: 'hello' });
    expect(a).toMatchObject({ status: 200, body: 'POST /hook hello', truncated: false });
  });

  it('refuses what is not http(s)', async () => {
    for (const url of [
      'file:///etc/passwd',
      'gopher://127.0.0.1/',
      'ftp://x/',
      'javascript:alert(1)',
      'not a url',
    ])
      await expect(httpSend({ url })).rejects.toMatchObject({ retryable: false });
  });

  it('follows redirects within the same origin only', async () => {
    expect((await httpSend({ url: `${main.url}/same`, body: 'b' })).body).toBe('POST /final b');
    expect((await httpSend({ url: `${main.url}/see-other`, body: 'b' })).body).toBe('GET /final ');
    await expect(httpSend({ url: `${main.url}/away`, body: 'secret payload' })).rejects.toThrow(
      /redirected to another host .*refused/,
    );
    expect(other.received).toEqual([]);
    await expect(httpSend({ url: `${main.url}/loop` })).rejects.toThrow(/more than 3 redirects/);
  });

  it('reads a bounded answer', async () => {
    const a = await httpSend({ url: `${main.url}/huge`, method: 'GET', maxResponseBytes: 1000 });
    expect(a).toMatchObject({ status: 200, truncated: true });
    expect(a.body.length).toBe(1000);
  });

  it('gives up on a receiver that does not answer', async () => {
    const e = await httpSend({ url: `${main.url}/hang`, timeoutMs: 200 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ActionError);
    expect(e).toMatchObject({
      retryable: true,
      message: expect.stringMatching(/no answer from http:\/\/127\.0\.0\.1:\d+ within 200 ms/),
    });
  });

  it('aborts with the signal', async () => {
    const c = new AbortController();
    const p = httpSend({ url: `${main.url}/hang`, signal: c.signal });
    c.abort();
    await expect(p).rejects.toMatchObject({ retryable: false, message: expect.stringMatching(/aborted/) });
  });

  it('says which failures are worth retrying, never naming the path', async () => {
    const url = new URL(`${main.url}/busy?token=abc`);
    const busy = await httpSend({ url: url.href });
    expect(() => expectSuccess(busy, url)).toThrow(`${main.url} answered 503: try later`);
    expect(() => expectSuccess(busy, url)).toThrow(expect.objectContaining({ retryable: true }));
    const denied = new URL(`${main.url}/denied`);
    const e = (() => {
      try {
        expectSuccess({ status: 403, headers: {}, body: 'no', truncated: false }, denied);
      } catch (x) {
        return x as ActionError;
      }
    })();
    expect(e).toMatchObject({ retryable: false, message: `${main.url} answered 403: no` });
    const refused = await httpSend({ url: 'http://127.0.0.1:1/x?token=abc' }).catch((x: ActionError) => x);
    expect(refused).toMatchObject({
      retryable: true,
      message: 'cannot reach http://127.0.0.1:1: ECONNREFUSED',
    });
  });
});
