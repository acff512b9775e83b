export {
  entitiesOf,
  entityKey,
  ENTITY_TYPES,
  parseStoredEntity,
  storedEntity,
  type Entity,
  type EntityRole,
  type EntityType,
} from './entities.js';
export { Prevalence, type PrevalenceOptions } from './prevalence.js';
export { LINK_THRESHOLD, MAX_LINK_MS, type Link, type LinkEvidence, type LinkKind } from './links.js';
export { riskOf, tacticsOf, TACTICS, type Risk } from './risk.js';
export {
  IncidentBuilder,
  type CorrelationAlert,
  type Incident,
  type IncidentAlert,
  type IncidentBuilderOptions,
  type IncidentEntity,
} from './incidents.js';
export { correlateAlerts } from './batch.js';
export { alertOfHuntOutput, entitiesOfColumns } from './from-hunt.js';
export { findingJson, findingsText, incidentsText } from './format.js';
export { IncidentService, type IncidentInput, type IncidentServiceStats } from './service.js';
export {
  IncidentRepository,
  IncidentRequestError,
  STATUSES,
  VERDICTS,
  type IncidentDetail,
  type IncidentListOptions,
  type IncidentNote,
  type IncidentState,
  type IncidentStatus,
  type IncidentSummary,
  type Verdict,
} from './repository.js';
export { FactsCollector, learnFacts, type EventFacts } from './facts.js';
export { Lineage } from './lineage.js';
export { alertOfFinding, findingEntities } from './from-findings.js';
export { HuntIncidents, type LocatedFinding } from './hunt-incidents.js';
