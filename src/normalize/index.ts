export { Mappings, MappingError, defaultMappingsDir, type Flattened } from './mappings.js';
export { type FlatEvent, type FieldValue, type Scalar, addField } from './flat-event.js';
export { ColumnMapper, type ColumnValues } from './columns.js';
