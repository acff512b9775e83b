import { VigilError } from '../../core/errors.js';
import { INSTALLER_CHAIN_ID, InstallerChain, type InstallerChainOptions } from './installer-chain.js';
import {
  RANDOM_SYSTEM_BINARY_ID,
  RandomSystemBinary,
  type RandomSystemBinaryOptions,
} from './random-system-binary.js';
import { loadSystemNames, type SystemNames } from './system-names.js';
import { TELEMETRY_GAPS_ID, TelemetryGaps, type TelemetryGapOptions } from './telemetry-gaps.js';
import type { Analytic, AnalyticEvent, AnalyticFinding } from './types.js';
import { loadVendorCatalog, type VendorCatalog } from './vendor-catalog.js';
import {
  VENDOR_IMPERSONATION_ID,
  VendorImpersonation,
  type VendorImpersonationOptions,
} from './vendor-impersonation.js';

export const ANALYTIC_IDS = [
  VENDOR_IMPERSONATION_ID,
  RANDOM_SYSTEM_BINARY_ID,
  INSTALLER_CHAIN_ID,
  TELEMETRY_GAPS_ID,
] as const;

export type AnalyticId = (typeof ANALYTIC_IDS)[number];

export interface AnalyticsOptions {
  /** Analytics to run, by id. Default: all of ANALYTIC_IDS. */
  readonly enabled?: readonly string[];
  /** Folder holding security-vendors.yml and system-names.yml. Default: the repository's mappings/. */
  readonly mappingsDir?: string;
  /** Vendor list to use instead of security-vendors.yml. */
  readonly vendors?: VendorCatalog;
  /** Name model data to use instead of system-names.yml. */
  readonly systemNames?: SystemNames;
  readonly vendorImpersonation?: Omit<VendorImpersonationOptions, 'catalog'>;
  readonly randomNames?: Omit<RandomSystemBinaryOptions, 'names'>;
  readonly installerChain?: InstallerChainOptions;
  readonly telemetryGaps?: TelemetryGapOptions;
}

/** Runs Vigil's own analytics, for what Sigma rules cannot express, over a stream of events. */
export class Analytics {
  /** Ids of the analytics running, in the order their findings are returned. */
  readonly ids: readonly AnalyticId[];
  private readonly analytics: readonly Analytic[];

  constructor(o: AnalyticsOptions = {}) {
    const enabled = o.enabled ?? ANALYTIC_IDS;
    const unknown = enabled.filter((id) => !(ANALYTIC_IDS as readonly string[]).includes(id));
    if (unknown.length > 0)
      throw new VigilError(
        'analytics.unknown',
        `unknown analytic ${unknown.join(', ')}; known: ${ANALYTIC_IDS.join(', ')}`,
      );
    this.ids = ANALYTIC_IDS.filter((id) => enabled.includes(id));
    this.analytics = this.ids.map((id) => create(id, o));
  }

  /** Findings triggered by one event (gap findings too, when its time closes a bucket). */
  observe(e: AnalyticEvent): AnalyticFinding[] {
    const out: AnalyticFinding[] = [];
    for (const a of this.analytics) out.push(...a.observe(e));
    return out;
  }

  /**
   * Time moved on (stream time = max event time seen, or wall clock in a server): findings that
   * need the passage of time (telemetry gaps, chains whose payload signature never came).
   */
  advance(now: number): AnalyticFinding[] {
    const out: AnalyticFinding[] = [];
    for (const a of this.analytics) out.push(...a.advance(now));
    return out;
  }
}

function create(id: AnalyticId, o: AnalyticsOptions): Analytic {
  switch (id) {
    case VENDOR_IMPERSONATION_ID:
      return new VendorImpersonation({
        ...o.vendorImpersonation,
        catalog: o.vendors ?? loadVendorCatalog(o.mappingsDir),
      });
    case RANDOM_SYSTEM_BINARY_ID:
      return new RandomSystemBinary({
        ...o.randomNames,
        names: o.systemNames ?? loadSystemNames(o.mappingsDir),
      });
    case INSTALLER_CHAIN_ID:
      return new InstallerChain(o.installerChain);
    case TELEMETRY_GAPS_ID:
      return new TelemetryGaps(o.telemetryGaps);
  }
}
