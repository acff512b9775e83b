import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Detector } from '../detect/hunt/detector.js';
import type { RuleError } from '../detect/sigma/parse/errors.js';
import type { Intake } from './intake.js';
import type { PipelineControl } from './pipeline-control.js';
import type { ColumnMapper, Mappings } from '../normalize/index.js';
import type { Store } from '../store/index.js';
import type { IncidentRepository, IncidentService } from '../correlate/index.js';
import type { Principal, TokenStore } from './auth.js';
import type { SignInLimiter, UserStore } from './users.js';
import type { LiveRules } from './rule-set.js';
import type { ServerConfig } from './config.js';
import type { RecordPurge, Retention } from './retention.js';
import type { ResponseService } from './response.js';
import type { EmailService } from './email.js';

/** Everything the routes share: built once by the server. */
export interface Services {
  readonly config: ServerConfig;
  readonly store: Store;
  /** How long events and alerts are kept; admins may change it unless the configuration sets it. */
  readonly retention: Retention;
  /** The daily pass that keeps incidents and response records to the retention. */
  readonly recordPurge: RecordPurge;
  /** Where ingest puts batches: the ingest log (role all) or the event stream (role api). */
  readonly intake: Intake;
  /** Status, metrics, rule and suppression changes of the pipeline, local or on the workers. */
  readonly pipeline: PipelineControl;
  readonly tokens: TokenStore;
  readonly users: UserStore;
  readonly signIns: SignInLimiter;
  /** The running rule set; replaced when rules are uploaded, enabled or disabled. */
  detector: Detector;
  readonly rules: LiveRules;
  readonly mappings: Mappings;
  readonly columns: ColumnMapper;
  /** Incidents, their lifecycle, and suppressions in the store. */
  readonly incidents: IncidentRepository;
  /**
   * Builds incidents live from the pipeline's alerts; null on an api node that reads a ClickHouse
   * server, where `vigil writer` builds them.
   */
  readonly incidentBuilder: IncidentService | null;
  /** Playbooks, runs, approvals, the kill switch, feeds and agent commands. */
  readonly response: ResponseService;
  /** Mail analysis: the policy, sender history, and the SMTP journaling listener. */
  readonly email: EmailService;
  /** The rule errors of the loaded rule set, reported with retro-hunts over it. */
  ruleErrors: readonly RuleError[];
  /** A retro-hunt is running: they are heavy, so one at a time. */
  retroHuntBusy: boolean;
  readonly log: (message: string) => void;
  /** Request bytes being read and parsed right now, for admission control. */
  inflightBytes: number;
}

/** What the ingest endpoints need: an ingest node has only these. */
export interface IngestServices {
  readonly config: ServerConfig;
  readonly intake: Intake;
  readonly log: (message: string) => void;
  /** Request bytes being read and parsed right now, for admission control. */
  inflightBytes: number;
}

/** One ingest request: the services it needs, the caller, and the tenant it acts for. */
export interface IngestContext {
  readonly services: IngestServices;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly principal: Principal;
  readonly tenant: string;
}

/** One request: the services, the caller, and the tenant it acts for. */
export interface RequestContext {
  readonly services: Services;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly principal: Principal;
  readonly tenant: string;
}
