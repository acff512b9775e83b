import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FILE_BYTES, scanFiles } from './files.js';

describe('scanning files and folders', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-posture-files-'));
    mkdirSync(join(dir, 'deploy', 'nested'), { recursive: true });
    writeFileSync(
      join(dir, 'deploy', 'pod.yaml'),
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {hostPID: true, containers: [{name: c}]}\n',
    );
    writeFileSync(join(dir, 'deploy', 'nested', 'compose.yml'), 'services:\n  a:\n    privileged: true\n');
    writeFileSync(join(dir, 'deploy', 'values.yaml'), 'replicas: 3\n');
    writeFileSync(join(dir, 'deploy', 'notes.txt'), 'not scanned\n');
    writeFileSync(join(dir, 'deploy', 'blob.json'), Buffer.from([0x7b, 0x00, 0x7d]));
    // One byte over the limit; the content does not matter, it is never parsed.
    writeFileSync(join(dir, 'huge.yaml'), Buffer.alloc(MAX_FILE_BYTES + 1, 0x20));
    writeFileSync(join(dir, 'other.yaml'), 'replicas: 3\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('walks folders, skips what is not a workload, and names every problem', async () => {
    const r = await scanFiles([
      join(dir, 'deploy'),
      join(dir, 'huge.yaml'),
      join(dir, 'other.yaml'),
      join(dir, 'missing.yaml'),
    ]);
    expect(r.workloads.map((w) => w.target).sort()).toEqual(['compose:nested/a', 'k8s:Pod/p']);
    expect(r.files).toBe(6);
    expect(r.skipped.sort()).toEqual([join(dir, 'deploy', 'blob.json'), join(dir, 'deploy', 'values.yaml')]);
    expect(r.problems).toEqual([
      { message: 'no such file or directory', file: join(dir, 'missing.yaml') },
      {
        message: `file too large (${MAX_FILE_BYTES + 1} bytes; the limit is ${MAX_FILE_BYTES})`,
        file: join(dir, 'huge.yaml'),
      },
      // Named explicitly, so a file with nothing to scan is a problem rather than skipped.
      {
        message: 'not a Compose file, Kubernetes manifest or docker inspect output',
        file: join(dir, 'other.yaml'),
      },
    ]);
  });
});
