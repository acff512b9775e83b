export {
  parseCount,
  parseRange,
  parseTimeBound,
  rangeParams,
  SearchRequestError,
  TENANT_RANGE,
  type TimeRange,
} from './request.js';
export {
  bucketSeconds,
  exportEvents,
  exportHeader,
  exportLine,
  parseRaw,
  type ExportFormat,
  FACET_FIELDS,
  LIST_COLUMNS,
  MAX_SEARCH_LIMIT,
  searchEvents,
  searchWhere,
  type EventSearch,
  type EventSearchResult,
} from './events.js';
export {
  classifyIoc,
  IOC_TYPES,
  MAX_IOCS,
  sweepIocs,
  type Ioc,
  type IocResult,
  type IocType,
  type SweepResult,
} from './sweep.js';
export { retroHunt, type RetroHuntOptions, type RetroHuntResult, type RuleHuntResult } from './retro-hunt.js';
