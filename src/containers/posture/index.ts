export {
  SEVERITIES,
  PSS_LEVELS,
  severityRank,
  type Finding,
  type InputProblem,
  type PssLevel,
  type Severity,
  type SourceKind,
  type Workload,
  type PodSpec,
  type ContainerSpec,
  type VolumeSpec,
} from './model.js';
export { CHECKS, checkWorkload, type CheckDefinition, type PostureOptions } from './checks.js';
export {
  evaluatePss,
  parsePssVersion,
  LATEST_PSS_MINOR,
  PSS_CONTROLS,
  type PssControl,
  type PssEvaluation,
  type PssViolation,
} from './pss.js';
export {
  postureOfDockerInspect,
  scanPosture,
  workloadsFromDocker,
  type ScanReport,
  type ScanSources,
} from './scan.js';
export { toTable, toJson, describeProblem, postureExitCode, countBySeverity } from './report.js';
export { toSarif } from './sarif.js';
export { workloadFromDockerInspect } from './sources/docker-inspect.js';
export { workloadsFromCompose } from './sources/compose.js';
export { workloadsFromManifest } from './sources/kubernetes.js';
export { scanText, scanFiles } from './sources/files.js';
export { FieldReader } from './sources/fields.js';
export type { KubeOptions } from './sources/kube-live.js';
