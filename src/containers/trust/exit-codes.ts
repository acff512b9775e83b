import type { Verdict } from './verify.js';

/** Exit codes of `vigil image verify`, for CI/CD gates. */
export const ExitCodes = {
  /** Verified, or allowed unsigned by the policy. */
  pass: 0,
  /** Checked and refused: unsigned, untrusted, mismatch, invalid, not covered. */
  refused: 1,
  /** Bad input: the reference, a key, the policy, the command line. */
  input: 2,
  /** The registry or Notary server could not be reached or answered nonsense: worth a retry. */
  remote: 3,
} as const;

export function exitCodeFor(verdict: Verdict): number {
  if (verdict.pass) return ExitCodes.pass;
  if (verdict.status !== 'error') return ExitCodes.refused;
  return verdict.error?.remote === true ? ExitCodes.remote : ExitCodes.input;
}
