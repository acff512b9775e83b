import { describe, expect, it } from 'vitest';
import {
  buildSimpleSigningPayload,
  COSIGN_SIGNATURE_TYPE,
  MAX_PAYLOAD_BYTES,
  parseSimpleSigningPayload,
} from './simple-signing.js';

const D = `sha256:${'ab'.repeat(32)}`;

describe('simple-signing payloads', () => {
  it('are written byte for byte as cosign writes them', () => {
    expect(buildSimpleSigningPayload('reg.example/team/app', D, null).toString()).toBe(
      `{"critical":{"identity":{"docker-reference":"reg.example/team/app"},"image":{"docker-manifest-digest":"${D}"},"type":"cosign container image signature"},"optional":null}`,
    );
    expect(JSON.parse(buildSimpleSigningPayload('r/a:v1', D, { build: '42' }).toString()).optional).toEqual({
      build: '42',
    });
    expect(JSON.parse(buildSimpleSigningPayload('r/a', D, {}).toString()).optional).toBeNull();
  });

  it('parse back to their claims', () => {
    expect(parseSimpleSigningPayload(buildSimpleSigningPayload('r/a:v1', D, { k: 'v' }))).toEqual({
      ok: true,
      claims: {
        dockerReference: 'r/a:v1',
        manifestDigest: D,
        type: COSIGN_SIGNATURE_TYPE,
        optional: { k: 'v' },
      },
    });
  });

  it("match keys without regard to case, as cosign's Go decoder does", () => {
    const payload = `{"Critical":{"Identity":{"docker-reference":""},"Image":{"Docker-manifest-digest":"${D}"},"Type":"cosign container image signature"},"Optional":null}`;
    const parsed = parseSimpleSigningPayload(Buffer.from(payload));
    expect(parsed).toEqual({
      ok: true,
      claims: { dockerReference: '', manifestDigest: D, type: COSIGN_SIGNATURE_TYPE, optional: null },
    });
  });

  it.each([
    ['not json', 'payload is not JSON'],
    ['[]', 'no "critical" object'],
    ['{"critical":{"image":{"docker-manifest-digest":"x"}}}', 'no critical.type'],
    ['{"critical":{"type":"t"}}', 'no critical.image.docker-manifest-digest'],
    ['{"critical":{"type":"t","image":{"docker-manifest-digest":"sha256:abc"}}}', 'not sha256:<64 hex>'],
    [
      `{"critical":{"type":"t","image":{"docker-manifest-digest":"${D}"},"identity":{"docker-reference":7}}}`,
      'not a string',
    ],
    [
      `{"critical":{"type":"t","image":{"docker-manifest-digest":"${D}"}},"optional":[1]}`,
      '"optional" is not an object',
    ],
  ])('refuse %s', (text, reason) => {
    const parsed = parseSimpleSigningPayload(Buffer.from(text));
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toContain(reason);
  });

  it('refuse oversized payloads before parsing', () => {
    const parsed = parseSimpleSigningPayload(Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20));
    expect(!parsed.ok && parsed.reason).toMatch(/larger than/);
  });
});
