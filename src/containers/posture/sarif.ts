import { createHash } from 'node:crypto';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHECKS } from './checks.js';
import type { Finding, InputProblem, Severity } from './model.js';

/** SARIF 2.1.0: one run, one rule per check, one result per finding, input problems as notifications. */

const LEVEL: Readonly<Record<Severity, 'error' | 'warning' | 'note'>> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
};

/** GitHub code scanning ranks results by this rule property (0.1 to 10). */
const SECURITY_SEVERITY: Readonly<Record<Severity, string>> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
};

function artifact(file: string, root: string): { uri: string; uriBaseId?: string } {
  const abs = resolve(file);
  const rel = relative(root, abs);
  if (rel !== '' && !rel.startsWith('..') && !isAbsolute(rel))
    return { uri: rel.split(sep).map(encodeURIComponent).join('/'), uriBaseId: 'SRCROOT' };
  return { uri: pathToFileURL(abs).href };
}

function physical(file: string, line: number | undefined, root: string): object {
  return {
    physicalLocation: {
      artifactLocation: artifact(file, root),
      ...(line !== undefined ? { region: { startLine: line } } : {}),
    },
  };
}

export interface SarifOptions {
  readonly toolVersion: string;
  /** Relative file URIs are relative to this folder (default: the working directory). */
  readonly root?: string;
}

export function toSarif(
  findings: readonly Finding[],
  problems: readonly InputProblem[],
  options: SarifOptions,
): object {
  const root = options.root ?? process.cwd();
  const ruleIndex = new Map(CHECKS.map((c, i) => [c.id, i]));
  const rules = CHECKS.map((c) => ({
    id: c.id,
    name: c.id.replace(/(^|-)(\w)/g, (_m, _d, ch: string) => ch.toUpperCase()),
    shortDescription: { text: c.title },
    fullDescription: { text: c.help },
    help: {
      text: `${c.help}\nRemediation: ${c.remediation}${c.cis ? `\nCIS Docker Benchmark v1.6.0: ${c.cis}` : ''}`,
      markdown: `${c.help}\n\n**Remediation:** ${c.remediation}${c.cis ? `\n\n**CIS Docker Benchmark v1.6.0:** ${c.cis}` : ''}`,
    },
    defaultConfiguration: { level: LEVEL[c.severity] },
    properties: {
      tags: ['security', 'containers', ...(c.cis ? [`cis-docker-${c.cis}`] : [])],
      'security-severity': SECURITY_SEVERITY[c.severity],
      precision: 'high',
    },
  }));
  const results = findings.map((f) => {
    const where = f.container !== undefined ? `${f.target} (container ${f.container})` : f.target;
    const fingerprint = createHash('sha256')
      .update([f.target, f.container ?? '', f.check, f.evidence].join('\u0000'))
      .digest('hex')
      .slice(0, 32);
    return {
      ruleId: f.check,
      ruleIndex: ruleIndex.get(f.check) ?? -1,
      level: LEVEL[f.severity],
      message: { text: `${f.title} in ${where}: ${f.evidence}` },
      locations: [
        {
          ...(f.location ? physical(f.location.file, f.location.line, root) : {}),
          logicalLocations: [{ fullyQualifiedName: f.target, kind: 'resource' }],
        },
      ],
      partialFingerprints: { 'vigilFinding/v1': fingerprint },
      properties: {
        target: f.target,
        ...(f.container !== undefined ? { container: f.container } : {}),
        severity: f.severity,
        cis: f.cis,
        pss: f.pss,
        source: f.source,
      },
    };
  });
  const notifications = problems.map((p) => ({
    level: 'error',
    message: { text: p.target ? `${p.target}: ${p.message}` : p.message },
    ...(p.file ? { locations: [physical(p.file, p.line, root)] } : {}),
  }));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'Vigil',
            semanticVersion: options.toolVersion,
            rules,
          },
        },
        originalUriBaseIds: { SRCROOT: { uri: pathToFileURL(root).href.replace(/\/?$/, '/') } },
        invocations: [
          { executionSuccessful: problems.length === 0, toolExecutionNotifications: notifications },
        ],
        results,
      },
    ],
  };
}
