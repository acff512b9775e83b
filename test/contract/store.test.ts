import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { ChdbStore } from '../../src/store/chdb.js';
import { ServerStore } from '../../src/store/clickhouse.js';
import { storeContract } from './store.contract.js';

// chDB runs one engine per process: every test shares one data directory, and each starts by
// dropping what the previous one left.
const dir = mkdtempSync(join(tmpdir(), 'vigil-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function emptied<S extends ChdbStore | ServerStore>(store: S): Promise<S> {
  for (const table of ['events', 'alerts', 'rules', 'tokens', 'vigil_meta'])
    await store.exec(`DROP TABLE IF EXISTS ${table} SYNC`);
  return store;
}

storeContract('embedded (chDB)', () => emptied(new ChdbStore(dir)));

const url = process.env.VIGIL_CLICKHOUSE_URL;
if (url) storeContract(`server (${new URL(url).host})`, () => emptied(new ServerStore({ url })));
else
  describe('Store contract: server', () => {
    it.skip('needs VIGIL_CLICKHOUSE_URL (a ClickHouse 23.3+ server); see docs/store.md', () => undefined);
  });
