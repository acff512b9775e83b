import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from './config.js';
import { listenHttp } from './front-doors.js';

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((ok, fail) => {
    const req = request(url, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end();
  });
}

describe('listenHttp: stopping', () => {
  it('lets a request in flight finish, then refuses new connections', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    let started: () => void = () => {};
    const inFlight = new Promise<void>((r) => (started = r));
    const http = await listenHttp({ ...DEFAULTS, host: '127.0.0.1', port: 0 }, (_req, res) => {
      started();
      void held.then(() => res.end('acked'));
    });
    const answer = get(`${http.url}/slow`);
    await inFlight;
    const closed = http.close();
    // The server no longer accepts; the request it holds is still answered once it is done.
    await expect(get(`${http.url}/new`)).rejects.toThrow(/ECONNREFUSED/);
    release();
    expect(await answer).toEqual({ status: 200, body: 'acked' });
    await closed;
  });
});
