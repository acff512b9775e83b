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
export { renderJson, stringifyJson, type JsonObject, type JsonValue } from './render/json.js';
export { renderXml } from './render/xml.js';
