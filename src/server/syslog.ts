import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import type { JsonObject } from '../ingest/types.js';
import { datagramMessage, parseSyslog, SyslogFramer, syslogToEvent } from '../ingest/syslog-format/index.js';
import { makeBatch } from '../pipeline/index.js';
import type { Intake } from './intake.js';

/** Events are appended in small groups: one fsync per group, not per message. */
const FLUSH_MS = 200;
const FLUSH_COUNT = 2000;

export interface SyslogListeners {
  readonly tcpPort: number | null;
  readonly udpPort: number | null;
  /** Messages that could not be parsed (kept as plain `message` events) or framed. */
  readonly stats: { received: number; unparsed: number; dropped: number };
  close(): Promise<void>;
}

/**
 * Syslog over TCP (RFC 6587 framing) and UDP, for one tenant. Syslog has no acknowledgement, so
 * durability starts when a group is appended to the ingest log; while the log is full, UDP
 * messages are dropped (and counted) and TCP connections are paused.
 */
export async function startSyslog(
  intake: Intake,
  options: {
    host: string;
    tcpPort: number | null;
    udpPort: number | null;
    tenant: string;
    log: (m: string) => void;
  },
): Promise<SyslogListeners> {
  const stats = { received: 0, unparsed: 0, dropped: 0 };
  let pending: JsonObject[] = [];
  let timer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = null;
    const events = pending;
    pending = [];
    if (events.length === 0) return flushing;
    flushing = flushing.then(() =>
      intake.append(makeBatch(options.tenant, null, 'syslog', events)).then(
        () => undefined,
        (e: Error) => {
          stats.dropped += events.length;
          options.log(`syslog: ${events.length} messages dropped: ${e.message}`);
        },
      ),
    );
    return flushing;
  };
  const add = (text: string, via: string) => {
    stats.received++;
    const parsed = parseSyslog(text, { receivedAt: Date.now() });
    if (parsed.ok) pending.push({ ...(syslogToEvent(parsed.value) as JsonObject), 'event.provider': via });
    else {
      stats.unparsed++;
      pending.push({ message: text, 'event.provider': via, 'error.message': parsed.error });
    }
    if (pending.length >= FLUSH_COUNT) void flush();
    else timer ??= setTimeout(() => void flush(), FLUSH_MS);
  };

  let tcp: Server | null = null;
  if (options.tcpPort !== null) {
    tcp = createServer((socket) => {
      const framer = new SyslogFramer();
      socket.on('data', (chunk: Buffer) => {
        const { messages, errors } = framer.push(chunk);
        for (const m of messages) add(m, 'syslog:tcp');
        for (const e of errors) options.log(`syslog tcp: ${e}`);
        if (pending.length >= FLUSH_COUNT) {
          socket.pause();
          void flush().then(() => socket.resume());
        }
      });
      socket.on('end', () => {
        for (const m of framer.end().messages) add(m, 'syslog:tcp');
      });
      socket.on('error', () => socket.destroy());
      socket.setTimeout(10 * 60_000, () => socket.destroy());
    });
    await new Promise<void>((ok, fail) => {
      tcp!.once('error', fail);
      tcp!.listen(options.tcpPort!, options.host, () => ok());
    });
  }
  let udp: UdpSocket | null = null;
  if (options.udpPort !== null) {
    udp = createSocket(options.host.includes(':') ? 'udp6' : 'udp4');
    udp.on('message', (msg) => add(datagramMessage(msg), 'syslog:udp'));
    await new Promise<void>((ok, fail) => {
      udp!.once('error', fail);
      udp!.bind(options.udpPort!, options.host, () => ok());
    });
  }
  const port = (s: Server | null) => {
    const a = s?.address();
    return a && typeof a === 'object' ? a.port : null;
  };
  return {
    tcpPort: port(tcp),
    udpPort: udp ? udp.address().port : null,
    stats,
    async close() {
      await new Promise<void>((ok) => (tcp ? tcp.close(() => ok()) : ok()));
      await new Promise<void>((ok) => (udp ? udp.close(() => ok()) : ok()));
      await flush();
    },
  };
}
