export type { AnalyticEvent, AnalyticFinding, AnalyticLevel } from './types.js';
export { Analytics, ANALYTIC_IDS, type AnalyticId, type AnalyticsOptions } from './analytics.js';
export { VENDOR_IMPERSONATION_ID, type VendorImpersonationOptions } from './vendor-impersonation.js';
export { vendorCatalog, type VendorCatalog, type VendorEntry } from './vendor-catalog.js';
export { RANDOM_SYSTEM_BINARY_ID, type RandomSystemBinaryOptions } from './random-system-binary.js';
export type { SystemNames } from './system-names.js';
export { INSTALLER_CHAIN_ID, type InstallerChainOptions } from './installer-chain.js';
export {
  TELEMETRY_GAPS_ID,
  NETWORK_GAP_ID,
  TYPE_GAP_ID,
  SENSOR_GAP_ID,
  type TelemetryGapOptions,
} from './telemetry-gaps.js';
export { ANALYTIC_FIELDS, projectForAnalytics } from './projection.js';
