/**
 * Image trust: sign image digests in cosign's format, verify them (or Docker Content Trust data
 * from a Notary server) against a policy, and keep verifying what containers run.
 */
export { TrustError, type TrustErrorCode } from './errors.js';
export { parseImageRef, formatImageRef, repositoryName, signatureTag, type ImageRef } from './image-ref.js';
export {
  RegistryClient,
  MediaTypes,
  sha256Digest,
  type RegistryOptions,
  type Manifest,
  type Descriptor,
} from './registry.js';
export { credentialsFromAuthFile, type Credentials } from './auth.js';
export {
  generateSigningKeyPair,
  loadPrivateKey,
  loadPublicKeys,
  fingerprintOf,
  type TrustedKey,
  type GeneratedKeyPair,
} from './keys.js';
export { signImage, readSignatures, SIGNATURE_ANNOTATION, type SignResult } from './cosign.js';
export {
  buildSimpleSigningPayload,
  parseSimpleSigningPayload,
  SIMPLE_SIGNING_MEDIA_TYPE,
  COSIGN_SIGNATURE_TYPE,
} from './simple-signing.js';
export {
  loadPolicy,
  parsePolicy,
  matchRule,
  keysPolicy,
  notaryPolicy,
  type TrustPolicy,
  type TrustRule,
  type NotaryTrust,
} from './policy.js';
export {
  verifyImage,
  type Verdict,
  type VerdictStatus,
  type VerifyOptions,
  type SignatureFinding,
} from './verify.js';
export {
  ImageTrustMonitor,
  runtimeDigestFor,
  type RuntimeImage,
  type MonitorVerdict,
  type MonitorOptions,
} from './continuous.js';
export {
  fetchTrustMetadata,
  verifyTrustMetadata,
  type TrustMetadata,
  type VerifiedCollection,
} from './notary.js';
export { exitCodeFor, ExitCodes } from './exit-codes.js';
export {
  runtimeImageFromDocker,
  runtimeImagesFromPod,
  type DockerContainerDoc,
  type DockerImageDoc,
  type PodDoc,
} from './runtime.js';
