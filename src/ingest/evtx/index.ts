export {
  readEvtxFile,
  readEvtxChunks,
  readEvtxBuffer,
  type EvtxReadOptions,
  type EvtxResult,
} from './reader.js';
export { EvtxRecord } from './record.js';
export { EvtxError, type EvtxErrorCode } from './errors.js';
export { parseFileHeader, type EvtxFileHeader, CHUNK_SIZE, FILE_HEADER_SIZE } from './file-header.js';
export {
  renderJson,
  renderSections,
  stringifyJson,
  type JsonObject,
  type JsonValue,
  type SectionSink,
} from './render/json.js';
export { renderXml } from './render/xml.js';
