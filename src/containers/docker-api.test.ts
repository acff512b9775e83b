import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseDockerEndpoint, readLines } from './docker-api.js';

async function collect(chunks: (string | Buffer)[], max = 64): Promise<string[]> {
  const out: string[] = [];
  for await (const line of readLines(Readable.from(chunks), max))
    out.push(line.ok ? line.value : `ERR ${line.error.message}`);
  return out;
}

describe('Docker API endpoints', () => {
  it('reads unix sockets, socket paths and TCP addresses', () => {
    expect(parseDockerEndpoint('unix:///var/run/docker.sock')).toMatchObject({
      socketPath: '/var/run/docker.sock',
      tls: false,
    });
    expect(parseDockerEndpoint('/run/podman/podman.sock')).toMatchObject({
      socketPath: '/run/podman/podman.sock',
      text: 'unix:///run/podman/podman.sock',
    });
    expect(parseDockerEndpoint('tcp://127.0.0.1:2375')).toMatchObject({
      host: '127.0.0.1',
      port: 2375,
      tls: false,
    });
    expect(parseDockerEndpoint('tcp://docker.internal')).toMatchObject({
      host: 'docker.internal',
      port: 2375,
    });
    expect(parseDockerEndpoint('https://[::1]:2376/')).toMatchObject({ host: '::1', port: 2376, tls: true });
    for (const bad of ['unix://relative.sock', 'ssh://host', 'tcp://host:99999', 'docker.sock', 'tcp://'])
      expect(() => parseDockerEndpoint(bad), bad).toThrow(/invalid/);
  });
});

describe('the event stream line reader', () => {
  it('splits lines across chunk boundaries and skips blank lines', async () => {
    expect(await collect(['{"a":', '1}\n{"b"', ':2}\r\n\n', '{"c":3}'])).toEqual([
      '{"a":1}',
      '{"b":2}',
      '{"c":3}',
    ]);
  });

  it('keeps multi-byte characters split between chunks', async () => {
    const bytes = Buffer.from('{"name":"café"}\n');
    expect(await collect([bytes.subarray(0, 13), bytes.subarray(13)])).toEqual(['{"name":"café"}']);
  });

  it('drops an over-long line with an error and goes on with the next one', async () => {
    const long = 'x'.repeat(50);
    expect(await collect([long, long, '\n{"ok":1}\n'], 64)).toEqual([
      'ERR line longer than 64 bytes',
      '{"ok":1}',
    ]);
    expect(await collect([`${'y'.repeat(80)}\n{"ok":2}\n`], 64)).toEqual([
      'ERR line longer than 64 bytes',
      '{"ok":2}',
    ]);
  });
});
