/** The analyst's search language, parsed. */
export type QueryNode =
  | { readonly k: 'and'; readonly items: readonly QueryNode[] }
  | { readonly k: 'or'; readonly items: readonly QueryNode[] }
  | { readonly k: 'not'; readonly item: QueryNode }
  | { readonly k: 'all' }
  | TermNode;

export type Value =
  | { readonly k: 'text'; readonly text: string; readonly phrase: boolean }
  /** Pattern parts: literal strings, and '*' / '?' wildcards as separate markers. */
  | { readonly k: 'wildcard'; readonly parts: readonly (string | WildcardMark)[] }
  | { readonly k: 'exists' }
  | { readonly k: 'range'; readonly low: Bound | null; readonly high: Bound | null };

export interface WildcardMark {
  readonly wildcard: '*' | '?';
}

export interface Bound {
  readonly value: string;
  readonly inclusive: boolean;
}

export interface TermNode {
  readonly k: 'term';
  /** null for a bare term (searched in every field). */
  readonly field: string | null;
  readonly value: Value;
}

export class SearchSyntaxError extends Error {
  constructor(
    message: string,
    /** 0-based offset in the query. */
    readonly position: number,
  ) {
    super(`${message} at ${position}`);
    this.name = 'SearchSyntaxError';
  }
}
