import { describe, expect, it } from 'vitest';
import { CHECKS, checkWorkload } from './checks.js';
import type { Finding } from './model.js';
import { describeProblem, postureExitCode, toJson, toTable } from './report.js';
import { toSarif } from './sarif.js';
import { scanText } from './sources/files.js';

const MANIFEST = `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
spec:
  hostNetwork: true
  containers:
    - name: app
      image: registry.example/web:1
      securityContext:
        privileged: true
`;

function findingsOf(file = '/repo/k8s/web.yaml'): Finding[] {
  return scanText(MANIFEST, file).workloads.flatMap((w) => checkWorkload(w));
}

describe('reports', () => {
  const findings = findingsOf();

  it('JSON: every finding with target, check, severity, cis, pss, title, evidence and remediation', () => {
    const parsed = JSON.parse(toJson(findings)) as Record<string, unknown>[];
    expect(parsed.length).toBe(findings.length);
    for (const f of parsed)
      for (const key of ['target', 'check', 'severity', 'cis', 'pss', 'title', 'evidence', 'remediation'])
        expect(f, key).toHaveProperty(key);
    expect(parsed[0]).toMatchObject({
      target: 'k8s:Pod/shop/web',
      container: 'app',
      check: 'privileged',
      severity: 'critical',
      cis: '5.5',
      pss: 'privileged',
      location: { file: '/repo/k8s/web.yaml', line: 12 },
    });
  });

  it('table: grouped by target, worst first, with a summary', () => {
    const text = toTable(findings, ['k8s:Pod/shop/web', 'docker:clean']);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('k8s:Pod/shop/web  (/repo/k8s/web.yaml)');
    expect(lines[1]).toMatch(
      /^ {2}CRITICAL privileged +CIS 5\.5 +PSS privileged +\[app\] privileged: true .* line 12$/,
    );
    expect(lines[2]).toMatch(/^ {2}HIGH +host-network/);
    expect(lines.at(-1)).toMatch(
      /^2 targets scanned, 1 without findings; \d+ findings \(1 critical, 1 high, /,
    );
    expect(toTable([], ['docker:a'])).toBe('1 target scanned, 1 without findings; 0 findings\n');
  });

  it('SARIF 2.1.0: rules with help, results with file and line, problems as notifications', () => {
    const sarif = toSarif(
      findings,
      [{ message: 'YAML document 2: bad', file: '/repo/k8s/broken.yaml', line: 3 }],
      {
        toolVersion: '1.2.3',
        root: '/repo',
      },
    ) as {
      version: string;
      runs: {
        tool: {
          driver: { rules: { id: string; help: { text: string }; properties: Record<string, unknown> }[] };
        };
        results: {
          ruleId: string;
          ruleIndex: number;
          level: string;
          locations: {
            physicalLocation: {
              artifactLocation: { uri: string; uriBaseId: string };
              region: { startLine: number };
            };
            logicalLocations: { fullyQualifiedName: string }[];
          }[];
          properties: Record<string, unknown>;
        }[];
        invocations: {
          executionSuccessful: boolean;
          toolExecutionNotifications: { message: { text: string } }[];
        }[];
        originalUriBaseIds: Record<string, { uri: string }>;
      }[];
    };
    expect(sarif.version).toBe('2.1.0');
    const run = sarif.runs[0]!;
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual(CHECKS.map((c) => c.id));
    expect(run.tool.driver.rules.every((r) => r.help.text.includes('Remediation:'))).toBe(true);
    expect(run.tool.driver.rules.find((r) => r.id === 'privileged')!.properties['security-severity']).toBe(
      '9.5',
    );
    const first = run.results[0]!;
    expect(first.ruleId).toBe('privileged');
    expect(run.tool.driver.rules[first.ruleIndex]!.id).toBe('privileged');
    expect(first.level).toBe('error');
    expect(first.locations[0]!.physicalLocation).toEqual({
      artifactLocation: { uri: 'k8s/web.yaml', uriBaseId: 'SRCROOT' },
      region: { startLine: 12 },
    });
    expect(first.locations[0]!.logicalLocations[0]!.fullyQualifiedName).toBe('k8s:Pod/shop/web');
    expect(first.properties).toMatchObject({ cis: '5.5', pss: 'privileged', container: 'app' });
    expect(run.originalUriBaseIds.SRCROOT!.uri).toBe('file:///repo/');
    expect(run.invocations[0]!.executionSuccessful).toBe(false);
    expect(run.invocations[0]!.toolExecutionNotifications[0]!.message.text).toBe('YAML document 2: bad');
    // A file outside the root gets an absolute file URI.
    const outside = toSarif(findingsOf('/elsewhere/web.yaml'), [], {
      toolVersion: '1',
      root: '/repo',
    }) as typeof sarif;
    expect(outside.runs[0]!.results[0]!.locations[0]!.physicalLocation.artifactLocation.uri).toBe(
      'file:///elsewhere/web.yaml',
    );
  });

  it('exit codes: 2 for input problems, 1 at or above --fail-on, else 0', () => {
    expect(postureExitCode(findings, [], 'critical')).toBe(1);
    expect(
      postureExitCode(
        findings.filter((f) => f.severity !== 'critical' && f.severity !== 'high'),
        [],
        'high',
      ),
    ).toBe(0);
    expect(postureExitCode(findings, [])).toBe(0);
    expect(postureExitCode([], [{ message: 'x' }], 'low')).toBe(2);
    expect(postureExitCode(findings, [{ message: 'x' }], 'low')).toBe(2);
  });

  it('problems read file:line: message (target)', () => {
    expect(describeProblem({ message: 'bad', file: 'a.yaml', line: 4, target: 'k8s:Pod/p' })).toBe(
      'a.yaml:4: bad (k8s:Pod/p)',
    );
    expect(describeProblem({ message: 'refused', target: 'docker:unix:///x.sock' })).toBe(
      'docker:unix:///x.sock: refused',
    );
  });
});
