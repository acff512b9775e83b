import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChdbStore } from './chdb.js';
import { applyRetention, migrate } from './schema.js';
import type { Store } from './store.js';

/**
 * The single-node store (and a ClickHouse server without a cluster) must keep the exact DDL it had
 * before cluster DDL existed: the statements migrate and applyRetention send, recorded on a real
 * embedded store, equal the golden file written from the code before that change.
 */
describe('plain schema: the statements are exactly the ones before cluster DDL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-schema-plain-'));
  const inner = new ChdbStore(dir);
  afterAll(async () => {
    await inner.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records migrate (retention 90, null, 0, 30) and retention changes (7, 0)', async () => {
    const seen: string[] = [];
    const recording: Store = {
      kind: inner.kind,
      query: (sql, params) => (seen.push(sql), inner.query(sql, params)),
      exec: (sql, params) => (seen.push(sql), inner.exec(sql, params)),
      insert: (table, rows, options) => inner.insert(table, rows, options),
      close: () => inner.close(),
    };
    for (const days of [90, null, 0, 30]) {
      seen.push(`-- migrate retentionDays=${days}`);
      await migrate(recording, { retentionDays: days });
    }
    seen.push('-- applyRetention 7');
    await applyRetention(recording, 7);
    seen.push('-- applyRetention 0');
    await applyRetention(recording, 0);
    const golden = readFileSync(new URL('./testdata/plain-schema.golden.sql', import.meta.url), 'utf8');
    expect(seen.join('\n;\n') + '\n').toBe(golden);
  });
});
