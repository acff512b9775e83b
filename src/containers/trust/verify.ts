import { readSignatures } from './cosign.js';
import { TrustError } from './errors.js';
import { formatImageRef, parseImageRef, repositoryName, type ImageRef } from './image-ref.js';
import { verifyBytes } from './keys.js';
import { fetchTrustMetadata, verifyTrustMetadata } from './notary.js';
import { matchRule, type TrustPolicy, type TrustRule } from './policy.js';
import { RegistryClient, type RegistryOptions } from './registry.js';
import { COSIGN_SIGNATURE_TYPE } from './simple-signing.js';

/**
 * - verified: signed by the policy's keys (or in the Notary collection) for exactly this digest;
 * - allowed: the matching rule (or `unmatched: allow`) lets it run unsigned;
 * - unsigned: no signature at all for this digest;
 * - untrusted: signed, but by no trusted key (or too few of them);
 * - mismatch: a trusted signature exists but names another digest or repository, or the tag's
 *   signed digest is not the one checked (a tag re-pushed after signing, a pin);
 * - invalid: signatures or metadata that are malformed, corrupt or expired;
 * - not-covered: no rule matches and the policy rejects unmatched images;
 * - error: the check could not be made (registry unreachable, bad input).
 */
export type VerdictStatus =
  'verified' | 'allowed' | 'unsigned' | 'untrusted' | 'mismatch' | 'invalid' | 'not-covered' | 'error';

export interface KeyRef {
  label: string;
  fingerprint: string;
}

/** What one stored signature (one layer of the `.sig` manifest) turned out to be. */
export interface SignatureFinding {
  layer: number;
  outcome: 'valid' | 'untrusted' | 'invalid' | 'other-digest' | 'other-identity';
  payloadDigest: string;
  key?: KeyRef;
  /** The digest the payload names. */
  signedDigest?: string;
  dockerReference?: string;
  reason?: string;
}

export interface Verdict {
  status: VerdictStatus;
  /** Whether a gate should let the image through: verified or allowed. */
  pass: boolean;
  /** The reference checked, normalized. */
  image: string;
  repository: string;
  tag?: string;
  /** The digest whose signatures were checked. */
  digest?: string;
  /** What the tag points to in the registry now, when it was looked up. */
  currentDigest?: string;
  /** The digest signed for this tag, when it differs from `digest`. */
  signedDigest?: string;
  method: 'cosign' | 'notary' | 'none';
  /** The policy rule that applied: `file:line match`. */
  rule?: string;
  /** Keys whose signatures verified (cosign), or root keys of the collection (Notary). */
  signers: KeyRef[];
  /** Why, most important first. */
  reasons: string[];
  signatures: SignatureFinding[];
  error?: { code: string; remote: boolean };
}

export interface VerifyOptions {
  registry?: RegistryOptions;
  /**
   * The digest a container runtime reports for this image (Docker's RepoDigests, a pod's
   * imageID). It is what gets checked; the tag is only the claim it is compared with.
   */
  runtimeDigest?: string;
  now?: () => Date;
  /** When a digest has no trusted signature, look for the tag's signed digest among the others. */
  scanRepository?: boolean;
  /** Registry clients to reuse (they keep auth tokens), by registry name. */
  clients?: Map<string, RegistryClient>;
}

/** At most this many other `.sig` tags are read when looking for the tag's signed digest. */
export const MAX_SCANNED_SIGNATURES = 20;
/** ... and of each, this many signatures: a scan costs at most 20 × (1 + 8) registry reads. */
const SCAN_LAYERS_PER_DIGEST = 8;

/**
 * Checks an image against a policy. Never throws for remote or input problems: they come back as
 * an `error` verdict whose `error.remote` tells a retryable outage from bad input.
 */
export async function verifyImage(
  image: string | ImageRef,
  policy: TrustPolicy,
  options: VerifyOptions = {},
): Promise<Verdict> {
  let ref: ImageRef;
  try {
    ref = typeof image === 'string' ? parseImageRef(image) : image;
  } catch (e) {
    return errorVerdict(String(image), '', e);
  }
  const base = baseVerdict(ref);
  try {
    if (options.runtimeDigest !== undefined && !/^sha256:[a-f0-9]{64}$/.test(options.runtimeDigest)) {
      throw new TrustError(
        'usage',
        `runtime digest is not sha256:<64 hex>: ${options.runtimeDigest.slice(0, 80)}`,
      );
    }
    const rule = matchRule(policy, base.repository);
    if (rule === undefined) {
      const pass = policy.unmatched === 'allow';
      return {
        ...base,
        status: pass ? 'allowed' : 'not-covered',
        pass,
        reasons: [
          `no rule in ${policy.source} matches ${base.repository}; unmatched images are ${policy.unmatched}ed`,
        ],
      };
    }
    const ruleText = `${rule.where} ${rule.match}`;
    const client = clientFor(ref.registry, options);
    // A pin holds whatever the rule's kind: the tag must resolve to the pinned digest.
    const pinned = await checkPin(client, ref, rule, options);
    const method = rule.kind === 'notary' ? 'notary' : rule.kind === 'keys' ? 'cosign' : 'none';
    if (pinned !== undefined) return { ...base, ...pinned, rule: ruleText, method };
    if (rule.kind === 'allow-unsigned') {
      return {
        ...base,
        status: 'allowed',
        pass: true,
        rule: ruleText,
        reasons: [`${ruleText} allows unsigned images`],
      };
    }
    const v =
      rule.kind === 'notary'
        ? await verifyNotary(client, ref, rule, options)
        : await verifyCosign(client, ref, rule, options);
    return { ...base, ...v, rule: ruleText };
  } catch (e) {
    return {
      ...errorVerdict(base.image, base.repository, e),
      ...(ref.tag !== undefined ? { tag: ref.tag } : {}),
    };
  }
}

/** What a check contributes to a verdict. */
type Outcome = Partial<Verdict> & Pick<Verdict, 'status' | 'pass' | 'reasons'>;

function baseVerdict(ref: ImageRef): Verdict {
  const v: Verdict = {
    status: 'error',
    pass: false,
    image: formatImageRef(ref),
    repository: repositoryName(ref),
    method: 'none',
    signers: [],
    reasons: [],
    signatures: [],
  };
  if (ref.tag !== undefined) v.tag = ref.tag;
  if (ref.digest !== undefined) v.digest = ref.digest;
  return v;
}

function errorVerdict(image: string, repository: string, e: unknown): Verdict {
  const err = e instanceof TrustError ? e : undefined;
  if (err === undefined && !(e instanceof Error)) throw e;
  return {
    status: 'error',
    pass: false,
    image,
    repository,
    method: 'none',
    signers: [],
    reasons: [(e as Error).message],
    signatures: [],
    error: { code: err?.code ?? 'internal', remote: err?.remote ?? false },
  };
}

function clientFor(registry: string, options: VerifyOptions): RegistryClient {
  const pool = options.clients;
  let c = pool?.get(registry);
  if (c === undefined) {
    c = new RegistryClient(registry, options.registry ?? {});
    pool?.set(registry, c);
  }
  return c;
}

/**
 * The digest that is checked: pinned in the reference (fetched, so the registry must hold it and
 * serve matching bytes), reported by the runtime, or what the tag resolves to now. With a runtime
 * digest the tag is still resolved, to tell a stale or swapped container from the registry's view.
 */
async function subjectDigest(
  client: RegistryClient,
  ref: ImageRef,
  options: VerifyOptions,
): Promise<{ digest: string; current?: string; size?: number; notes: string[] }> {
  if (ref.digest !== undefined) {
    const m = await client.resolve(ref);
    return { digest: m.digest, size: m.size, notes: [] };
  }
  if (options.runtimeDigest !== undefined) {
    try {
      const current = (await client.resolve(ref)).digest;
      const notes = current !== options.runtimeDigest ? [`tag ${ref.tag} now points to ${current}`] : [];
      return { digest: options.runtimeDigest, current, notes };
    } catch (e) {
      if (!(e instanceof TrustError)) throw e;
      return { digest: options.runtimeDigest, notes: [`could not resolve tag ${ref.tag} now: ${e.message}`] };
    }
  }
  const m = await client.resolve(ref);
  return { digest: m.digest, current: m.digest, size: m.size, notes: [] };
}

async function checkPin(
  client: RegistryClient,
  ref: ImageRef,
  rule: TrustRule,
  options: VerifyOptions,
): Promise<Outcome | undefined> {
  const pin = ref.tag !== undefined ? rule.pins.get(ref.tag) : undefined;
  if (pin === undefined) return undefined;
  const { digest, current } = await subjectDigest(client, ref, options);
  if (digest === pin) return undefined;
  return {
    status: 'mismatch',
    pass: false,
    digest,
    ...(current !== undefined ? { currentDigest: current } : {}),
    signedDigest: pin,
    reasons: [`tag ${ref.tag} is pinned to ${pin} in ${rule.where}, but the image is ${digest}`],
  };
}

interface DigestCheck {
  findings: SignatureFinding[];
  found: boolean;
  skipped: number;
}

/** Reads and judges every stored signature of one digest against the rule's keys. */
async function checkDigest(
  client: RegistryClient,
  ref: ImageRef,
  digest: string,
  rule: TrustRule,
  maxLayers?: number,
): Promise<DigestCheck> {
  const stored = await readSignatures(client, ref.repository, digest, maxLayers);
  const findings: SignatureFinding[] = [];
  for (const layer of stored.layers) {
    const f: SignatureFinding = {
      layer: layer.index,
      payloadDigest: layer.payloadDigest,
      outcome: 'invalid',
    };
    if (layer.claims !== undefined) {
      f.signedDigest = layer.claims.manifestDigest;
      f.dockerReference = layer.claims.dockerReference;
    }
    if (layer.payload === undefined || layer.signature === undefined) {
      f.reason = layer.problem ?? 'unreadable signature layer';
      findings.push(f);
      continue;
    }
    const key = rule.keys.find((k) => verifyBytes(k.key, layer.payload!, layer.signature!));
    if (key === undefined) {
      f.outcome = 'untrusted';
      f.reason = 'signed by none of the trusted keys' + (layer.problem ? ` (${layer.problem})` : '');
    } else {
      f.key = { label: key.label, fingerprint: key.fingerprint };
      const claims = layer.claims;
      if (claims === undefined) f.reason = layer.problem ?? 'payload unreadable';
      else if (claims.type !== COSIGN_SIGNATURE_TYPE)
        f.reason = `payload type is "${claims.type.slice(0, 80)}"`;
      else if (claims.manifestDigest !== digest) {
        f.outcome = 'other-digest';
        f.reason = `the payload stored for ${digest} names ${claims.manifestDigest}`;
      } else if (rule.identity === 'repository' && !sameRepository(claims.dockerReference, ref)) {
        f.outcome = 'other-identity';
        f.reason =
          claims.dockerReference.length === 0
            ? 'the payload names no repository'
            : `signed for ${claims.dockerReference.slice(0, 200)}, not ${repositoryName(ref)}`;
      } else f.outcome = 'valid';
    }
    findings.push(f);
  }
  return { findings, found: stored.manifest !== null, skipped: stored.skipped };
}

function sameRepository(dockerReference: string, ref: ImageRef): boolean {
  try {
    return repositoryName(parseImageRef(dockerReference)) === repositoryName(ref);
  } catch {
    return false;
  }
}

/** The tag a signature's docker-reference claims, if it names one and this repository. */
function claimedTag(dockerReference: string | undefined, ref: ImageRef): string | undefined {
  if (dockerReference === undefined || !/:[^/]+$/.test(dockerReference)) return undefined;
  try {
    const r = parseImageRef(dockerReference);
    return repositoryName(r) === repositoryName(ref) && r.digest === undefined ? r.tag : undefined;
  } catch {
    return undefined;
  }
}

function judge(check: DigestCheck, rule: TrustRule): Outcome {
  const valid = check.findings.filter((f) => f.outcome === 'valid');
  const signers = new Map<string, KeyRef>();
  for (const f of valid) signers.set(f.key!.fingerprint, f.key!);
  const base = { signatures: check.findings, signers: [...signers.values()] };
  const extra = check.skipped > 0 ? [`${check.skipped} further signatures were not read`] : [];
  if (signers.size >= rule.threshold) {
    const names = [...signers.values()].map((k) => `${k.label} (${k.fingerprint.slice(0, 16)})`).join(', ');
    return { ...base, status: 'verified', pass: true, reasons: [`signed by ${names}`, ...extra] };
  }
  if (signers.size > 0) {
    return {
      ...base,
      status: 'untrusted',
      pass: false,
      reasons: [`signed by ${signers.size} of the ${rule.threshold} distinct keys required`, ...extra],
    };
  }
  const first = (o: SignatureFinding['outcome']): SignatureFinding | undefined =>
    check.findings.find((f) => f.outcome === o);
  const otherDigest = first('other-digest');
  if (otherDigest !== undefined) {
    return {
      ...base,
      status: 'mismatch',
      pass: false,
      signedDigest: otherDigest.signedDigest!,
      reasons: [otherDigest.reason!, ...extra],
    };
  }
  const otherIdentity = first('other-identity');
  if (otherIdentity !== undefined)
    return { ...base, status: 'mismatch', pass: false, reasons: [otherIdentity.reason!] };
  const invalid = first('invalid');
  if (invalid !== undefined) {
    return {
      ...base,
      status: 'invalid',
      pass: false,
      reasons: [`invalid signature: ${invalid.reason}`, ...extra],
    };
  }
  if (check.findings.length > 0) {
    return {
      ...base,
      status: 'untrusted',
      pass: false,
      reasons: [`${check.findings.length} signature(s), none by a trusted key`, ...extra],
    };
  }
  return {
    ...base,
    status: 'unsigned',
    pass: false,
    reasons: [
      check.found ? 'the signature manifest holds no signatures' : 'no signature is stored for this digest',
    ],
  };
}

async function verifyCosign(
  client: RegistryClient,
  ref: ImageRef,
  rule: TrustRule,
  options: VerifyOptions,
): Promise<Outcome> {
  const subject = await subjectDigest(client, ref, options);
  const digest = subject.digest;
  const check = await checkDigest(client, ref, digest, rule);
  const judged = judge(check, rule);
  const verdict: Outcome = {
    ...judged,
    reasons: [...judged.reasons, ...subject.notes],
    method: 'cosign',
    digest,
  };
  if (subject.current !== undefined) verdict.currentDigest = subject.current;
  if (verdict.status !== 'unsigned' && verdict.status !== 'untrusted') return verdict;
  if (ref.tag === undefined || ref.digest !== undefined) return verdict;
  // No trusted signature for this digest. Was a different digest signed for the same tag?
  const found = await findSignedDigestForTag(client, ref, rule, digest, subject.current, options, verdict);
  if (found === undefined) return verdict;
  return {
    ...verdict,
    status: 'mismatch',
    pass: false,
    signedDigest: found.digest,
    reasons: [found.reason, ...verdict.reasons],
  };
}

async function findSignedDigestForTag(
  client: RegistryClient,
  ref: ImageRef,
  rule: TrustRule,
  digest: string,
  current: string | undefined,
  options: VerifyOptions,
  verdict: Outcome,
): Promise<{ digest: string; reason: string } | undefined> {
  const tag = ref.tag!;
  const checked = new Set([digest]);
  // A container runs one digest; the registry's tag may point to another, signed one.
  if (current !== undefined && current !== digest) {
    checked.add(current);
    if (judge(await checkDigest(client, ref, current, rule), rule).status === 'verified') {
      return {
        digest: current,
        reason: `running digest ${digest} is not the signed digest ${current} that tag ${tag} points to`,
      };
    }
  }
  if (options.scanRepository === false) return undefined;
  const tags = await client.listTags(ref.repository);
  const sigDigests = tags
    .map((t) => /^sha256-([a-f0-9]{64})\.sig$/.exec(t)?.[1])
    .filter((h): h is string => h !== undefined)
    .map((h) => `sha256:${h}`)
    .filter((d) => !checked.has(d));
  const others: string[] = [];
  for (const other of sigDigests.slice(0, MAX_SCANNED_SIGNATURES)) {
    const check = await checkDigest(client, ref, other, rule, SCAN_LAYERS_PER_DIGEST);
    const valid = check.findings.filter((f) => f.outcome === 'valid');
    if (valid.length === 0) continue;
    if (valid.some((f) => claimedTag(f.dockerReference, ref) === tag)) {
      return {
        digest: other,
        reason:
          options.runtimeDigest !== undefined
            ? `running digest ${digest} is not the digest signed for tag ${tag}, ${other}`
            : `tag ${tag} now points to ${digest}, but the digest signed for ${tag} was ${other}`,
      };
    }
    others.push(other);
  }
  if (others.length > 0) {
    verdict.reasons.push(
      `${others.length} other digest(s) in ${repositoryName(ref)} carry trusted signatures that do not name tag ${tag}`,
    );
  }
  if (sigDigests.length > MAX_SCANNED_SIGNATURES) {
    verdict.reasons.push(
      `only ${MAX_SCANNED_SIGNATURES} of ${sigDigests.length} other signature tags were read`,
    );
  }
  return undefined;
}

async function verifyNotary(
  client: RegistryClient,
  ref: ImageRef,
  rule: TrustRule,
  options: VerifyOptions,
): Promise<Outcome> {
  const notary = rule.notary!;
  const gun = repositoryName(ref);
  const creds = options.registry?.credentials?.(ref.registry);
  const meta = await fetchTrustMetadata(notary.server, gun, {
    tlsNoVerify: notary.tlsNoVerify,
    ...(options.registry?.timeoutMs !== undefined ? { timeoutMs: options.registry.timeoutMs } : {}),
    ...(creds !== undefined ? { credentials: creds } : {}),
  });
  const method = 'notary' as const;
  if (meta === null) {
    return {
      method,
      status: 'unsigned',
      pass: false,
      reasons: [`${notary.server} has no trust data for ${gun}`],
    };
  }
  const check = verifyTrustMetadata(meta, { rootKeys: notary.rootKeys, now: options.now?.() ?? new Date() });
  if (!check.ok) return { method, status: check.status, pass: false, reasons: [check.reason] };
  const collection = check.collection;
  const signers = collection.rootKeys.map((f) => ({ label: `${gun} root`, fingerprint: f }));
  const subject = await subjectDigest(client, ref, options);
  const notes = [
    ...(collection.rootPinned ? [] : ['the collection root was trusted on first use (no trust root given)']),
    ...subject.notes,
  ];
  const hex = subject.digest.slice('sha256:'.length);
  const current = subject.current !== undefined ? { currentDigest: subject.current } : {};

  if (ref.tag === undefined) {
    const names = collection
      .all()
      .filter((t) => t.sha256 === hex)
      .map((t) => t.name);
    if (names.length === 0) {
      return {
        method,
        signers,
        digest: subject.digest,
        status: 'unsigned',
        pass: false,
        reasons: ['no signed tag has this digest', ...notes],
      };
    }
    return {
      method,
      signers,
      digest: subject.digest,
      status: 'verified',
      pass: true,
      reasons: [`signed in ${gun} as ${[...new Set(names)].join(', ')}`, ...notes],
    };
  }
  const target = collection.lookup(ref.tag);
  if (target === undefined) {
    return {
      method,
      signers,
      digest: subject.digest,
      ...current,
      status: 'unsigned',
      pass: false,
      reasons: [`tag ${ref.tag} has no signed target in ${gun}`, ...notes],
    };
  }
  const signed = `sha256:${target.sha256}`;
  if (signed !== subject.digest) {
    const what =
      options.runtimeDigest !== undefined
        ? `running digest ${subject.digest}`
        : `tag ${ref.tag} now points to ${subject.digest}`;
    return {
      method,
      signers,
      digest: subject.digest,
      ...current,
      signedDigest: signed,
      status: 'mismatch',
      pass: false,
      reasons: [`${what}, but the digest signed for ${ref.tag} (${target.role}) is ${signed}`, ...notes],
    };
  }
  if (subject.size !== undefined && subject.size !== target.length) {
    return {
      method,
      signers,
      digest: subject.digest,
      status: 'invalid',
      pass: false,
      reasons: [`manifest is ${subject.size} bytes, the signed target ${target.length}`],
    };
  }
  return {
    method,
    signers,
    digest: subject.digest,
    ...current,
    status: 'verified',
    pass: true,
    reasons: [`tag ${ref.tag} is signed in ${gun} by role ${target.role}`, ...notes],
  };
}
