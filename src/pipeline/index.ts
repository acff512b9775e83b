export { makeBatch, encodeBatch, decodeBatch, type IngestBatch } from './batch.js';
export { IntakeLog, type Accepted } from './intake.js';
export { Processor, type ProcessorOptions, type ProcessorStats } from './processor.js';
export { EnrichPool } from './enrich-pool.js';
