import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { registerClusterCommands } from '../src/cli/commands/cluster.js';
import { registerServeCommand } from '../src/cli/commands/serve.js';
import { checkPartitions, parseServers, partitionMapping } from '../src/bus/jetstream.js';
import { metricsEndpointOptions } from '../src/cluster/metrics-http.js';
import { loadConfig } from '../src/server/config.js';
import { ROOT } from './support/cli.js';
import { NATS_SERVER, natsPresent } from './support/nats.js';

/**
 * deploy/ cannot be run here (no Docker, no Kubernetes): this checks what can be checked. Every
 * YAML file parses; compose services reference files that exist; both NATS configurations carry
 * the mapping `partitionMapping(N)` gives for the workers' N, and nats-server accepts them; every
 * `vigil` command line parses with the CLI's own options and passes the same checks it does.
 */
const DEPLOY = join(ROOT, 'deploy');
const sha256 = (t: string) => createHash('sha256').update(t).digest('hex');
/** What deploy/.env would hold. */
const ENV: Record<string, string> = {
  VIGIL_INGEST_TOKENS: sha256('vgl_ingest'),
  VIGIL_METRICS_TOKEN_SHA256: sha256('vgl_metrics'),
  VIGIL_ADMIN_TOKEN: 'vgl_admin-token-for-the-deploy-test-0123456789',
  CLICKHOUSE_PASSWORD: 'pw',
};

type Json = Record<string, unknown>;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** Compose's `${VAR}`, `${VAR:?message}` and `${VAR:-default}`, strictly: an unknown variable is an error. */
function interpolate(text: string, env: Record<string, string>): string {
  return text
    .replace(
      /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:\?|:-)([^}]*))?\}/g,
      (_, name: string, op?: string, arg?: string) => {
        if (env[name] !== undefined && env[name] !== '') return env[name];
        if (op === ':-') return arg ?? '';
        throw new Error(`compose variable ${name} is not set${op === ':?' ? ` (${arg})` : ''}`);
      },
    )
    .replace(/\$\$/g, '$');
}

/** Kubernetes' `$(VAR)` in args, from the container's env (values from the Secret made up here). */
function expandK8s(arg: string, env: Record<string, string>): string {
  return arg.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (_, name: string) => {
    if (env[name] === undefined) throw new Error(`$(${name}) is not in the container's env`);
    return env[name];
  });
}

/** Parses a `vigil` command line with the CLI's own command definitions; the action is not run. */
async function parseVigil(args: readonly string[]): Promise<{ command: string; opts: Json }> {
  const program = new Command('vigil');
  registerClusterCommands(program);
  registerServeCommand(program);
  let seen: { command: string; opts: Json } | null = null;
  const quiet = (c: Command) => {
    c.exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
    c.action((...a: unknown[]) => {
      const cmd = a[a.length - 1] as Command;
      seen = { command: cmd.name(), opts: cmd.opts() };
    });
    c.commands.forEach(quiet);
  };
  program.exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
  program.commands.forEach(quiet);
  await program.parseAsync(['node', 'vigil', ...args]);
  if (seen === null) throw new Error(`no command ran for ${args.join(' ')}`);
  return seen;
}

/** What the serve command would load: its flags (as serve.ts maps them) over the environment. */
function serveConfig(opts: Json, env: Record<string, string>) {
  const flags: Json = { ...opts, dataDir: opts.data };
  delete flags.data;
  delete flags.sampleData;
  delete flags.config;
  return loadConfig({ env, flags });
}

/** A vigil command line, checked as the command would check it. Returns the partitions it uses. */
async function checkVigil(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ command: string; opts: Json; partitions: number }> {
  const { command, opts } = await parseVigil(args);
  if (command === 'serve') {
    const config = serveConfig(opts, env);
    for (const url of config.nats) parseServers(url);
    return { command, opts: { ...opts, role: config.role }, partitions: config.partitions };
  }
  expect(['worker', 'writer']).toContain(command);
  parseServers(String(opts.nats));
  const metrics = metricsEndpointOptions({
    metrics: opts.metrics as string | undefined,
    metricsTokenSha256: (opts.metricsTokenSha256 as string | undefined) ?? env.VIGIL_METRICS_TOKEN_SHA256,
    metricsInsecure: opts.metricsInsecure as boolean | undefined,
  });
  // Reachable by Prometheus from other containers, so never without a token.
  expect(metrics?.tokenSha256, args.join(' ')).toBeInstanceOf(Buffer);
  return { command, opts, partitions: checkPartitions(Number(opts.partitions)) };
}

/** The `mappings = { "from": "to" }` block of a NATS configuration. */
function natsMapping(conf: string): [string, string] {
  const m = /mappings\s*=\s*\{\s*"([^"]+)"\s*:\s*"([^"]+)"\s*\}/.exec(conf);
  if (m === null) throw new Error('no mappings block in the NATS configuration');
  return [m[1]!, m[2]!];
}

function natsAccepts(conf: string, serverName: string): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-deploy-nats-'));
  try {
    const file = join(dir, 'nats.conf');
    writeFileSync(file, conf);
    const r = spawnSync(NATS_SERVER, ['-t', '-c', file], {
      env: { SERVER_NAME: serverName },
      encoding: 'utf8',
    });
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const compose = () =>
  parse(readFileSync(join(DEPLOY, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, Json>;
    volumes: Record<string, unknown>;
  };

const manifests = () => files(join(DEPLOY, 'kubernetes')).filter((f) => !f.endsWith('kustomization.yaml'));
const k8sDocs = () =>
  manifests().flatMap((f) =>
    parseAllDocuments(readFileSync(f, 'utf8')).map((d) => ({ file: f, doc: d.toJS() as Json })),
  );

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
if (!kubectl) console.log('deploy test: the kustomize build is skipped: kubectl is not installed');

const k8sNatsConf = () => {
  const map = k8sDocs().find(
    (d) => d.doc.kind === 'ConfigMap' && (d.doc.metadata as Json).name === 'nats-config',
  );
  return String(((map!.doc.data as Json) ?? {})['nats.conf']);
};

describe('deploy/', () => {
  it('every YAML file parses, without errors or warnings', () => {
    const yamls = files(DEPLOY).filter((f) => /\.ya?ml$/.test(f));
    expect(yamls.length).toBeGreaterThanOrEqual(7);
    for (const f of yamls)
      for (const d of parseAllDocuments(readFileSync(f, 'utf8'), { merge: true })) {
        expect(d.errors, f).toEqual([]);
        expect(d.warnings, f).toEqual([]);
      }
  });

  it('compose: the services of the brief, files that exist, dependencies that exist, loopback ports only', () => {
    const { services, volumes } = compose();
    expect(Object.keys(services).sort()).toEqual(
      [
        'api',
        'clickhouse',
        'ingest-1',
        'ingest-2',
        'nats-1',
        'nats-2',
        'nats-3',
        'worker-1',
        'worker-2',
        'worker-3',
        'writer',
      ].sort(),
    );
    for (const [name, s] of Object.entries(services)) {
      const build = s.build as { context: string; dockerfile: string } | undefined;
      if (build !== undefined) {
        const context = resolve(DEPLOY, build.context);
        expect(existsSync(join(context, build.dockerfile)), `${name}: ${build.dockerfile}`).toBe(true);
        expect(existsSync(join(context, 'package-lock.json')), 'the build context is the repository').toBe(
          true,
        );
      }
      for (const v of (s.volumes as string[] | undefined) ?? []) {
        const source = v.split(':')[0]!;
        if (source.startsWith('.') || source.startsWith('/'))
          expect(existsSync(resolve(DEPLOY, source)), `${name}: ${source}`).toBe(true);
        else expect(volumes, `${name}: named volume ${source}`).toHaveProperty(source);
      }
      const deps = s.depends_on as Record<string, unknown> | undefined;
      for (const d of Object.keys(deps ?? {})) expect(services, `${name} depends on ${d}`).toHaveProperty(d);
      for (const p of (s.ports as string[] | undefined) ?? [])
        expect(p, name).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    }
    const dockerfile = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim/m);
    expect(dockerfile).toMatch(/npm ci/);
    expect(dockerfile).toMatch(/npm run build/);
    expect(existsSync(join(DEPLOY, 'Dockerfile.dockerignore'))).toBe(true);
  });

  it('compose: every vigil command line parses with the CLI and passes its checks; all agree on N and NATS', async () => {
    const { services } = compose();
    const natsUrls = ['nats-1', 'nats-2', 'nats-3'].map((n) => `nats://${n}:4222`);
    const seen = new Map<string, { command: string; opts: Json; partitions: number }>();
    for (const [name, s] of Object.entries(services)) {
      if (s.image !== 'vigil:local') continue;
      const env = Object.fromEntries(
        Object.entries((s.environment as Json | undefined) ?? {}).map(([k, v]) => [
          k,
          interpolate(String(v), ENV),
        ]),
      );
      const args = (s.command as string[]).map((a) => interpolate(a, ENV));
      const checked = await checkVigil(args, env);
      seen.set(name, checked);
      expect(String(checked.opts.nats).split(','), name).toEqual(natsUrls);
    }
    expect([...seen.keys()].sort()).toEqual([
      'api',
      'ingest-1',
      'ingest-2',
      'worker-1',
      'worker-2',
      'worker-3',
      'writer',
    ]);
    expect(seen.get('api')!.opts.role).toBe('api');
    expect(seen.get('ingest-1')!.opts.role).toBe('ingest');
    const workers = ['worker-1', 'worker-2', 'worker-3'].map((w) => seen.get(w)!);
    expect(new Set(workers.map((w) => w.opts.id)).size).toBe(3);
    // Workers hand rows to the writer, which builds incidents: they must not insert themselves.
    for (const w of workers) expect(w.opts.clickhouseUrl).toBeUndefined();
    expect(seen.get('writer')!.opts.clickhouseUrl).toBe('http://vigil:pw@clickhouse:8123/vigil');
    const n = workers[0]!.partitions;
    for (const [name, c] of seen) expect(c.partitions, name).toBe(n);
    expect(natsMapping(readFileSync(join(DEPLOY, 'nats/nats.conf'), 'utf8'))).toEqual(partitionMapping(n));
    // The example settings are placeholders, refused as they are.
    const example = Object.fromEntries(
      readFileSync(join(DEPLOY, 'example.env'), 'utf8')
        .split('\n')
        .filter((l) => /^[A-Z0-9_]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(Object.keys(example).sort()).toEqual(Object.keys(ENV).sort());
    await expect(
      checkVigil(services['ingest-1']!.command as string[], {
        VIGIL_INGEST_TOKENS: example.VIGIL_INGEST_TOKENS!,
      }),
    ).rejects.toThrow(/SHA-256/);
  });

  it('kubernetes: names, namespaces, probes, resources, drain, and references that resolve', async () => {
    const docs = k8sDocs();
    const kinds = docs.map((d) => d.doc.kind);
    expect(kinds).toEqual(
      expect.arrayContaining(['Namespace', 'StatefulSet', 'Deployment', 'Service', 'ConfigMap']),
    );
    const configMaps = new Map(
      docs
        .filter((d) => d.doc.kind === 'ConfigMap')
        .map((d) => [(d.doc.metadata as Json).name, d.doc.data as Json]),
    );
    const workloads = docs.filter((d) => d.doc.kind === 'Deployment' || d.doc.kind === 'StatefulSet');
    expect(workloads.map((w) => (w.doc.metadata as Json).name).sort()).toEqual([
      'nats',
      'vigil-api',
      'vigil-ingest',
      'vigil-worker',
      'vigil-writer',
    ]);
    const natsUrls = String(configMaps.get('vigil-settings')!.nats).split(',');
    let n: number | null = null;
    for (const { file, doc } of docs) {
      expect(doc.apiVersion, file).toBeTruthy();
      const meta = doc.metadata as Json;
      expect(meta.name, file).toBeTruthy();
      if (doc.kind !== 'Namespace') expect(meta.namespace, `${file} ${String(meta.name)}`).toBe('vigil');
    }
    for (const { doc } of workloads) {
      const name = String((doc.metadata as Json).name);
      const spec = doc.spec as Json;
      const template = spec.template as { metadata: { labels: Json }; spec: Json };
      expect(template.metadata.labels, name).toMatchObject(
        (spec.selector as { matchLabels: Json }).matchLabels,
      );
      expect(template.spec.terminationGracePeriodSeconds, name).toBeGreaterThanOrEqual(30);
      const volumes = new Set(((template.spec.volumes as Json[] | undefined) ?? []).map((v) => v.name));
      for (const c of ((spec.volumeClaimTemplates as Json[] | undefined) ?? []).map(
        (v) => (v.metadata as Json).name,
      ))
        volumes.add(c);
      for (const c of template.spec.containers as Json[]) {
        expect(c.readinessProbe, name).toBeTruthy();
        expect((c.resources as { requests?: Json }).requests, name).toMatchObject({
          cpu: expect.anything(),
          memory: expect.anything(),
        });
        for (const m of (c.volumeMounts as Json[] | undefined) ?? [])
          expect(volumes.has(m.name), `${name}: ${String(m.name)}`).toBe(true);
        const env: Record<string, string> = {};
        for (const e of (c.env as Json[] | undefined) ?? []) {
          const from = e.valueFrom as Json | undefined;
          const secret = from?.secretKeyRef as Json | undefined;
          const config = from?.configMapKeyRef as Json | undefined;
          if (secret !== undefined) expect(secret.name, name).toBe('vigil-tokens');
          if (config !== undefined)
            expect(configMaps.get(config.name)?.[String(config.key)], name).toBeDefined();
          const secretValue: Record<string, string> = {
            'ingest-tokens': ENV.VIGIL_INGEST_TOKENS!,
            'metrics-token-sha256': ENV.VIGIL_METRICS_TOKEN_SHA256!,
            'admin-token': ENV.VIGIL_ADMIN_TOKEN!,
            'clickhouse-url': 'http://vigil:pw@clickhouse.example.internal:8123/vigil',
          };
          env[String(e.name)] =
            e.value !== undefined
              ? String(e.value)
              : secret !== undefined
                ? secretValue[String(secret.key)]!
                : config !== undefined
                  ? String(configMaps.get(config.name)![String(config.key)])
                  : `${name}-pod-0`;
        }
        if (c.image !== 'vigil:local') continue;
        const checked = await checkVigil(
          (c.args as string[]).map((a) => expandK8s(a, env)),
          env,
        );
        expect(String(checked.opts.nats).split(','), name).toEqual(natsUrls);
        n ??= checked.partitions;
        expect(checked.partitions, name).toBe(n);
      }
    }
    // The writer is one process: never two at once, even during a rollout.
    const writer = workloads.find((w) => (w.doc.metadata as Json).name === 'vigil-writer')!.doc.spec as Json;
    expect(writer.replicas).toBe(1);
    expect(writer.strategy).toEqual({ type: 'Recreate' });
    // Every Service selects some workload's pods.
    const podLabels = workloads.map(
      (w) => (w.doc.spec as { template: { metadata: { labels: Json } } }).template.metadata.labels,
    );
    for (const { doc } of docs.filter((d) => d.doc.kind === 'Service')) {
      const selector = (doc.spec as { selector: Json }).selector;
      expect(
        podLabels.some((l) => Object.entries(selector).every(([k, v]) => l[k] === v)),
        String((doc.metadata as Json).name),
      ).toBe(true);
    }
    // The NATS StatefulSet's pods are the --nats list, and its mapping is partitionMapping(N).
    const nats = workloads.find((w) => (w.doc.metadata as Json).name === 'nats')!.doc.spec as Json;
    expect(natsUrls).toEqual(
      Array.from(
        { length: Number(nats.replicas) },
        (_, i) => `nats://nats-${i}.nats.vigil.svc.cluster.local:4222`,
      ),
    );
    expect(natsMapping(k8sNatsConf())).toEqual(partitionMapping(n!));
  });

  it('kubernetes: the kustomization lists every manifest', () => {
    const k = parse(readFileSync(join(DEPLOY, 'kubernetes/kustomization.yaml'), 'utf8')) as {
      resources: string[];
    };
    expect(k.resources.map((r) => join(DEPLOY, 'kubernetes', r)).sort()).toEqual(manifests().sort());
  });

  it.skipIf(!kubectl)('kubernetes: kubectl kustomize builds every object, offline', () => {
    const r = spawnSync('kubectl', ['kustomize', join(DEPLOY, 'kubernetes')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const built = parseAllDocuments(r.stdout).map((d) => {
      const o = d.toJS() as Json;
      return `${String(o.kind)}/${String((o.metadata as Json).name)}`;
    });
    const ours = k8sDocs().map((d) => `${String(d.doc.kind)}/${String((d.doc.metadata as Json).name)}`);
    expect(built.sort()).toEqual(ours.sort());
  });

  it.skipIf(!natsPresent)(
    'nats-server accepts both NATS configurations, and refuses a broken mapping',
    () => {
      const compose = readFileSync(join(DEPLOY, 'nats/nats.conf'), 'utf8');
      for (const [conf, server] of [
        [compose, 'nats-1'],
        [k8sNatsConf(), 'nats-0'],
      ] as const) {
        const r = natsAccepts(conf, server);
        expect(r.ok, r.output).toBe(true);
      }
      const broken = natsAccepts(compose.replace('partition(', 'partitio('), 'nats-1');
      expect(broken.ok).toBe(false);
      expect(broken.output).toMatch(/mapping/);
    },
  );
});

if (!natsPresent) console.log(`deploy test: nats-server checks skipped: ${NATS_SERVER} is not installed`);
