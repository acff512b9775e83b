import { isSha256Digest } from './image-ref.js';

/** The payload media type cosign gives the signed blob. */
export const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
/** `critical.type` of cosign signatures. */
export const COSIGN_SIGNATURE_TYPE = 'cosign container image signature';
/** Payloads are a few hundred bytes; anything near this is not a signature. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

export interface SimpleSigningClaims {
  /** `critical.identity.docker-reference`: the name the signer signed, maybe with a tag. */
  dockerReference: string;
  /** `critical.image.docker-manifest-digest`. */
  manifestDigest: string;
  type: string;
  optional: Record<string, unknown> | null;
}

/**
 * The simple-signing JSON (containers-signature(5), as cosign uses it), with keys in the order cosign
 * writes them. `optional` holds the signer's annotations, or null.
 */
export function buildSimpleSigningPayload(
  dockerReference: string,
  manifestDigest: string,
  optional: Record<string, string> | null,
): Buffer {
  const payload = {
    critical: {
      identity: { 'docker-reference': dockerReference },
      image: { 'docker-manifest-digest': manifestDigest },
      type: COSIGN_SIGNATURE_TYPE,
    },
    optional: optional !== null && Object.keys(optional).length > 0 ? optional : null,
  };
  return Buffer.from(JSON.stringify(payload), 'utf8');
}

export type ParsedPayload = { ok: true; claims: SimpleSigningClaims } | { ok: false; reason: string };

/**
 * Reads the claims of a payload. Keys are matched without regard to case, as Go's JSON decoder
 * (and so cosign) does: `Docker-manifest-digest` appears in cosign's own documentation.
 */
export function parseSimpleSigningPayload(bytes: Buffer): ParsedPayload {
  if (bytes.length > MAX_PAYLOAD_BYTES)
    return { ok: false, reason: `payload larger than ${MAX_PAYLOAD_BYTES} bytes` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { ok: false, reason: 'payload is not JSON' };
  }
  const critical = field(parsed, 'critical');
  if (!isObject(critical)) return { ok: false, reason: 'payload has no "critical" object' };
  const type = field(critical, 'type');
  if (typeof type !== 'string') return { ok: false, reason: 'payload has no critical.type' };
  const digest = field(field(critical, 'image'), 'docker-manifest-digest');
  if (typeof digest !== 'string')
    return { ok: false, reason: 'payload has no critical.image.docker-manifest-digest' };
  if (!isSha256Digest(digest)) return { ok: false, reason: 'payload digest is not sha256:<64 hex>' };
  const identity = field(critical, 'identity');
  const reference = identity === undefined || identity === null ? '' : field(identity, 'docker-reference');
  if (typeof reference !== 'string')
    return { ok: false, reason: 'critical.identity.docker-reference is not a string' };
  const optional = field(parsed, 'optional');
  if (optional !== undefined && optional !== null && !isObject(optional)) {
    return { ok: false, reason: 'payload "optional" is not an object' };
  }
  return {
    ok: true,
    claims: {
      dockerReference: reference,
      manifestDigest: digest,
      type,
      optional: isObject(optional) ? optional : null,
    },
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An object's field by case-insensitive name; an exact match wins over others. */
function field(obj: unknown, name: string): unknown {
  if (!isObject(obj)) return undefined;
  if (Object.hasOwn(obj, name)) return obj[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}
