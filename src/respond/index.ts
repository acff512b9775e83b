/**
 * Response: playbooks that act on incidents and alerts, with approvals, dry runs, an audit log,
 * rollback, block-list feeds and an agent command queue. The server constructs one
 * ResponseEngine; everything else here is what it is built from.
 */
export {
  DEFAULT_CONFIG,
  ResponseEngine,
  ResponseRequestError,
  approvalNeeded,
  type Clock,
  type Preview,
  type ResponseConfig,
  type ResponseEngineDeps,
  type ResponseStats,
  type TriggerReceipt,
} from './engine.js';
export { envReferences, loadPlaybooks, parsePlaybook, PlaybookError, type PlaybookLoad } from './load.js';
export { alertFromJson, incidentFromJson } from './input.js';
export { MODES, type Mode, type Playbook, type Step, type Trigger } from './model.js';
export {
  ActionError,
  ActionRegistry,
  defaultActions,
  signPayload,
  type Action,
  type ActionContext,
  type ActionDeps,
  type ActionOutcome,
  type AddIncidentNote,
  type Params,
  type ParamSpec,
  type ParamType,
} from './actions/index.js';
export {
  BLOCK_LISTS,
  type AgentCommand,
  type AgentCommandName,
  type AgentCommandState,
  type AuditEntry,
  type AuditFilter,
  type BlockEntry,
  type BlockListName,
  type PurgeCounts,
  type PurgeCutoffs,
  type ResponseStore,
  type RunFilter,
  type RunRecord,
  type RunStatus,
  type StepRun,
  type StepStatus,
} from './store.js';
export { MemoryResponseStore } from './memory-store.js';
export { ClickHouseResponseStore } from './clickhouse-store.js';
export { RESPONSE_DDL, RESPONSE_TABLES } from './schema.js';
export {
  FEED_CONTENT_TYPES,
  FEED_FORMATS,
  renderFeed,
  renderStixBundle,
  renderTextFeed,
  stixPattern,
  type FeedFormat,
} from './feeds.js';
export { normalizeBlockValue, isBlockList } from './blocklist.js';
export { AgentCommandError, AgentCommandQueue } from './agent-queue.js';
export {
  subjectOfAlert,
  subjectOfIncident,
  type AlertInput,
  type IncidentChange,
  type IncidentInput,
  type Subject,
} from './subject.js';
export type { RateLimit } from './rate-limit.js';
