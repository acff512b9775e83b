/**
 * Email security analysis: parse a message within bounds, judge it (lookalike domains, sender
 * headers, authentication results, sender history, BEC language and IBANs, attachments, links),
 * and produce a verdict with reasons and the ECS-style event to store.
 */
export {
  analyzeRaw,
  recordInHistory,
  DEFAULT_LIMITS,
  type AnalysisContext,
  type AnalysisLimits,
  type EmailAnalysis,
  type LimitHit,
} from './analyze.js';
export { EmailPolicy, type EmailPolicyOptions } from './policy.js';
export {
  InMemorySenderHistory,
  type SenderHistory,
  type SenderObservation,
  type SenderRecord,
} from './history.js';
export { migrateSenderHistory, SENDER_HISTORY_DDL, StoreSenderHistory } from './store-history.js';
export { archiveFiles, type ArchiveFile } from './attachments.js';
export { loadPeople, parsePeople, type PeopleFile, type Person } from './people.js';
export { type Finding, type AnalyzerName, type EvidenceValue } from './findings.js';
export { combine, type Verdict, SUSPICIOUS_AT, MALICIOUS_AT, STRONG_AT, CONTEXT_BELOW } from './verdict.js';
export { type EmailEvent } from './event.js';
export {
  LookalikeIndex,
  type LookalikeMatch,
  type LookalikeTechnique,
  type ProtectedDomain,
  type ProtectedKind,
} from './lookalike.js';
export { wellKnownBrands, isFreemail, isShortener } from './brands.js';
export { PublicSuffixList, publicSuffixes } from './public-suffix.js';
export { findIbans, isValidIban } from './iban.js';
export {
  findMailSources,
  readMailSource,
  splitMbox,
  type MailItem,
  type MailSource,
  type MboxPart,
} from './mailbox.js';
export {
  startJournalListener,
  type JournalEnvelope,
  type JournalListener,
  type JournalListenerOptions,
} from './smtp.js';
