import { execFile, execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ImageTrustMonitor,
  loadPolicy,
  parsePolicy,
  RegistryClient,
  runtimeImageFromDocker,
  verifyImage,
  type DockerContainerDoc,
  type DockerImageDoc,
} from '../../src/containers/trust/index.js';
import { runCli } from '../support/cli.js';
import { startRegistry, type Registry } from '../support/registry.js';

/*
 * Image trust against real peers started here on 127.0.0.1: Debian's docker-registry (fed by
 * skopeo from OCI layouts written below), notary-server with the notary client, and podman for
 * what a runtime reports. Signatures a "cosign user" would make are made with openssl, the
 * interchange cosign documents (`openssl dgst -sha256 -sign` over the payload).
 */

const has = (bin: string): boolean => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
const registryPresent = has('docker-registry') && has('skopeo');
const notaryPresent = has('notary-server') && has('notary');
const podmanPresent = has('podman');
const opensslPresent = has('openssl');
if (!registryPresent)
  console.log('image-trust e2e: docker-registry or skopeo missing; registry tests skipped');
if (!notaryPresent) console.log('image-trust e2e: notary-server or notary missing; DCT tests skipped');
if (!podmanPresent) console.log('image-trust e2e: podman missing; the runtime-digest test is skipped');
if (!opensslPresent) console.log('image-trust e2e: openssl missing; cross-checks with openssl are skipped');

const MANIFEST_ACCEPT = 'application/vnd.oci.image.manifest.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
const SIG_ANNOTATION = 'dev.cosignproject.cosign/signature';

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function httpGet(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Polls until `url` answers 200, or the process died. */
async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`server exited: ${log()}`);
    try {
      if ((await httpGet(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never became ready: ${log()}`);
}

function spawnLogged(cmd: string, args: string[], cwd: string): { child: ChildProcess; log: () => string } {
  const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text = (text + d.toString()).slice(-4000)));
  child.stderr!.on('data', (d: Buffer) => (text = (text + d.toString()).slice(-4000)));
  return { child, log: () => text };
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await done;
}

/** A one-file ustar archive. */
function tarOf(name: string, data: Buffer): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0);
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(data.length.toString(8).padStart(11, '0') + '\0', 124);
  h.write('00000000000\0', 136);
  h.fill(' ', 148, 156);
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return Buffer.concat([h, data, Buffer.alloc((512 - (data.length % 512)) % 512), Buffer.alloc(1024)]);
}

interface Layout {
  dir: string;
  tag: string;
  digest: string;
  size: number;
}

/** Writes an OCI image layout holding one manifest (and its blobs) under `tag`. */
function writeLayout(dir: string, tag: string, manifest: object, blobs: Buffer[]): Layout {
  mkdirSync(join(dir, 'blobs/sha256'), { recursive: true });
  for (const b of blobs) writeFileSync(join(dir, 'blobs/sha256', sha256(b)), b);
  const bytes = Buffer.from(JSON.stringify(manifest));
  const digest = sha256(bytes);
  writeFileSync(join(dir, 'blobs/sha256', digest), bytes);
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: OCI_MANIFEST,
          digest: `sha256:${digest}`,
          size: bytes.length,
          annotations: { 'org.opencontainers.image.ref.name': tag },
        },
      ],
    }),
  );
  return { dir, tag, digest: `sha256:${digest}`, size: bytes.length };
}

/** A tiny image: one gzipped layer holding hello.txt with `content`. */
function imageLayout(dir: string, content: string): Layout {
  const tar = tarOf('hello.txt', Buffer.from(content));
  const layer = gzipSync(tar);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [`sha256:${sha256(tar)}`] },
      config: {},
    }),
  );
  return writeLayout(
    dir,
    'img',
    {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: `sha256:${sha256(config)}`, size: config.length },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          digest: `sha256:${sha256(layer)}`,
          size: layer.length,
        },
      ],
    },
    [layer, config],
  );
}

function skopeoCopy(layout: Layout, dest: string): void {
  execFileSync(
    'skopeo',
    ['copy', '--quiet', '--dest-tls-verify=false', `oci:${layout.dir}:${layout.tag}`, `docker://${dest}`],
    { stdio: 'pipe' },
  );
}

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'vigil-image-trust-'));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!registryPresent)('cosign-format signatures on a real registry', () => {
  let registry: Registry | undefined;
  let host = '';
  let original: Layout;
  let other: Layout;
  const env = { VIGIL_IMAGE_KEY_PASSWORD: 'correct horse battery staple' };

  beforeAll(async () => {
    registry = await startRegistry();
    host = registry.host;
    original = imageLayout(join(work, 'layout-v1'), 'version one');
    other = imageLayout(join(work, 'layout-evil'), 'something else entirely');
    skopeoCopy(original, `${host}/test/app:v1`);
    skopeoCopy(original, `${host}/test/unsigned:v1`);
  });
  afterAll(async () => {
    await registry?.stop();
  });

  const key = (name: string): string => join(work, name);

  it('keygen writes an encrypted PKCS#8 key and a PEM public key, and refuses to overwrite', async () => {
    const r = await runCli(['image', 'keygen', '--out', key('alice')], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(key('alice.key'), 'utf8')).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    expect(readFileSync(key('alice.pub'), 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const again = await runCli(['image', 'keygen', '--out', key('alice')], { env });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists/);
    const noPassword = await runCli(['image', 'keygen', '--out', key('nopw')], {
      env: { VIGIL_IMAGE_KEY_PASSWORD: '' },
    });
    expect(noPassword.code).toBe(2);
    expect((await runCli(['image', 'keygen', '--out', key('mallory'), '--unencrypted'])).code).toBe(0);
    expect(readFileSync(key('mallory.key'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('signs the digest, not the tag, and the stored signature has exactly the cosign layout', async () => {
    const wrong = await runCli(['image', 'sign', `${host}/test/app:v1`, '--key', key('alice.key')], {
      env: { VIGIL_IMAGE_KEY_PASSWORD: 'not it' },
    });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/wrong password/);

    const r = await runCli(['image', 'sign', `${host}/test/app:v1`, '--key', key('alice.key'), '--json'], {
      env,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.digest).toBe(original.digest);
    const sigTag = `sha256-${original.digest.slice(7)}.sig`;
    expect(result.signatureRef).toBe(`${host}/test/app:${sigTag}`);

    // Read it back the way cosign does: tag-based discovery, an OCI manifest, one layer per signature.
    const m = await httpGet(`http://${host}/v2/test/app/manifests/${sigTag}`, { Accept: MANIFEST_ACCEPT });
    expect(m.status).toBe(200);
    const manifest = JSON.parse(m.body.toString());
    expect(manifest.schemaVersion).toBe(2);
    expect(manifest.mediaType).toBe(OCI_MANIFEST);
    expect(manifest.config.mediaType).toBe(OCI_CONFIG);
    expect((await httpGet(`http://${host}/v2/test/app/blobs/${manifest.config.digest}`)).status).toBe(200);
    expect(manifest.layers).toHaveLength(1);
    const layer = manifest.layers[0];
    expect(layer.mediaType).toBe(SIMPLE_SIGNING);
    expect(Object.keys(layer.annotations)).toEqual([SIG_ANNOTATION]);
    const payload = (await httpGet(`http://${host}/v2/test/app/blobs/${layer.digest}`)).body;
    expect(`sha256:${sha256(payload)}`).toBe(layer.digest);
    expect(payload.length).toBe(layer.size);
    expect(JSON.parse(payload.toString())).toEqual({
      critical: {
        identity: { 'docker-reference': `${host}/test/app:v1` },
        image: { 'docker-manifest-digest': original.digest },
        type: 'cosign container image signature',
      },
      optional: null,
    });

    if (opensslPresent) {
      // An independent implementation accepts the signature: ECDSA P-256, SHA-256, DER, base64.
      writeFileSync(key('payload.json'), payload);
      writeFileSync(key('payload.sig'), Buffer.from(layer.annotations[SIG_ANNOTATION], 'base64'));
      const out = execFileSync('openssl', [
        'dgst',
        '-sha256',
        '-verify',
        key('alice.pub'),
        '-signature',
        key('payload.sig'),
        key('payload.json'),
      ]).toString();
      expect(out.trim()).toBe('Verified OK');
    }
  });

  it('verify: the signer key passes (0), another key is untrusted (1), an unsigned image is unsigned (1)', async () => {
    const ok = await runCli(['image', 'verify', `${host}/test/app:v1`, '--key', key('alice.pub'), '--json']);
    expect(ok.code).toBe(0);
    const v = JSON.parse(ok.stdout);
    expect(v.status).toBe('verified');
    expect(v.digest).toBe(original.digest);
    expect(v.signers.map((s: { label: string }) => s.label)).toEqual([key('alice.pub')]);

    const text = await runCli(['image', 'verify', `${host}/test/app:v1`, '--key', key('alice.pub')]);
    expect(text.stdout).toMatch(/^VERIFIED /);

    const byDigest = await runCli([
      'image',
      'verify',
      `${host}/test/app@${original.digest}`,
      '--key',
      key('alice.pub'),
    ]);
    expect(byDigest.code).toBe(0);

    const untrusted = await runCli([
      'image',
      'verify',
      `${host}/test/app:v1`,
      '--key',
      key('mallory.pub'),
      '--json',
    ]);
    expect(untrusted.code).toBe(1);
    expect(JSON.parse(untrusted.stdout).status).toBe('untrusted');

    const unsigned = await runCli([
      'image',
      'verify',
      `${host}/test/unsigned:v1`,
      '--key',
      key('alice.pub'),
      '--json',
    ]);
    expect(unsigned.code).toBe(1);
    const u = JSON.parse(unsigned.stdout);
    expect(u.status).toBe('unsigned');
    expect(u.digest).toBe(original.digest);
  });

  it('a second signer is appended as a second layer; signing again with the same key adds nothing', async () => {
    const second = await runCli([
      'image',
      'sign',
      `${host}/test/app:v1`,
      '--key',
      key('mallory.key'),
      '--json',
    ]);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).layers).toBe(2);
    const repeat = await runCli(
      ['image', 'sign', `${host}/test/app:v1`, '--key', key('alice.key'), '--json'],
      { env },
    );
    expect(JSON.parse(repeat.stdout)).toMatchObject({ layers: 2, added: false });

    writeFileSync(
      key('two-keys.yaml'),
      [
        'rules:',
        '  - match: "127.0.0.1:*/test/app"',
        '    keys: [alice.pub, mallory.pub]',
        '    threshold: 2',
        '  - match: "127.0.0.1:*/test/**"',
        '    allow-unsigned: true',
        '',
      ].join('\n'),
    );
    const both = await runCli([
      'image',
      'verify',
      `${host}/test/app:v1`,
      '--policy',
      key('two-keys.yaml'),
      '--json',
    ]);
    expect(both.code).toBe(0);
    expect(JSON.parse(both.stdout).signers).toHaveLength(2);
    // The first rule that matches wins: test/unsigned falls to the allow-unsigned rule.
    const allowed = await runCli([
      'image',
      'verify',
      `${host}/test/unsigned:v1`,
      '--policy',
      key('two-keys.yaml'),
      '--json',
    ]);
    expect(allowed.code).toBe(0);
    expect(JSON.parse(allowed.stdout).status).toBe('allowed');
    // No rule for this registry: refused, as the policy does not say "unmatched: allow".
    const uncovered = await runCli([
      'image',
      'verify',
      'docker.io/library/alpine:3',
      '--policy',
      key('two-keys.yaml'),
      '--json',
    ]);
    expect(uncovered.code).toBe(1);
    expect(JSON.parse(uncovered.stdout).status).toBe('not-covered');
  });

  it.skipIf(!opensslPresent)(
    'verifies a signature made the cosign way by another tool (openssl) and pushed by skopeo',
    async () => {
      skopeoCopy(original, `${host}/test/thirdparty:v1`);
      execFileSync('openssl', [
        'ecparam',
        '-name',
        'prime256v1',
        '-genkey',
        '-noout',
        '-out',
        key('ossl.pem'),
      ]);
      execFileSync('openssl', ['ec', '-in', key('ossl.pem'), '-pubout', '-out', key('ossl.pub')], {
        stdio: 'pipe',
      });
      // cosign's payload: repository only, no tag.
      const payload = Buffer.from(
        `{"critical":{"identity":{"docker-reference":"${host}/test/thirdparty"},"image":{"docker-manifest-digest":"${original.digest}"},"type":"cosign container image signature"},"optional":null}`,
      );
      writeFileSync(key('tp-payload.json'), payload);
      execFileSync('openssl', [
        'dgst',
        '-sha256',
        '-sign',
        key('ossl.pem'),
        '-out',
        key('tp.sig'),
        key('tp-payload.json'),
      ]);
      const config = Buffer.from(
        '{"architecture":"","os":"","config":{},"rootfs":{"type":"layers","diff_ids":[]}}',
      );
      const sigLayout = writeLayout(
        join(work, 'layout-thirdparty-sig'),
        'sig',
        {
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { mediaType: OCI_CONFIG, size: config.length, digest: `sha256:${sha256(config)}` },
          layers: [
            {
              mediaType: SIMPLE_SIGNING,
              size: payload.length,
              digest: `sha256:${sha256(payload)}`,
              annotations: { [SIG_ANNOTATION]: readFileSync(key('tp.sig')).toString('base64') },
            },
          ],
        },
        [payload, config],
      );
      skopeoCopy(sigLayout, `${host}/test/thirdparty:sha256-${original.digest.slice(7)}.sig`);
      const r = await runCli([
        'image',
        'verify',
        `${host}/test/thirdparty:v1`,
        '--key',
        key('ossl.pub'),
        '--json',
      ]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).status).toBe('verified');
      // The same signature does not vouch for another repository unless identity is ignored (cosign's rule).
      skopeoCopy(original, `${host}/test/elsewhere:v1`);
      skopeoCopy(sigLayout, `${host}/test/elsewhere:sha256-${original.digest.slice(7)}.sig`);
      const moved = await runCli([
        'image',
        'verify',
        `${host}/test/elsewhere:v1`,
        '--key',
        key('ossl.pub'),
        '--json',
      ]);
      expect(moved.code).toBe(1);
      expect(JSON.parse(moved.stdout)).toMatchObject({ status: 'mismatch' });
      expect(JSON.parse(moved.stdout).reasons[0]).toMatch(/signed for .*test\/thirdparty/);
      const anyIdentity = await runCli([
        'image',
        'verify',
        `${host}/test/elsewhere:v1`,
        '--key',
        key('ossl.pub'),
        '--any-identity',
      ]);
      expect(anyIdentity.code).toBe(0);
    },
  );

  it('a signature copied onto another digest is a mismatch (its payload names the signed digest)', async () => {
    const decoy = imageLayout(join(work, 'layout-decoy'), 'decoy');
    skopeoCopy(decoy, `${host}/test/app:decoy`);
    // Move alice's signature manifest for v1 onto the decoy's signature tag, byte for byte.
    const sig = await httpGet(`http://${host}/v2/test/app/manifests/sha256-${original.digest.slice(7)}.sig`, {
      Accept: MANIFEST_ACCEPT,
    });
    const client = new RegistryClient(host);
    await client.putManifest('test/app', `sha256-${decoy.digest.slice(7)}.sig`, sig.body, OCI_MANIFEST);
    const r = await runCli([
      'image',
      'verify',
      `${host}/test/app:decoy`,
      '--key',
      key('alice.pub'),
      '--json',
    ]);
    expect(r.code).toBe(1);
    const v = JSON.parse(r.stdout);
    expect(v.status).toBe('mismatch');
    expect(v.signedDigest).toBe(original.digest);
    expect(v.reasons[0]).toContain(`names ${original.digest}`);
  });

  it('tamper: the tag re-pushed with other content fails, naming both digests; a pin catches it too', async () => {
    skopeoCopy(other, `${host}/test/app:v1`);
    const r = await runCli(['image', 'verify', `${host}/test/app:v1`, '--key', key('alice.pub'), '--json']);
    expect(r.code).toBe(1);
    const v = JSON.parse(r.stdout);
    expect(v.status).toBe('mismatch');
    expect(v.digest).toBe(other.digest);
    expect(v.signedDigest).toBe(original.digest);
    expect(v.reasons[0]).toBe(
      `tag v1 now points to ${other.digest}, but the digest signed for v1 was ${original.digest}`,
    );
    const text = await runCli(['image', 'verify', `${host}/test/app:v1`, '--key', key('alice.pub')]);
    expect(text.stdout).toMatch(/^MISMATCH /);

    writeFileSync(
      key('pinned.yaml'),
      `rules:\n  - match: "127.0.0.1:*/test/app"\n    allow-unsigned: true\n    pins: { v1: "${original.digest}" }\n`,
    );
    const pinned = await runCli([
      'image',
      'verify',
      `${host}/test/app:v1`,
      '--policy',
      key('pinned.yaml'),
      '--json',
    ]);
    expect(pinned.code).toBe(1);
    expect(JSON.parse(pinned.stdout).reasons[0]).toMatch(/pinned to/);
  });

  it('continuous verification: what a container runs is checked against the tag, with a cache', async () => {
    // State now: tag v1 points to `other` (unsigned); `original` carries alice's signature.
    const policy = parsePolicy(
      'rules:\n  - match: "127.0.0.1:*/test/**"\n    keys: [alice.pub]\n',
      'inline-policy.yaml',
      work,
    );
    let clock = 1_000_000;
    const monitor = new ImageTrustMonitor({ policy, ttlMs: 60_000, now: () => clock });
    const running = await monitor.check({
      id: 'c-original',
      image: `${host}/test/app:v1`,
      digests: [`${host}/test/app@${original.digest}`],
    });
    expect(running).toMatchObject({
      status: 'verified',
      alert: false,
      cached: false,
      digest: original.digest,
    });
    expect(running.currentDigest).toBe(other.digest);

    const tampered = await monitor.check({
      id: 'c-other',
      image: `${host}/test/app:v1`,
      digests: [`${host}/test/app@${other.digest}`],
    });
    expect(tampered).toMatchObject({ status: 'mismatch', alert: true, signedDigest: original.digest });

    const local = await monitor.check({ id: 'c-local', image: `${host}/test/app:v1`, digests: [] });
    expect(local).toMatchObject({ status: 'unsigned', alert: true });

    // Within the TTL a new event costs nothing; after it, the registry is asked again.
    const again = await monitor.check({
      id: 'c-original',
      image: `${host}/test/app:v1`,
      digests: [`${host}/test/app@${original.digest}`],
    });
    expect(again.cached).toBe(true);
    clock += 60_001;
    expect(
      (
        await monitor.check({
          id: 'c-original',
          image: `${host}/test/app:v1`,
          digests: [`${host}/test/app@${original.digest}`],
        })
      ).cached,
    ).toBe(false);

    // A schedule re-checks everything tracked, fresh.
    const all = await monitor.recheckAll();
    expect(all.map((v) => [v.id, v.status, v.cached])).toEqual([
      ['c-original', 'verified', false],
      ['c-other', 'mismatch', false],
      ['c-local', 'unsigned', false],
    ]);
    monitor.forget('c-local');
    expect(monitor.tracked().map((t) => t.id)).toEqual(['c-original', 'c-other']);
  });

  it.skipIf(!podmanPresent)(
    'checks a container created through podman, read over the Docker Engine API',
    async () => {
      const root = join(work, 'podman');
      const base = ['--root', join(root, 'root'), '--runroot', join(root, 'run'), '--storage-driver', 'vfs'];
      const socket = join(root, 'docker.sock');
      mkdirSync(root, { recursive: true });
      const service = spawnLogged(
        'podman',
        [...base, 'system', 'service', '--time', '0', `unix://${socket}`],
        root,
      );
      try {
        execFileSync('podman', [...base, 'pull', '--quiet', '--tls-verify=false', `${host}/test/app:v1`], {
          stdio: 'pipe',
        });
        execFileSync(
          'podman',
          [...base, 'create', '--name', 'trust-e2e', `${host}/test/app:v1`, '/hello.txt'],
          {
            stdio: 'pipe',
          },
        );
        const docker = async (path: string): Promise<unknown> => {
          for (let i = 0; ; i++) {
            try {
              return await new Promise((resolve, reject) => {
                const req = request({ socketPath: socket, path: `/v1.41${path}` }, (res) => {
                  const chunks: Buffer[] = [];
                  res.on('data', (c: Buffer) => chunks.push(c));
                  res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString())));
                });
                req.on('error', reject);
                req.end();
              });
            } catch (e) {
              if (i >= 100 || service.child.exitCode !== null)
                throw new Error(`${String(e)}: ${service.log()}`);
              await new Promise((r) => setTimeout(r, 100));
            }
          }
        };
        const list = (await docker('/containers/json?all=true')) as DockerContainerDoc[];
        const container = list.find((c) => (c as { Names?: string[] }).Names?.includes('/trust-e2e'))!;
        const inspect = (await docker(`/containers/${container.Id}/json`)) as DockerContainerDoc;
        const image = (await docker(`/images/${encodeURIComponent(inspect.Image!)}/json`)) as DockerImageDoc;
        const runtime = runtimeImageFromDocker(inspect, image);
        expect(runtime).toEqual({
          id: container.Id,
          image: `${host}/test/app:v1`,
          digests: [`${host}/test/app@${other.digest}`], // v1 was re-pushed before this pull
        });
        const policy = parsePolicy(
          'rules:\n  - match: "**"\n    keys: [alice.pub]\n',
          'inline-policy.yaml',
          work,
        );
        const monitor = new ImageTrustMonitor({ policy });
        expect(await monitor.check(runtime)).toMatchObject({
          status: 'mismatch',
          alert: true,
          digest: other.digest,
          signedDigest: original.digest,
        });
        execFileSync('podman', [...base, 'rm', 'trust-e2e'], { stdio: 'pipe' });
      } finally {
        await stop(service.child);
      }
    },
  );

  it('bad input exits 2 with a clear message; an unreachable registry exits 3', async () => {
    const badRef = await runCli(['image', 'verify', 'UPPER/Case:v1', '--key', key('alice.pub')]);
    expect(badRef.code).toBe(2);
    expect(badRef.stderr).toMatch(/bad image reference/);
    writeFileSync(
      key('garbage.pub'),
      '-----BEGIN PUBLIC KEY-----\nnot base64 at all!\n-----END PUBLIC KEY-----\n',
    );
    const badKey = await runCli(['image', 'verify', `${host}/test/app:v1`, '--key', key('garbage.pub')]);
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toMatch(/garbage\.pub/);
    const privateAsPublic = await runCli([
      'image',
      'verify',
      `${host}/test/app:v1`,
      '--key',
      key('mallory.key'),
    ]);
    expect(privateAsPublic.code).toBe(2);
    expect(privateAsPublic.stderr).toMatch(/private key/);
    const both = await runCli(['image', 'verify', `${host}/test/app:v1`]);
    expect(both.code).toBe(2);
    const unknownFlag = await runCli(['image', 'verify', `${host}/test/app:v1`, '--bogus']);
    expect(unknownFlag.code).toBe(2);
    const closed = await freePort();
    const down = await runCli([
      'image',
      'verify',
      `127.0.0.1:${closed}/test/app:v1`,
      '--key',
      key('alice.pub'),
    ]);
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/ECONNREFUSED/);
    const missing = await runCli(['image', 'verify', `${host}/test/nothing:v1`, '--key', key('alice.pub')]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/no such image/);
  });

  it("signs with a key in cosign's own encrypted format (scrypt + secretbox)", async () => {
    const made = await runCli(['image', 'keygen', '--format', 'cosign', '--out', key('carol')], { env });
    expect(made.code).toBe(0);
    expect(readFileSync(key('carol.key'), 'utf8')).toMatch(/^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----/);
    skopeoCopy(original, `${host}/test/cosignkey:v1`);
    const signed = await runCli(['image', 'sign', `${host}/test/cosignkey:v1`, '--key', key('carol.key')], {
      env,
    });
    expect(signed.stderr).toBe('');
    expect(signed.code).toBe(0);
    const v = await runCli(['image', 'verify', `${host}/test/cosignkey:v1`, '--key', key('carol.pub')]);
    expect(v.code).toBe(0);
    const wrong = await runCli(['image', 'sign', `${host}/test/cosignkey:v1`, '--key', key('carol.key')], {
      env: { VIGIL_IMAGE_KEY_PASSWORD: 'guess' },
    });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/wrong password/);
  });
});

describe.skipIf(!registryPresent || !opensslPresent)('a registry with token authentication', () => {
  // docker-registry in token mode trusts JWTs signed by a certificate in its bundle; the token
  // service here hands them out for the right Basic credentials, as Docker Hub's does.
  let registry: ReturnType<typeof spawnLogged>;
  let tokenServer: Server;
  let host = '';
  let image: Layout;
  const issued: string[] = [];
  const creds = { VIGIL_REGISTRY_USERNAME: 'ci', VIGIL_REGISTRY_PASSWORD: 'token-pass' };

  beforeAll(async () => {
    const dir = join(work, 'token-registry');
    mkdirSync(join(dir, 'data'), { recursive: true });
    execFileSync('openssl', [
      'ecparam',
      '-name',
      'prime256v1',
      '-genkey',
      '-noout',
      '-out',
      join(dir, 'issuer.key'),
    ]);
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-new',
        '-key',
        join(dir, 'issuer.key'),
        '-subj',
        '/CN=issuer',
        '-days',
        '2',
        '-out',
        join(dir, 'issuer.pem'),
      ],
      { stdio: 'pipe' },
    );
    const { createPrivateKey, sign, X509Certificate } = await import('node:crypto');
    const issuerKey = createPrivateKey(readFileSync(join(dir, 'issuer.key')));
    const certDer = new X509Certificate(readFileSync(join(dir, 'issuer.pem'))).raw.toString('base64');
    const b64url = (v: object | Buffer): string =>
      (Buffer.isBuffer(v) ? v : Buffer.from(JSON.stringify(v))).toString('base64url');
    tokenServer = createServer((req, res) => {
      const url = new URL(req.url ?? '', 'http://x');
      const expected = `Basic ${Buffer.from('ci:token-pass').toString('base64')}`;
      if (req.headers.authorization !== expected) {
        res.writeHead(401).end();
        return;
      }
      const access = url.searchParams.getAll('scope').map((scope) => {
        const [type, name, actions] = scope.split(':');
        return { type, name, actions: actions!.split(',') };
      });
      issued.push(url.searchParams.getAll('scope').join(' '));
      const now = Math.floor(Date.now() / 1000);
      const head = b64url({ typ: 'JWT', alg: 'ES256', x5c: [certDer] });
      const claims = b64url({
        iss: 'vigil-test-issuer',
        sub: 'ci',
        aud: 'vigil-test-registry',
        exp: now + 600,
        nbf: now - 60,
        iat: now,
        jti: String(issued.length),
        access,
      });
      const sig = sign('sha256', Buffer.from(`${head}.${claims}`), {
        key: issuerKey,
        dsaEncoding: 'ieee-p1363',
      });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ token: `${head}.${claims}.${b64url(sig)}` }));
    });
    await new Promise<void>((r) => tokenServer.listen(0, '127.0.0.1', () => r()));
    const tokenPort = (tokenServer.address() as { port: number }).port;
    host = `127.0.0.1:${await freePort()}`;
    writeFileSync(
      join(dir, 'config.yml'),
      [
        'version: 0.1',
        'log:',
        '  level: warn',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${join(dir, 'data')}`,
        'http:',
        `  addr: ${host}`,
        '  secret: vigil-test',
        'auth:',
        '  token:',
        `    realm: http://127.0.0.1:${tokenPort}/token`,
        '    service: vigil-test-registry',
        '    issuer: vigil-test-issuer',
        `    rootcertbundle: ${join(dir, 'issuer.pem')}`,
        '',
      ].join('\n'),
    );
    registry = spawnLogged('docker-registry', ['serve', join(dir, 'config.yml')], dir);
    for (let i = 0; ; i++) {
      // Ready when /v2/ answers at all (401 here).
      const status = await httpGet(`http://${host}/v2/`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 401) break;
      if (i > 300 || registry.child.exitCode !== null)
        throw new Error(`registry did not start: ${registry.log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    image = imageLayout(join(work, 'token-image'), 'behind a token');
    // Asynchronously: the token service answering skopeo lives in this process.
    await promisify(execFile)('skopeo', [
      'copy',
      '--quiet',
      '--dest-tls-verify=false',
      '--dest-creds',
      'ci:token-pass',
      `oci:${image.dir}:${image.tag}`,
      `docker://${host}/team/app:v1`,
    ]);
    await runCli(['image', 'keygen', '--out', join(work, 'token-signer'), '--unencrypted']);
  });
  afterAll(async () => {
    await stop(registry?.child);
    await new Promise<void>((r) => (tokenServer ? tokenServer.close(() => r()) : r()));
  });

  it('signs and verifies with credentials from the environment, asking for pull,push only to sign', async () => {
    const signed = await runCli(
      ['image', 'sign', `${host}/team/app:v1`, '--key', join(work, 'token-signer.key')],
      {
        env: creds,
      },
    );
    expect(signed.stderr).toBe('');
    expect(signed.code).toBe(0);
    expect(issued).toContain('repository:team/app:pull,push');
    const before = issued.length;
    const v = await runCli(
      ['image', 'verify', `${host}/team/app:v1`, '--key', join(work, 'token-signer.pub'), '--json'],
      {
        env: creds,
      },
    );
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ status: 'verified', digest: image.digest });
    expect(issued.slice(before)).toEqual(['repository:team/app:pull']);
  });

  it('without credentials, or with wrong ones, it is an authentication error (exit 3) that names no secret', async () => {
    const anon = await runCli(
      ['image', 'verify', `${host}/team/app:v1`, '--key', join(work, 'token-signer.pub')],
      {
        env: { VIGIL_REGISTRY_USERNAME: '', VIGIL_REGISTRY_PASSWORD: '' },
      },
    );
    expect(anon.code).toBe(3);
    const wrong = await runCli(
      ['image', 'verify', `${host}/team/app:v1`, '--key', join(work, 'token-signer.pub')],
      {
        env: { VIGIL_REGISTRY_USERNAME: 'ci', VIGIL_REGISTRY_PASSWORD: 'guessed-pass' },
      },
    );
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toMatch(/refused the credentials/);
    expect(wrong.stderr).not.toContain('guessed-pass');
  });
});

describe('a hostile registry', () => {
  let server: Server;
  let host = '';
  const hugeBody = Buffer.alloc(6 * 1024 * 1024, 0x41);
  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = req.url ?? '';
      if (url.includes('/garbage/app/manifests/')) {
        res.writeHead(200, { 'Content-Type': OCI_MANIFEST });
        res.end('{"schemaVersion": 2, "layers": "no"}');
      } else if (url.includes('/huge/app/manifests/')) {
        res.writeHead(200, { 'Content-Type': OCI_MANIFEST });
        res.end(hugeBody);
      } else if (url.includes('/liar/app/manifests/')) {
        res.writeHead(200, { 'Content-Type': OCI_MANIFEST });
        res.end('{"schemaVersion":2,"layers":[]}');
      } else if (url.includes('/loop/')) {
        res.writeHead(302, { Location: url });
        res.end();
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    host = `127.0.0.1:${(server.address() as { port: number }).port}`;
    writeFileSync(join(work, 'any.pub'), execFileSync(process.execPath, ['-e', keyScript]).toString());
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  const keyScript =
    "const c=require('crypto');process.stdout.write(c.generateKeyPairSync('ec',{namedCurve:'P-256'}).publicKey.export({type:'spki',format:'pem'}))";

  it.each([
    ['garbage', /not an array/],
    ['huge', /larger than/],
    ['loop', /too many redirects/],
  ])('%s manifests are refused with a clear error and exit 3', async (repo, message) => {
    const r = await runCli(['image', 'verify', `${host}/${repo}/app:v1`, '--key', join(work, 'any.pub')]);
    expect(r.code, r.stderr + r.stdout).toBe(3);
    expect(r.stderr).toMatch(message);
  });

  it('a manifest served for a digest must hash to that digest', async () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const r = await runCli(['image', 'verify', `${host}/liar/app@${digest}`, '--key', join(work, 'any.pub')]);
    expect(r.code, r.stderr + r.stdout).toBe(3);
    expect(r.stderr).toContain('whose digest is');
  });
});

describe.skipIf(!registryPresent || !notaryPresent)('Docker Content Trust: a real notary-server', () => {
  let registry: Registry | undefined;
  let notary: ReturnType<typeof spawnLogged>;
  let regHost = '';
  let notaryUrl = '';
  let signed: Layout;
  // Two publishers with their own key stores (notary reuses a store's root key for every GUN).
  const trustDir = (): string => join(work, 'notary-trust');
  const otherTrustDir = (): string => join(work, 'notary-trust-other');
  const notaryEnv = {
    ...process.env,
    NOTARY_ROOT_PASSPHRASE: 'root-pass',
    NOTARY_TARGETS_PASSPHRASE: 'targets-pass',
    NOTARY_SNAPSHOT_PASSPHRASE: 'snapshot-pass',
    NOTARY_DELEGATION_PASSPHRASE: 'delegation-pass',
  };
  const notaryCli = (dir: string, ...args: string[]): string =>
    execFileSync('notary', ['-s', notaryUrl, '-d', dir, ...args], {
      env: notaryEnv,
      stdio: 'pipe',
    }).toString();
  const rootCertOf = (dir: string, gun: string): string => {
    const root = JSON.parse(readFileSync(join(dir, 'tuf', gun, 'metadata', 'root.json'), 'utf8'));
    const id = root.signed.roles.root.keyids[0];
    return Buffer.from(root.signed.keys[id].keyval.public, 'base64').toString('utf8');
  };

  beforeAll(async () => {
    const np = await freePort();
    notaryUrl = `http://127.0.0.1:${np}`;
    const dir = join(work, 'dct');
    mkdirSync(join(dir, 'data'), { recursive: true });
    writeFileSync(
      join(dir, 'notary-server.json'),
      JSON.stringify({
        server: { http_addr: `127.0.0.1:${np}` },
        trust_service: { type: 'local' },
        storage: { backend: 'memory' },
        logging: { level: 'error' },
      }),
    );
    registry = await startRegistry();
    regHost = registry.host;
    notary = spawnLogged('notary-server', ['-config', join(dir, 'notary-server.json')], dir);
    await waitReady(`${notaryUrl}/_notary_server/health`, notary.child, notary.log);

    signed = imageLayout(join(work, 'dct-v1'), 'dct one');
    skopeoCopy(signed, `${regHost}/dct/app:v1`);
    skopeoCopy(signed, `${regHost}/dct/app:unsigned-tag`);
    const gun = `${regHost}/dct/app`;
    notaryCli(trustDir(), 'init', gun);
    notaryCli(
      trustDir(),
      'addhash',
      gun,
      'v1',
      String(signed.size),
      '--sha256',
      signed.digest.slice(7),
      '--publish',
    );
    writeFileSync(join(work, 'dct-root.pem'), rootCertOf(trustDir(), gun));
    notaryCli(otherTrustDir(), 'init', `${regHost}/dct/other`, '--publish');
    writeFileSync(join(work, 'other-root.pem'), rootCertOf(otherTrustDir(), `${regHost}/dct/other`));
  });
  afterAll(async () => {
    await registry?.stop();
    await stop(notary?.child);
  });

  it('a signed tag verifies, pinned to the publisher root or on first use', async () => {
    const pinned = await runCli([
      'image',
      'verify',
      `${regHost}/dct/app:v1`,
      '--notary',
      notaryUrl,
      '--trust-root',
      join(work, 'dct-root.pem'),
      '--json',
    ]);
    expect(pinned.stderr).toBe('');
    expect(pinned.code).toBe(0);
    const v = JSON.parse(pinned.stdout);
    expect(v).toMatchObject({ status: 'verified', method: 'notary', digest: signed.digest });
    expect(v.reasons).toEqual([`tag v1 is signed in ${regHost}/dct/app by role targets`]);

    const tofu = await runCli(['image', 'verify', `${regHost}/dct/app:v1`, '--notary', notaryUrl, '--json']);
    expect(tofu.code).toBe(0);
    expect(JSON.parse(tofu.stdout).reasons.join(' ')).toMatch(/trusted on first use/);

    const byDigest = await runCli([
      'image',
      'verify',
      `${regHost}/dct/app@${signed.digest}`,
      '--notary',
      notaryUrl,
    ]);
    expect(byDigest.code).toBe(0);
    const tagAndDigest = await runCli([
      'image',
      'verify',
      `${regHost}/dct/app:v1@${signed.digest}`,
      '--notary',
      notaryUrl,
    ]);
    expect(tagAndDigest.code).toBe(0);
    // A pinned digest under a tag the collection does not sign is refused.
    const otherTag = await runCli([
      'image',
      'verify',
      `${regHost}/dct/app:unsigned-tag@${signed.digest}`,
      '--notary',
      notaryUrl,
    ]);
    expect(otherTag.code).toBe(1);
  });

  it('another root of trust, an unsigned tag and a collection with no data are refused', async () => {
    const wrongRoot = await runCli([
      'image',
      'verify',
      `${regHost}/dct/app:v1`,
      '--notary',
      notaryUrl,
      '--trust-root',
      join(work, 'other-root.pem'),
      '--json',
    ]);
    expect(wrongRoot.code).toBe(1);
    expect(JSON.parse(wrongRoot.stdout).status).toBe('untrusted');

    const tag = await runCli([
      'image',
      'verify',
      `${regHost}/dct/app:unsigned-tag`,
      '--notary',
      notaryUrl,
      '--json',
    ]);
    expect(tag.code).toBe(1);
    expect(JSON.parse(tag.stdout).status).toBe('unsigned');

    skopeoCopy(signed, `${regHost}/dct/nodata:v1`);
    const none = await runCli([
      'image',
      'verify',
      `${regHost}/dct/nodata:v1`,
      '--notary',
      notaryUrl,
      '--json',
    ]);
    expect(none.code).toBe(1);
    expect(JSON.parse(none.stdout).reasons[0]).toMatch(/has no trust data/);
  });

  it('tamper: the tag re-pushed with other content no longer matches the signed target', async () => {
    const evil = imageLayout(join(work, 'dct-evil'), 'dct evil');
    skopeoCopy(evil, `${regHost}/dct/app:v1`);
    const r = await runCli([
      'image',
      'verify',
      `${regHost}/dct/app:v1`,
      '--notary',
      notaryUrl,
      '--trust-root',
      join(work, 'dct-root.pem'),
      '--json',
    ]);
    expect(r.code).toBe(1);
    const v = JSON.parse(r.stdout);
    expect(v).toMatchObject({ status: 'mismatch', digest: evil.digest, signedDigest: signed.digest });
    expect(v.reasons[0]).toBe(
      `tag v1 now points to ${evil.digest}, but the digest signed for v1 (targets) is ${signed.digest}`,
    );
  });

  it.skipIf(!opensslPresent)(
    "a tag in Docker's targets/releases delegation wins over the base targets role",
    async () => {
      const gun = `${regHost}/dct/rel`;
      const base = imageLayout(join(work, 'dct-rel-base'), 'signed by the targets key');
      const released = imageLayout(join(work, 'dct-rel-released'), 'signed by the release key');
      skopeoCopy(released, `${gun}:v1`);
      notaryCli(trustDir(), 'init', gun, '--publish');
      notaryCli(
        trustDir(),
        'addhash',
        gun,
        'v1',
        String(base.size),
        '--sha256',
        base.digest.slice(7),
        '--publish',
      );
      const key = join(work, 'releases.key');
      execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-new',
          '-key',
          key,
          '-subj',
          '/CN=releases',
          '-days',
          '2',
          '-out',
          join(work, 'releases.crt'),
        ],
        { stdio: 'pipe' },
      );
      notaryCli(
        trustDir(),
        'delegation',
        'add',
        gun,
        'targets/releases',
        join(work, 'releases.crt'),
        '--all-paths',
        '--publish',
      );
      notaryCli(trustDir(), 'key', 'import', key, '--role', 'targets/releases');
      notaryCli(
        trustDir(),
        'addhash',
        gun,
        'v1',
        String(released.size),
        '--sha256',
        released.digest.slice(7),
        '-r',
        'targets/releases',
        '--publish',
      );

      const ok = await runCli(['image', 'verify', `${gun}:v1`, '--notary', notaryUrl, '--json']);
      expect(ok.code).toBe(0);
      expect(JSON.parse(ok.stdout).reasons[0]).toBe(`tag v1 is signed in ${gun} by role targets/releases`);
      skopeoCopy(base, `${gun}:v1`);
      const old = await runCli(['image', 'verify', `${gun}:v1`, '--notary', notaryUrl, '--json']);
      expect(old.code).toBe(1);
      expect(JSON.parse(old.stdout)).toMatchObject({ status: 'mismatch', signedDigest: released.digest });
    },
  );

  it('a policy file routes a repository to Notary', async () => {
    writeFileSync(
      join(work, 'dct-policy.yaml'),
      `rules:\n  - match: "${regHost}/dct/*"\n    notary:\n      server: ${notaryUrl}\n      trust-root: dct-root.pem\n`,
    );
    const policy = loadPolicy(join(work, 'dct-policy.yaml'));
    const v = await verifyImage(`${regHost}/dct/app@${signed.digest}`, policy);
    expect(v).toMatchObject({ status: 'verified', method: 'notary', pass: true });
  });
});
