import { VigilError } from '../../../core/errors.js';

/** A rule that cannot be loaded: file, line and a reason. Loading goes on with the other rules. */
export class RuleError extends VigilError {
  constructor(message: string, file: string, line: number) {
    super('sigma.rule', message, { file, line });
    this.name = 'RuleError';
  }
}

/** Thrown while parsing one rule; the loader catches it, records it, and moves on. */
export class RuleSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'RuleSyntaxError';
  }
}
