import type { JsonObject } from '../../ingest/types.js';
import type { Finding } from '../posture/model.js';
import type { MonitorVerdict } from '../trust/index.js';

/** What the watcher saw happen to a container: the Engine event, the first sweep, or a re-check. */
export type WatchAction = 'create' | 'start' | 'present' | 'recheck';

/** The container as the events name it (ECS container.* fields). */
export interface WatchedContainer {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  /** The registry digest it runs (repo@sha256:...), when the runtime reports one. */
  readonly digest: string;
  readonly runtime: string;
}

/** ECS-style common part; `event.module: vigil` routes them to the container logsources. */
function base(
  at: number,
  host: string,
  c: WatchedContainer,
  dataset: string,
  action: WatchAction,
): JsonObject {
  return {
    '@timestamp': new Date(at).toISOString(),
    'event.module': 'vigil',
    'event.dataset': dataset,
    'event.action': action,
    'event.kind': 'state',
    'host.name': host,
    'container.id': c.id,
    'container.name': c.name,
    'container.image.name': c.image,
    ...(c.digest !== '' ? { 'container.image.hash.all': c.digest } : {}),
    'container.runtime': c.runtime,
  };
}

/** One event per posture finding: Sigma rules on `vigil.check.*` turn the dangerous ones into alerts. */
export function postureEvents(
  at: number,
  host: string,
  c: WatchedContainer,
  action: WatchAction,
  findings: readonly Finding[],
): JsonObject[] {
  return findings.map((f) => ({
    ...base(at, host, c, 'container.posture', action),
    'vigil.check.id': f.check,
    'vigil.check.title': f.title,
    'vigil.check.severity': f.severity,
    ...(f.cis !== null ? { 'vigil.check.cis': f.cis } : {}),
    'vigil.check.pss': f.pss,
    'vigil.check.evidence': f.evidence,
    message: `${c.name || c.id.slice(0, 12)}: ${f.title} (${f.evidence})`,
  }));
}

/** The image-trust verdict for what the container runs, as one event (every verdict, not only alerts). */
export function trustEvent(
  at: number,
  host: string,
  c: WatchedContainer,
  action: WatchAction,
  v: MonitorVerdict,
): JsonObject {
  return {
    ...base(at, host, c, 'container.image_trust', action),
    'vigil.image.verdict': v.status,
    'vigil.image.alert': v.alert,
    'vigil.image.method': v.method,
    ...(v.digest !== undefined ? { 'vigil.image.digest': v.digest } : {}),
    ...(v.signedDigest !== undefined ? { 'vigil.image.signed_digest': v.signedDigest } : {}),
    ...(v.rule !== undefined ? { 'vigil.image.rule': v.rule } : {}),
    'vigil.image.signers': v.signers.map((s) => s.label),
    'vigil.image.reason': v.reasons[0] ?? '',
    message: `${c.name || c.id.slice(0, 12)} runs ${v.image}: ${v.status}${v.reasons[0] ? ` (${v.reasons[0]})` : ''}`,
  };
}
