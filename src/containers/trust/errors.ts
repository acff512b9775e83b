import { VigilError } from '../../core/errors.js';

/**
 * What went wrong, in two families that a CI gate treats differently:
 * - input problems (a bad reference, key, policy or payload argument): fix the command;
 * - remote problems (the registry or Notary server cannot be reached or answers nonsense): retry.
 */
export type TrustErrorCode =
  | 'bad-ref'
  | 'bad-key'
  | 'bad-policy'
  | 'usage'
  | 'network'
  | 'timeout'
  | 'too-large'
  | 'auth'
  | 'not-found'
  | 'bad-response';

const REMOTE: ReadonlySet<TrustErrorCode> = new Set([
  'network',
  'timeout',
  'too-large',
  'auth',
  'not-found',
  'bad-response',
]);

export class TrustError extends VigilError {
  declare readonly code: TrustErrorCode;

  constructor(code: TrustErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, {}, options);
    this.name = 'TrustError';
  }

  /** True when the problem is on the other side of the network (registry, token server, Notary). */
  get remote(): boolean {
    return REMOTE.has(this.code);
  }
}
