export { startServer, defaultRulesDir, type RunningServer } from './server.js';
export { loadConfig, ConfigError, DEFAULTS, type ServerConfig } from './config.js';
export { startIngestNode, ingestTokenHash, type RunningIngestNode } from './ingest-node.js';
export { startApiNode } from './api-node.js';
