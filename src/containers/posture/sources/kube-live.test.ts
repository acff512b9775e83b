import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';
import { describe, expect, it } from 'vitest';
import { checkWorkload } from '../checks.js';
import type { InputProblem } from '../model.js';
import { nodeVersionBelow, workloadsFromApiObjects } from './kube-live.js';

/**
 * The live cluster path cannot reach a cluster here; what it adds over manifests is the mapping
 * from the client's API objects. These objects are built the way the client builds them from a
 * list response: deserialized into its typed models (Dates included), without kind/apiVersion.
 */
const fromApi = (model: string, json: Record<string, unknown>): unknown =>
  ObjectSerializer.deserialize(json, model, '');

describe('live cluster objects', () => {
  it('reads typed Deployments, DaemonSets and CronJobs like their manifests', () => {
    const problems: InputProblem[] = [];
    const deployment = fromApi('V1Deployment', {
      metadata: { name: 'web', namespace: 'shop', creationTimestamp: '2026-01-02T03:04:05Z' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { annotations: { 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined' } },
          spec: {
            hostPID: true,
            volumes: [
              { name: 'sock', hostPath: { path: '/run/containerd/containerd.sock', type: 'Socket' } },
            ],
            containers: [
              {
                name: 'app',
                image: 'registry.example/web:1',
                securityContext: {
                  privileged: true,
                  capabilities: { add: ['SYS_ADMIN'] },
                  seccompProfile: { type: 'Unconfined' },
                },
                volumeMounts: [{ name: 'sock', mountPath: '/run/containerd/containerd.sock' }],
                ports: [{ containerPort: 80, hostPort: 80 }],
              },
            ],
          },
        },
      },
    });
    const [w] = workloadsFromApiObjects('Deployment', [deployment], problems);
    expect(problems).toEqual([]);
    expect(w!.target).toBe('k8s:Deployment/shop/web');
    const checks = checkWorkload(w!).map((f) => f.check);
    expect(checks).toEqual(
      expect.arrayContaining([
        'privileged',
        'runtime-socket',
        'host-pid',
        'capabilities-added',
        'seccomp-unconfined',
        'apparmor-unconfined',
        'privileged-host-port',
      ]),
    );
    expect(checkWorkload(w!).every((f) => f.location === undefined && f.source === 'kubernetes')).toBe(true);

    const cron = fromApi('V1CronJob', {
      metadata: { name: 'backup', namespace: 'ops' },
      spec: {
        schedule: '0 * * * *',
        jobTemplate: {
          spec: { template: { spec: { hostNetwork: true, containers: [{ name: 'b', image: 'x' }] } } },
        },
      },
    });
    const ds = fromApi('V1DaemonSet', {
      metadata: { name: 'agent', namespace: 'kube-system' },
      spec: { selector: {}, template: { spec: { hostIPC: true, containers: [{ name: 'a', image: 'x' }] } } },
    });
    expect(
      workloadsFromApiObjects('CronJob', [cron], problems)
        .flatMap((x) => checkWorkload(x))
        .map((f) => f.check),
    ).toContain('host-network');
    expect(workloadsFromApiObjects('DaemonSet', [ds], problems)[0]!.target).toBe(
      'k8s:DaemonSet/kube-system/agent',
    );
  });

  it('skips objects a listed controller owns (its template is scanned), keeps the others', () => {
    const owned = (kind: string) => [{ apiVersion: 'apps/v1', kind, name: 'x', uid: 'u', controller: true }];
    const pods = [
      fromApi('V1Pod', {
        metadata: { name: 'web-abc', namespace: 'a', ownerReferences: owned('ReplicaSet') },
        spec: { containers: [{ name: 'c' }] },
      }),
      fromApi('V1Pod', {
        metadata: {
          name: 'static',
          namespace: 'kube-system',
          ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n', uid: 'u', controller: true }],
        },
        spec: { containers: [{ name: 'c' }] },
      }),
      fromApi('V1Pod', { metadata: { name: 'bare', namespace: 'a' }, spec: { containers: [{ name: 'c' }] } }),
    ];
    const problems: InputProblem[] = [];
    expect(workloadsFromApiObjects('Pod', pods, problems).map((w) => w.target)).toEqual([
      'k8s:Pod/kube-system/static',
      'k8s:Pod/a/bare',
    ]);
    const rs = fromApi('V1ReplicaSet', {
      metadata: { name: 'web-1', namespace: 'a', ownerReferences: owned('Deployment') },
      spec: { selector: {}, template: { spec: { containers: [{ name: 'c' }] } } },
    });
    expect(workloadsFromApiObjects('ReplicaSet', [rs], problems)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it("tells whether this Node.js meets the client's runtime requirement", () => {
    expect(nodeVersionBelow('>=22.19.0', '20.20.2')).toBe(true);
    expect(nodeVersionBelow('>=22.19.0', '22.19.0')).toBe(false);
    expect(nodeVersionBelow('>=22.19.0', '24.1.0')).toBe(false);
    expect(nodeVersionBelow('^22 || >=24', '20.0.0')).toBeUndefined();
  });
});
