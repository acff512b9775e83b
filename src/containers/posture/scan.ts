import { DockerApiError, DockerClient } from '../docker-api.js';
import { checkWorkload, sortFindings, type PostureOptions } from './checks.js';
import type { Finding, InputProblem, Workload } from './model.js';
import { workloadFromDockerInspect } from './sources/docker-inspect.js';
import { FieldReader } from './sources/fields.js';
import { scanFiles } from './sources/files.js';
import type { KubeOptions } from './sources/kube-live.js';

export interface ScanSources {
  /** Compose files, Kubernetes manifests, `docker inspect` output, or folders of them. */
  readonly files?: readonly string[];
  /** A Docker-compatible API endpoint: unix:///path, /path, tcp://host:port. */
  readonly docker?: string;
  /** A live Kubernetes cluster. */
  readonly kube?: KubeOptions;
}

export interface ScanReport {
  readonly findings: Finding[];
  readonly problems: InputProblem[];
  /** Every workload scanned, including those without findings. */
  readonly targets: string[];
  readonly files: number;
  readonly skipped: string[];
}

/**
 * Findings for one container's inspect document, as GET /containers/{id}/json returns it. This is
 * what the live watcher calls per container event. Field problems go to `problems` when given.
 */
export function postureOfDockerInspect(
  inspect: unknown,
  options: PostureOptions & { problems?: InputProblem[] } = {},
): Finding[] {
  const w = workloadFromDockerInspect(inspect, new FieldReader(options.problems ?? []));
  return w ? checkWorkload(w, options) : [];
}

/** Lists every container of a Docker API (created and stopped ones too) and reads each one's inspect document. */
export async function workloadsFromDocker(endpoint: string, problems: InputProblem[]): Promise<Workload[]> {
  const client = new DockerClient(endpoint);
  await client.negotiate();
  const workloads: Workload[] = [];
  for (const summary of await client.listContainers()) {
    let inspect: Record<string, unknown>;
    try {
      inspect = await client.inspectContainer(summary.Id);
    } catch (e) {
      // A container removed between the list and its inspect is not a problem.
      if (e instanceof DockerApiError && e.status === 404) continue;
      throw e;
    }
    const w = workloadFromDockerInspect(inspect, new FieldReader(problems));
    if (w) workloads.push(w);
  }
  return workloads;
}

/** Reads every source given, checks every workload, and keeps going past bad inputs. */
export async function scanPosture(sources: ScanSources, options: PostureOptions = {}): Promise<ScanReport> {
  const problems: InputProblem[] = [];
  const workloads: Workload[] = [];
  let files = 0;
  let skipped: string[] = [];
  if (sources.files && sources.files.length > 0) {
    const scanned = await scanFiles(sources.files);
    workloads.push(...scanned.workloads);
    problems.push(...scanned.problems);
    files = scanned.files;
    skipped = scanned.skipped;
  }
  if (sources.docker !== undefined) {
    try {
      workloads.push(...(await workloadsFromDocker(sources.docker, problems)));
    } catch (e) {
      problems.push({ message: (e as Error).message, target: `docker:${sources.docker}` });
    }
  }
  if (sources.kube) {
    try {
      const { scanCluster } = await import('./sources/kube-live.js');
      const live = await scanCluster(sources.kube);
      workloads.push(...live.workloads);
      problems.push(...live.problems);
    } catch (e) {
      problems.push({ message: (e as Error).message, target: 'k8s' });
    }
  }
  const findings = sortFindings(workloads.flatMap((w) => checkWorkload(w, options)));
  return { findings, problems, targets: workloads.map((w) => w.target), files, skipped };
}
