export { type Result, type VigilErrorLike, ok, err } from './result.js';
export { VigilError, type SourceLocation, formatLocation } from './errors.js';
