import { describe, expect, it } from 'vitest';
import { ImageTrustMonitor, runtimeDigestFor } from './continuous.js';
import { parsePolicy } from './policy.js';
import { runtimeImageFromDocker, runtimeImagesFromPod } from './runtime.js';

const A = `sha256:${'a1'.repeat(32)}`;
const B = `sha256:${'b2'.repeat(32)}`;

describe('the digest a runtime reports', () => {
  it('is taken only from an entry for the same repository', () => {
    expect(
      runtimeDigestFor('reg.example/team/app:v1', [`reg.example/other@${B}`, `reg.example/team/app@${A}`]),
    ).toBe(A);
    expect(runtimeDigestFor('nginx:1.25', [`docker.io/library/nginx@${A}`])).toBe(A);
    expect(runtimeDigestFor('nginx', [`index.docker.io/library/nginx@${A}`])).toBe(A);
    expect(runtimeDigestFor('reg.example/team/app:v1', [`docker-pullable://reg.example/team/app@${A}`])).toBe(
      A,
    );
  });

  it('ignores image IDs, other repositories and malformed entries', () => {
    expect(runtimeDigestFor('reg.example/team/app:v1', [A])).toBeUndefined();
    expect(runtimeDigestFor('reg.example/team/app:v1', [`reg.example/team/other@${A}`])).toBeUndefined();
    expect(
      runtimeDigestFor('reg.example/team/app:v1', ['reg.example/team/app@sha256:short', 'garbage@@']),
    ).toBeUndefined();
    expect(runtimeDigestFor('reg.example/team/app:v1', [])).toBeUndefined();
  });
});

describe('adapters', () => {
  it('read a Docker container and its image', () => {
    const container = {
      Id: 'c1',
      Image: `sha256:${'9'.repeat(64)}`,
      Config: { Image: 'reg.example/app:v1' },
    };
    expect(runtimeImageFromDocker(container, { RepoDigests: [`reg.example/app@${A}`] })).toEqual({
      id: 'c1',
      image: 'reg.example/app:v1',
      digests: [`reg.example/app@${A}`],
    });
    // Docker's list entry carries the name in Image; without the image document the digest is unknown.
    expect(runtimeImageFromDocker({ Id: 'c2', Image: 'reg.example/app:v1' })).toEqual({
      id: 'c2',
      image: 'reg.example/app:v1',
    });
    // A locally built image has no RepoDigests: known to have none.
    expect(
      runtimeImageFromDocker({ Id: 'c3', Config: { Image: 'local/app' } }, { RepoDigests: null }).digests,
    ).toEqual([]);
  });

  it('name a container created from an image ID after the image', () => {
    const byId = { Id: 'c4', Config: { Image: '9'.repeat(12) } };
    expect(runtimeImageFromDocker(byId, { RepoTags: ['reg.example/app:v2'], RepoDigests: [] }).image).toBe(
      'reg.example/app:v2',
    );
  });

  it('read every container of a pod, with the pulled digest when there is one', () => {
    const pod = {
      metadata: { namespace: 'shop', name: 'api-7d9' },
      spec: {
        containers: [
          { name: 'api', image: 'reg.example/shop/api:v3' },
          { name: 'sidecar', image: 'reg.example/mesh/proxy:1' },
        ],
        initContainers: [{ name: 'migrate', image: 'reg.example/shop/migrate:v3' }],
      },
      status: {
        containerStatuses: [
          {
            name: 'api',
            image: 'reg.example/shop/api:v3',
            imageID: `docker-pullable://reg.example/shop/api@${A}`,
          },
          { name: 'sidecar', image: 'reg.example/mesh/proxy:1', imageID: '' },
        ],
        initContainerStatuses: [{ name: 'migrate', imageID: `reg.example/shop/migrate@${B}` }],
      },
    };
    expect(runtimeImagesFromPod(pod)).toEqual([
      {
        id: 'shop/api-7d9/api',
        image: 'reg.example/shop/api:v3',
        digests: [`docker-pullable://reg.example/shop/api@${A}`],
      },
      { id: 'shop/api-7d9/sidecar', image: 'reg.example/mesh/proxy:1' },
      {
        id: 'shop/api-7d9/migrate',
        image: 'reg.example/shop/migrate:v3',
        digests: [`reg.example/shop/migrate@${B}`],
      },
    ]);
    expect(runtimeImagesFromPod({})).toEqual([]);
  });
});

describe('ImageTrustMonitor without a registry', () => {
  const policy = parsePolicy(
    [
      'rules:',
      '  - match: "reg.example/dev/**"',
      '    allow-unsigned: true',
      '  - match: "reg.example/prod/**"',
      '    keys:',
      '      - |',
      '        -----BEGIN PUBLIC KEY-----',
      '        MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEXuzSjXH2ppsOHe7BF3uJV3XVQSTI',
      '        C/F9SuVRn202NRpOKUXudvdxb1/gy9Dg1i0QUzHLfmHlt6++lpzLPNlpEQ==',
      '        -----END PUBLIC KEY-----',
      '',
    ].join('\n'),
    'p.yaml',
    '.',
  );

  it('allows what the policy allows, from the cache the second time', async () => {
    let now = 0;
    const m = new ImageTrustMonitor({ policy, now: () => now, ttlMs: 10 });
    const first = await m.check({ id: 'a', image: 'reg.example/dev/tool:1' });
    expect(first).toMatchObject({ status: 'allowed', alert: false, cached: false, pass: true });
    expect((await m.check({ id: 'a', image: 'reg.example/dev/tool:1' })).cached).toBe(true);
    now = 10;
    expect((await m.check({ id: 'a', image: 'reg.example/dev/tool:1' })).cached).toBe(false);
  });

  it('alerts on images no rule covers and on locally built images under a keys rule', async () => {
    const m = new ImageTrustMonitor({ policy });
    expect(await m.check({ id: 'b', image: 'elsewhere.example/x:1' })).toMatchObject({
      status: 'not-covered',
      alert: true,
    });
    expect(await m.check({ id: 'c', image: 'reg.example/prod/api:v1', digests: [] })).toMatchObject({
      status: 'unsigned',
      alert: true,
      reasons: [
        'the runtime reports no registry digest for reg.example/prod/api:v1 (built or loaded locally?)',
      ],
    });
  });

  it('reports an unreadable image name as an error, not an alert, and does not cache it', async () => {
    const m = new ImageTrustMonitor({ policy });
    const v = await m.check({ id: 'd', image: 'Not An Image' });
    expect(v).toMatchObject({ status: 'error', alert: false, error: { code: 'bad-ref', remote: false } });
    expect((await m.check({ id: 'd', image: 'Not An Image' })).cached).toBe(false);
    expect(m.tracked().map((t) => t.id)).toEqual(['d']);
  });
});
