import { readFile, stat } from 'node:fs/promises';
import { expandInputs } from '../../../cli/paths.js';
import type { InputProblem, Workload } from '../model.js';
import { isComposeDocument, workloadsFromCompose } from './compose.js';
import { workloadFromDockerInspect } from './docker-inspect.js';
import { parseJsonDocument, yamlDocuments, type SourceDocument } from './documents.js';
import { FieldReader, isRecord } from './fields.js';
import { isKubernetesDocument, workloadsFromManifest } from './kubernetes.js';

/** Larger inputs are refused: no real Compose file, manifest or inspect output comes near. */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

export const SCANNED_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;

export interface FileScan {
  readonly workloads: Workload[];
  readonly problems: InputProblem[];
  /** False when nothing in the file was a Compose file, a Kubernetes object or a container. */
  readonly recognised: boolean;
}

function isDockerInspect(v: unknown): boolean {
  return isRecord(v) && (isRecord(v.HostConfig) || (isRecord(v.Config) && typeof v.Id === 'string'));
}

function fromJson(doc: SourceDocument, file: string, problems: InputProblem[]): FileScan {
  const r = new FieldReader(problems, doc.lineOf, file);
  const value = doc.value;
  const items = Array.isArray(value) ? value : [value];
  if (items.length > 0 && items.every(isDockerInspect)) {
    const workloads = items.flatMap((item, i) => {
      const w = workloadFromDockerInspect(item, r, Array.isArray(value) ? [i] : [], file);
      return w ? [w] : [];
    });
    return { workloads, problems, recognised: true };
  }
  if (isKubernetesDocument(value))
    return { workloads: workloadsFromManifest(value, r, [], file), problems, recognised: true };
  if (Array.isArray(value) && value.length > 0 && value.every(isKubernetesDocument))
    return {
      workloads: value.flatMap((item, i) => workloadsFromManifest(item, r, [i], file)),
      problems,
      recognised: true,
    };
  if (isComposeDocument(value))
    return { workloads: workloadsFromCompose(value, r, file), problems, recognised: true };
  return { workloads: [], problems, recognised: Array.isArray(value) && value.length === 0 };
}

/** Reads every workload in one file's text, whatever its kind; problems carry file and line. */
export function scanText(text: string, file: string): FileScan {
  const problems: InputProblem[] = [];
  const trimmed = text.trimStart();
  if (file.toLowerCase().endsWith('.json') || trimmed.startsWith('[') || trimmed.startsWith('{')) {
    const parsed = parseJsonDocument(text);
    if (parsed.documents.length > 0) return fromJson(parsed.documents[0]!, file, problems);
    if (file.toLowerCase().endsWith('.json')) {
      for (const p of parsed.problems) problems.push({ ...p, file });
      return { workloads: [], problems, recognised: true };
    }
    // Not JSON: flow-style YAML, read below.
  }
  const workloads: Workload[] = [];
  let recognised = false;
  for (const item of yamlDocuments(text, isKubernetesDocument)) {
    if ('problem' in item) {
      problems.push({ ...item.problem, file });
      recognised = true;
      continue;
    }
    const doc = item.document;
    const r = new FieldReader(problems, doc.lineOf, file);
    if (isKubernetesDocument(doc.value)) {
      workloads.push(...workloadsFromManifest(doc.value, r, [], file));
      recognised = true;
    } else if (isComposeDocument(doc.value)) {
      workloads.push(...workloadsFromCompose(doc.value, r, file));
      recognised = true;
    } else if (Array.isArray(doc.value) && doc.value.length > 0 && doc.value.every(isDockerInspect)) {
      workloads.push(...fromJson(doc, file, problems).workloads);
      recognised = true;
    }
  }
  return { workloads, problems, recognised };
}

export interface FilesScan {
  readonly workloads: Workload[];
  readonly problems: InputProblem[];
  readonly files: number;
  /** Files found in folders that held nothing to scan (CI configs, Helm values, ...). */
  readonly skipped: string[];
}

/** Reads files and folders (recursively, .yaml/.yml/.json); one bad file never stops the others. */
export async function scanFiles(paths: readonly string[]): Promise<FilesScan> {
  const { files, missing } = await expandInputs(paths, SCANNED_EXTENSIONS);
  const explicit = new Set(paths);
  const out: FilesScan = { workloads: [], problems: [], files: files.length, skipped: [] };
  for (const m of missing) out.problems.push({ message: 'no such file or directory', file: m });
  for (const file of files) {
    let text: string;
    try {
      const info = await stat(file);
      if (info.size > MAX_FILE_BYTES) {
        out.problems.push({
          message: `file too large (${info.size} bytes; the limit is ${MAX_FILE_BYTES})`,
          file,
        });
        continue;
      }
      text = await readFile(file, 'utf8');
    } catch (e) {
      out.problems.push({ message: `cannot read: ${(e as Error).message}`, file });
      continue;
    }
    if (text.includes('\u0000')) {
      if (explicit.has(file)) out.problems.push({ message: 'not a text file', file });
      else out.skipped.push(file);
      continue;
    }
    const scan = scanText(text, file);
    out.workloads.push(...scan.workloads);
    out.problems.push(...scan.problems);
    if (!scan.recognised) {
      if (explicit.has(file))
        out.problems.push({
          message: 'not a Compose file, Kubernetes manifest or docker inspect output',
          file,
        });
      else out.skipped.push(file);
    }
  }
  return out;
}
