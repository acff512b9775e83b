export { readJsonRecords, readJsonFile, jsonReader, type JsonReadOptions } from './reader.js';
export { JsonError, type JsonErrorCode } from './errors.js';
