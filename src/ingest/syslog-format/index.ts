export {
  parseSyslog,
  syslogToEvent,
  FACILITIES,
  SEVERITIES,
  type SyslogMessage,
  type SyslogResult,
  type ParseOptions,
} from './parse.js';
export { SyslogFramer, datagramMessage, type Framed } from './framing.js';
