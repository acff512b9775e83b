import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Detector } from '../detect/hunt/detector.js';
import type { JsonObject } from '../ingest/types.js';
import type { ColumnMapper, Mappings } from '../normalize/index.js';
import type { Store } from '../store/index.js';
import { makeBatch } from './batch.js';
import { IntakeLog } from './intake.js';
import { Processor } from './processor.js';

/** For tests: stores events through the real ingest path (log, normalize, detect, insert). */
export async function ingestForTest(
  store: Store,
  tools: { detector: Detector; mappings: Mappings; columns: ColumnMapper },
  tenant: string,
  events: readonly JsonObject[],
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-ingest-'));
  const log = IntakeLog.open(join(dir, 'wal'));
  const processor = new Processor(
    log.wal,
    store,
    tools.detector,
    tools.mappings,
    tools.columns,
    join(dir, 'checkpoint.json'),
  );
  log.onAppend = (p, b) => processor.remember(p, b);
  processor.start();
  try {
    for (let i = 0; i < events.length; i += 5000)
      await log.append(makeBatch(tenant, `test-${i}`, 'test', events.slice(i, i + 5000) as JsonObject[]));
    await processor.idle();
    if (processor.stats.lastError !== null) throw new Error(processor.stats.lastError);
  } finally {
    await processor.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
