import { createPublicKey, type KeyObject } from 'node:crypto';
import { TrustError } from './errors.js';
import { repositoryName, signatureTag, type ImageRef } from './image-ref.js';
import { signBytes, verifyBytes } from './keys.js';
import { MediaTypes, type Descriptor, type Manifest, type RegistryClient } from './registry.js';
import {
  buildSimpleSigningPayload,
  MAX_PAYLOAD_BYTES,
  parseSimpleSigningPayload,
  SIMPLE_SIGNING_MEDIA_TYPE,
  type SimpleSigningClaims,
} from './simple-signing.js';

/** The layer annotation that carries the base64 signature of the layer's payload. */
export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
/** A signature manifest with more layers than this is read only this far. */
export const MAX_SIGNATURE_LAYERS = 64;

export interface SignResult {
  /** The manifest digest that was signed. */
  digest: string;
  /** `registry/repository:sha256-<hex>.sig`. */
  signatureRef: string;
  signatureManifestDigest: string;
  payloadDigest: string;
  dockerReference: string;
  /** Signatures in the manifest after this one was added. */
  layers: number;
  /** False when an equal signature by the same key was already there. */
  added: boolean;
}

/**
 * Signs the digest a reference resolves to and stores the signature the way cosign does: the
 * simple-signing payload as a blob, referenced as a layer of an OCI image manifest tagged
 * `sha256-<hex>.sig` in the same repository, with the signature in the layer's annotation.
 * Signatures already stored for that digest are kept (one layer each).
 */
export async function signImage(
  client: RegistryClient,
  ref: ImageRef,
  key: KeyObject,
  annotations: Record<string, string> = {},
): Promise<SignResult> {
  const image = await client.resolve(ref);
  const digest = image.digest;
  // The claim names the tag when one was given, as containers/image does; cosign ignores it.
  const dockerReference =
    ref.tag !== undefined && ref.digest === undefined
      ? `${repositoryName(ref)}:${ref.tag}`
      : repositoryName(ref);
  const payload = buildSimpleSigningPayload(dockerReference, digest, annotations);
  const signature = signBytes(key, payload).toString('base64');
  const tag = signatureTag(digest);

  const existing = await client.getManifest(ref.repository, tag);
  const kept = existing === null ? [] : existingLayers(existing);
  const payloadDigest = await client.pushBlob(ref.repository, payload);
  const duplicate = kept.some((l) => l.digest === payloadDigest && sameKeySigned(l, payload, key));
  const layers: Descriptor[] = duplicate
    ? kept
    : [
        ...kept,
        {
          mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
          size: payload.length,
          digest: payloadDigest,
          annotations: { [SIGNATURE_ANNOTATION]: signature },
        },
      ];

  const config = Buffer.from(
    JSON.stringify({
      architecture: '',
      os: '',
      config: {},
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
    }),
  );
  const configDigest = await client.pushBlob(ref.repository, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: { mediaType: MediaTypes.ociConfig, size: config.length, digest: configDigest },
      layers,
    }),
  );
  const manifestDigest = await client.putManifest(ref.repository, tag, manifest, MediaTypes.ociManifest);
  return {
    digest,
    signatureRef: `${repositoryName(ref)}:${tag}`,
    signatureManifestDigest: manifestDigest,
    payloadDigest,
    dockerReference,
    layers: layers.length,
    added: !duplicate,
  };
}

function existingLayers(m: Manifest): Descriptor[] {
  if (m.json.manifests !== undefined || m.json.layers === undefined) {
    throw new TrustError(
      'bad-response',
      `the existing signature tag holds an index, not a signature manifest`,
    );
  }
  return m.json.layers.map((l) => ({ ...l }));
}

function sameKeySigned(layer: Descriptor, payload: Buffer, key: KeyObject): boolean {
  const sig = layer.annotations?.[SIGNATURE_ANNOTATION];
  if (sig === undefined) return false;
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return verifyBytes(pub, payload, Buffer.from(sig, 'base64'));
}

/** One layer of a signature manifest, as read: payload and signature bytes, or why not. */
export interface SignatureLayer {
  index: number;
  payloadDigest: string;
  payload?: Buffer;
  signature?: Buffer;
  claims?: SimpleSigningClaims;
  /** Why this layer cannot be a valid signature, before any key is tried. */
  problem?: string;
}

export interface StoredSignatures {
  /** The `.sig` manifest, or null when the image has none. */
  manifest: Manifest | null;
  layers: SignatureLayer[];
  /** Layers beyond MAX_SIGNATURE_LAYERS that were not read. */
  skipped: number;
}

/** Reads the cosign signatures stored for a digest (tag-based discovery). */
export async function readSignatures(
  client: RegistryClient,
  repository: string,
  digest: string,
  maxLayers = MAX_SIGNATURE_LAYERS,
): Promise<StoredSignatures> {
  const manifest = await client.getManifest(repository, signatureTag(digest));
  if (manifest === null) return { manifest: null, layers: [], skipped: 0 };
  const all = manifest.json.layers;
  if (all === undefined) {
    return {
      manifest,
      layers: [{ index: 0, payloadDigest: '', problem: 'the signature tag holds no layers (an index?)' }],
      skipped: 0,
    };
  }
  const layers: SignatureLayer[] = [];
  for (const [index, d] of all.slice(0, maxLayers).entries()) {
    layers.push(await readLayer(client, repository, index, d));
  }
  return { manifest, layers, skipped: Math.max(0, all.length - maxLayers) };
}

async function readLayer(
  client: RegistryClient,
  repository: string,
  index: number,
  d: Descriptor,
): Promise<SignatureLayer> {
  const base = { index, payloadDigest: d.digest };
  if (d.mediaType !== SIMPLE_SIGNING_MEDIA_TYPE)
    return { ...base, problem: `layer media type is ${d.mediaType}` };
  const sigText = d.annotations?.[SIGNATURE_ANNOTATION];
  if (sigText === undefined) return { ...base, problem: `layer has no ${SIGNATURE_ANNOTATION} annotation` };
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(sigText) || sigText.length % 4 !== 0) {
    return { ...base, problem: 'signature annotation is not base64' };
  }
  if (!d.digest.startsWith('sha256:')) return { ...base, problem: 'payload digest is not sha256' };
  if (d.size > MAX_PAYLOAD_BYTES) return { ...base, problem: `payload is ${d.size} bytes, over the limit` };
  let payload: Buffer | null;
  try {
    payload = await client.getBlob(repository, d.digest, MAX_PAYLOAD_BYTES);
  } catch (e) {
    if (e instanceof TrustError && e.code === 'bad-response') return { ...base, problem: e.message };
    throw e;
  }
  if (payload === null) return { ...base, problem: 'payload blob is missing from the registry' };
  if (payload.length !== d.size) return { ...base, problem: 'payload size differs from the layer size' };
  const parsed = parseSimpleSigningPayload(payload);
  const layer: SignatureLayer = { ...base, payload, signature: Buffer.from(sigText, 'base64') };
  if (parsed.ok) layer.claims = parsed.claims;
  else layer.problem = parsed.reason;
  return layer;
}
