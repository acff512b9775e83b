import type { Command, CommanderError } from 'commander';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import {
  credentialsFromAuthFile,
  ExitCodes,
  exitCodeFor,
  formatImageRef,
  generateSigningKeyPair,
  keysPolicy,
  loadPolicy,
  loadPrivateKey,
  loadPublicKeys,
  notaryPolicy,
  parseImageRef,
  RegistryClient,
  signImage,
  TrustError,
  verifyImage,
  type Credentials,
  type RegistryOptions,
  type TrustedKey,
  type TrustPolicy,
  type Verdict,
} from '../../containers/trust/index.js';

const PASSWORD_ENV = 'VIGIL_IMAGE_KEY_PASSWORD';

interface RegistryFlags {
  insecure?: boolean;
  tlsNoVerify?: boolean;
  authFile?: string;
}

interface VerifyFlags extends RegistryFlags {
  key: string[];
  policy?: string;
  notary?: string;
  trustRoot?: string;
  anyIdentity?: boolean;
  runtimeDigest?: string;
  json?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Registry options from flags; credentials from VIGIL_REGISTRY_USERNAME/PASSWORD for the image's registry only. */
function registryOptions(flags: RegistryFlags, imageRegistry: string | undefined): RegistryOptions {
  const envUser = process.env.VIGIL_REGISTRY_USERNAME;
  const envPass = process.env.VIGIL_REGISTRY_PASSWORD;
  const credentials = (registry: string): Credentials | undefined => {
    if (registry === imageRegistry && envUser && envPass !== undefined) {
      return { username: envUser, password: envPass };
    }
    return credentialsFromAuthFile(registry, flags.authFile);
  };
  return {
    ...(flags.insecure === true && imageRegistry !== undefined ? { insecureHosts: [imageRegistry] } : {}),
    ...(flags.tlsNoVerify === true ? { tlsNoVerify: true } : {}),
    credentials,
  };
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new TrustError(
      'usage',
      `${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

function fail(e: unknown): void {
  if (!(e instanceof TrustError)) throw e;
  process.stderr.write(`vigil image: ${e.message}\n`);
  process.exitCode = e.remote ? ExitCodes.remote : ExitCodes.input;
}

function verdictText(v: Verdict): string {
  const where = v.digest !== undefined && !v.image.includes('@') ? `${v.image}@${v.digest}` : v.image;
  const lines = [`${v.status.toUpperCase()}  ${where}`];
  for (const r of v.reasons) lines.push(`  ${r}`);
  if (v.rule !== undefined) lines.push(`  rule: ${v.rule}`);
  if (v.currentDigest !== undefined && v.currentDigest !== v.digest)
    lines.push(`  tag now points to: ${v.currentDigest}`);
  if (v.signedDigest !== undefined) lines.push(`  signed digest: ${v.signedDigest}`);
  for (const s of v.signatures) {
    if (s.outcome === 'valid') continue;
    lines.push(`  signature #${s.layer}: ${s.outcome}${s.reason !== undefined ? ` (${s.reason})` : ''}`);
  }
  return lines.join('\n') + '\n';
}

function policyFrom(flags: VerifyFlags): TrustPolicy {
  const modes = [flags.key.length > 0, flags.policy !== undefined, flags.notary !== undefined].filter(
    Boolean,
  ).length;
  if (modes !== 1) throw new TrustError('usage', 'give exactly one of --key, --policy or --notary');
  if (flags.trustRoot !== undefined && flags.notary === undefined) {
    throw new TrustError('usage', '--trust-root goes with --notary');
  }
  if (flags.policy !== undefined) return loadPolicy(flags.policy);
  if (flags.notary !== undefined) {
    const rootKeys: TrustedKey[] =
      flags.trustRoot !== undefined
        ? loadPublicKeys(readText(flags.trustRoot, 'trust root'), flags.trustRoot)
        : [];
    return notaryPolicy({
      server: flags.notary.replace(/\/+$/, ''),
      rootKeys,
      tlsNoVerify: flags.tlsNoVerify === true,
    });
  }
  const keys = flags.key.flatMap((k) => loadPublicKeys(readText(k, 'key'), k));
  return keysPolicy(keys, flags.anyIdentity === true ? 'any' : 'repository');
}

export function registerImageCommands(program: Command): void {
  const image = program
    .command('image')
    .description('Sign container images in cosign format and verify them (cosign keys, Notary/DCT, policies)')
    // A usage mistake must not look like a refused image (exit 1) to a CI gate.
    .exitOverride((err: CommanderError) => {
      process.exit(err.exitCode === 0 ? 0 : ExitCodes.input);
    });

  image
    .command('keygen')
    .description(
      `Write an ECDSA P-256 key pair: PREFIX.key (PKCS#8, encrypted with $${PASSWORD_ENV}) and PREFIX.pub`,
    )
    .option('--out <prefix>', 'path prefix of the two files', 'vigil')
    .option('--unencrypted', 'write the private key without a password', false)
    .option(
      '--format <format>',
      "pkcs8, or cosign (cosign's encrypted key file, for cosign sign --key)",
      'pkcs8',
    )
    .option('--force', 'overwrite existing files', false)
    .action((opts: { out: string; unencrypted: boolean; force: boolean; format: string }) => {
      try {
        const password = process.env[PASSWORD_ENV];
        if (opts.format !== 'pkcs8' && opts.format !== 'cosign') {
          throw new TrustError('usage', `--format must be pkcs8 or cosign, not ${opts.format}`);
        }
        if (opts.format === 'cosign' && opts.unencrypted) {
          throw new TrustError('usage', "cosign's key format is always encrypted; drop --unencrypted");
        }
        if (!opts.unencrypted && (password === undefined || password.length === 0)) {
          throw new TrustError('usage', `set ${PASSWORD_ENV} to encrypt the key, or pass --unencrypted`);
        }
        const keyPath = `${opts.out}.key`;
        const pubPath = `${opts.out}.pub`;
        for (const p of [keyPath, pubPath]) {
          if (existsSync(p) && !opts.force)
            throw new TrustError('usage', `${p} exists; pass --force to overwrite`);
        }
        const pair = generateSigningKeyPair(opts.unencrypted ? null : password!, opts.format);
        writeFileSync(keyPath, pair.privatePem, { mode: 0o600 });
        writeFileSync(pubPath, pair.publicPem, { mode: 0o644 });
        process.stdout.write(
          `private key: ${keyPath}\npublic key:  ${pubPath}\nfingerprint: ${pair.fingerprint}\n`,
        );
      } catch (e) {
        fail(e);
      }
    });

  image
    .command('sign')
    .description(
      'Sign the digest an image reference resolves to; store the signature as cosign does (sha256-<hex>.sig)',
    )
    .argument('<image-ref>', 'image reference: registry/repository[:tag|@digest]')
    .requiredOption(
      '--key <file>',
      `private key: PKCS#8, SEC1 or cosign's encrypted format (password in $${PASSWORD_ENV})`,
    )
    .option(
      '-a, --annotation <key=value>',
      'add to the payload\'s "optional" claims (repeatable)',
      collect,
      [],
    )
    .option('--insecure', 'reach the registry over plain HTTP (loopback registries always are)', false)
    .option('--tls-no-verify', 'accept any TLS certificate', false)
    .option('--auth-file <file>', 'Docker/Podman auth file with registry credentials')
    .option('--json', 'print the result as JSON', false)
    .action(
      async (refText: string, opts: RegistryFlags & { key: string; annotation: string[]; json: boolean }) => {
        try {
          const ref = parseImageRef(refText);
          const key = loadPrivateKey(readText(opts.key, 'key'), process.env[PASSWORD_ENV], opts.key);
          const annotations: Record<string, string> = {};
          for (const a of opts.annotation) {
            const eq = a.indexOf('=');
            if (eq <= 0) throw new TrustError('usage', `annotation "${a}" is not key=value`);
            annotations[a.slice(0, eq)] = a.slice(eq + 1);
          }
          const client = new RegistryClient(ref.registry, registryOptions(opts, ref.registry));
          const result = await signImage(client, ref, key, annotations);
          if (opts.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
          else {
            process.stdout.write(
              `signed ${formatImageRef({ ...ref, digest: result.digest })}\n` +
                `  signature: ${result.signatureRef} (${result.layers} signature${result.layers === 1 ? '' : 's'}` +
                `${result.added ? '' : ', this one was already there'})\n`,
            );
          }
        } catch (e) {
          fail(e);
        }
      },
    );

  image
    .command('verify')
    .description(
      'Verify an image; exit 0 verified/allowed, 1 refused, 2 bad input, 3 registry or Notary unreachable',
    )
    .argument('<image-ref>', 'image reference: registry/repository[:tag|@digest]')
    .option('--key <file>', 'trusted public key (PEM; repeatable)', collect, [])
    .option('--policy <file>', 'trust policy (YAML)')
    .option('--notary <url>', 'verify Docker Content Trust data from this Notary server')
    .option('--trust-root <file>', 'PEM certificate or public key the Notary root must be signed by')
    .option('--any-identity', "with --key: ignore the payload's docker-reference (cosign's behaviour)", false)
    .option('--runtime-digest <digest>', 'check this digest (what a runtime runs) against the tag')
    .option('--insecure', 'reach the registry over plain HTTP (loopback registries always are)', false)
    .option('--tls-no-verify', 'accept any TLS certificate', false)
    .option('--auth-file <file>', 'Docker/Podman auth file with registry credentials')
    .option('--json', 'print the verdict as JSON', false)
    .action(async (refText: string, opts: VerifyFlags) => {
      try {
        const policy = policyFrom(opts);
        let registry: string | undefined;
        try {
          registry = parseImageRef(refText).registry;
        } catch {
          registry = undefined; // verifyImage reports the bad reference.
        }
        const verdict = await verifyImage(refText, policy, {
          registry: registryOptions(opts, registry),
          ...(opts.runtimeDigest !== undefined ? { runtimeDigest: opts.runtimeDigest } : {}),
        });
        const code = exitCodeFor(verdict);
        if (opts.json) process.stdout.write(JSON.stringify({ ...verdict, exitCode: code }, null, 2) + '\n');
        else if (verdict.status === 'error')
          process.stderr.write(`vigil image: ${verdict.reasons.join('; ')}\n`);
        else process.stdout.write(verdictText(verdict));
        process.exitCode = code;
      } catch (e) {
        fail(e);
      }
    });
}
