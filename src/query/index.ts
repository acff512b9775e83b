export { SearchSyntaxError, type QueryNode, type TermNode, type Value } from './ast.js';
export { parseQuery, searchTerms, LIMITS } from './parse.js';
export {
  compileSearch,
  hashColumnsFor,
  type ColumnKind,
  type ColumnRef,
  type CompiledSearch,
  type CompileOptions,
  type FieldResolver,
} from './sql.js';
