import { describe, expect, it } from 'vitest';
import { checkWorkload } from '../checks.js';
import { scanText } from './files.js';

const scan = (text: string) => {
  const r = scanText(text, 'manifests/app.yaml');
  return { ...r, findings: r.workloads.flatMap((w) => checkWorkload(w)) };
};

const podSpec = (indent: string): string =>
  ['hostPID: true', 'containers:', '  - name: app', '    image: registry.example/app:1']
    .map((l) => indent + l)
    .join('\n');

describe('Kubernetes manifests', () => {
  it('finds the pod template of every workload kind, with the line of each field', () => {
    const docs = [
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: pod\nspec:\n${podSpec('  ')}`,
      ...['Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'Job'].map(
        (kind) =>
          `apiVersion: apps/v1\nkind: ${kind}\nmetadata:\n  name: ${kind.toLowerCase()}\n  namespace: prod\nspec:\n  template:\n    spec:\n${podSpec('      ')}`,
      ),
      `apiVersion: v1\nkind: ReplicationController\nmetadata:\n  name: rc\nspec:\n  template:\n    spec:\n${podSpec('      ')}`,
      `apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: cron\nspec:\n  schedule: "* * * * *"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n${podSpec('          ')}`,
      `apiVersion: v1\nkind: PodTemplate\nmetadata:\n  name: tpl\ntemplate:\n  spec:\n${podSpec('    ')}`,
      `apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\nspec:\n  ports: [{port: 80}]`,
    ];
    const text = docs.join('\n---\n');
    const r = scan(text);
    expect(r.problems).toEqual([]);
    expect(r.workloads.map((w) => w.target)).toEqual([
      'k8s:Pod/pod',
      'k8s:Deployment/prod/deployment',
      'k8s:DaemonSet/prod/daemonset',
      'k8s:StatefulSet/prod/statefulset',
      'k8s:ReplicaSet/prod/replicaset',
      'k8s:Job/prod/job',
      'k8s:ReplicationController/rc',
      'k8s:CronJob/cron',
      'k8s:PodTemplate/tpl',
    ]);
    const lines = text.split('\n');
    for (const f of r.findings.filter((x) => x.check === 'host-pid')) {
      expect(f.location?.file).toBe('manifests/app.yaml');
      expect(lines[f.location!.line! - 1]).toMatch(/^\s*hostPID: true$/);
    }
    expect(r.findings.filter((x) => x.check === 'host-pid')).toHaveLength(9);
    const cron = r.findings.find((f) => f.target === 'k8s:CronJob/cron' && f.check === 'host-pid')!;
    expect(cron.evidence).toContain('spec.jobTemplate.spec.template.spec.hostPID');
  });

  it('reads Lists and typed lists, and JSON manifests', () => {
    const list = JSON.stringify(
      {
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: { name: 'a' },
            spec: { hostNetwork: true, containers: [{ name: 'c' }] },
          },
          {
            apiVersion: 'apps/v1',
            kind: 'DeploymentList',
            items: [
              {
                apiVersion: 'apps/v1',
                kind: 'Deployment',
                metadata: { name: 'b' },
                spec: { template: { spec: { hostIPC: true, containers: [{ name: 'c' }] } } },
              },
            ],
          },
        ],
      },
      null,
      2,
    );
    const r = scanText(list, 'list.json');
    expect(r.problems).toEqual([]);
    expect(r.workloads.map((w) => w.target)).toEqual(['k8s:Pod/a', 'k8s:Deployment/b']);
    const f = r.workloads.flatMap((w) => checkWorkload(w)).find((x) => x.check === 'host-ipc')!;
    expect(list.split('\n')[f.location!.line! - 1]).toContain('"hostIPC": true');
  });

  it('reads booleans the way Kubernetes does (YAML 1.1: yes, on)', () => {
    const r = scan(
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostNetwork: on\n  containers:\n  - name: c\n    securityContext:\n      privileged: yes\n',
    );
    expect(r.problems).toEqual([]);
    expect(r.findings.map((f) => f.check)).toEqual(expect.arrayContaining(['privileged', 'host-network']));
  });

  it('reports a field of the wrong type at its line and keeps the rest', () => {
    const text = [
      'apiVersion: v1',
      'kind: Pod',
      'metadata: {name: p}',
      'spec:',
      '  hostPID: true',
      '  containers:',
      '  - name: c',
      '    securityContext:',
      '      privileged: "yes"',
      '      runAsUser: "0"',
      '  - "not a container"',
      '  volumes: {name: x}',
    ].join('\n');
    const r = scan(text);
    expect(r.problems).toEqual([
      expect.objectContaining({
        line: 9,
        message: 'spec.containers[0].securityContext.privileged: expected a boolean, got the string "yes"',
        target: 'k8s:Pod/p',
      }),
      expect.objectContaining({
        line: 10,
        message: expect.stringContaining('runAsUser: expected an integer'),
      }),
      expect.objectContaining({ line: 11, message: 'spec.containers[1]: expected a container map' }),
      expect.objectContaining({ line: 12, message: 'spec.volumes: expected a list, got a map' }),
    ]);
    expect(r.findings.map((f) => f.check)).toContain('host-pid');
    expect(r.findings.map((f) => f.check)).not.toContain('privileged');
  });

  it('refuses an alias bomb and an invalid document but scans the other documents', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
      'g: [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
      'kind: Pod',
      'apiVersion: v1',
    ].join('\n');
    const good =
      'apiVersion: v1\nkind: Pod\nmetadata: {name: ok}\nspec:\n  hostPID: true\n  containers: [{name: c}]';
    const broken = 'apiVersion: v1\nkind: Pod\nmetadata: {name: [broken\n';
    const r = scan([bomb, good, broken].join('\n---\n'));
    expect(r.workloads.map((w) => w.target)).toEqual(['k8s:Pod/ok']);
    expect(r.problems).toHaveLength(2);
    expect(r.problems[0]!.message).toMatch(/YAML document 1: Excessive alias count/);
    expect(r.problems[1]!.message).toMatch(/^YAML document 3: /);
    expect(r.problems[1]!.line).toBeGreaterThan(10);
  });

  it('reports a duplicate key (which could hide a setting) instead of picking one', () => {
    const r = scan(
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostPID: false\n  hostPID: true\n  containers: []\n',
    );
    expect(r.problems[0]!.message).toMatch(/unique/);
  });

  it('names the workload when a pod spec is missing', () => {
    const r = scan('apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: 2\n');
    expect(r.problems).toEqual([
      expect.objectContaining({
        message: 'spec.template.spec: Deployment without a pod spec',
        target: 'k8s:Deployment/d',
        line: 4,
      }),
    ]);
  });

  it('reads probes, lifecycle hooks, sysctls, os and hostUsers', () => {
    const r = scan(
      [
        'apiVersion: v1',
        'kind: Pod',
        'metadata: {name: p}',
        'spec:',
        '  os: {name: linux}',
        '  hostUsers: false',
        '  securityContext:',
        '    sysctls: [{name: kernel.msgmax, value: "65536"}]',
        '  containers:',
        '  - name: c',
        '    livenessProbe: {httpGet: {path: /, port: 80, host: 169.254.169.254}}',
        '    lifecycle: {preStop: {tcpSocket: {port: 80, host: db}}}',
      ].join('\n'),
    );
    const pod = r.workloads[0]!.pod;
    expect(pod.os).toBe('linux');
    expect(pod.hostUsers).toBe(false);
    expect(pod.sysctls).toEqual([{ name: 'kernel.msgmax', value: '65536' }]);
    expect(pod.containers[0]!.probeHosts).toEqual([
      { handler: 'livenessProbe.httpGet.host', host: '169.254.169.254' },
      { handler: 'lifecycle.preStop.tcpSocket.host', host: 'db' },
    ]);
    const probe = r.findings.find((f) => f.check === 'probe-host')!;
    expect(probe.location?.line).toBe(11);
    expect(r.findings.find((f) => f.check === 'unsafe-sysctls')?.evidence).toContain('kernel.msgmax=65536');
  });

  it('reads streams with comments, end markers and empty documents; a JSON-style manifest as Kubernetes reads it', () => {
    const text = [
      '# rendered by a tool',
      '---',
      '# nothing here',
      '---',
      'apiVersion: v1',
      'kind: Pod',
      'metadata: {name: a}',
      'spec: {hostPID: yes, containers: [{name: c}]}',
      '...',
      '---',
      '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b"}, "spec": {"hostIPC": true, "containers": [{"name": "c"}]}}',
      '',
    ].join('\n');
    const r = scan(text);
    expect(r.problems).toEqual([]);
    expect(r.workloads.map((w) => w.target)).toEqual(['k8s:Pod/a', 'k8s:Pod/b']);
    expect(r.findings.find((f) => f.check === 'host-pid')!.location!.line).toBe(8);
    expect(r.findings.find((f) => f.check === 'host-ipc')!.location!.line).toBe(11);
    expect(scanText('', 'empty.yaml')).toEqual({ workloads: [], problems: [], recognised: false });
    expect(scanText('# just a comment\n', 'c.yaml').recognised).toBe(false);
  });
});
