import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { checkTenant } from './auth.js';
import type { ServerConfig } from './config.js';
import type { Intake } from './intake.js';
import { startSyslog, type SyslogListeners } from './syslog.js';

export interface HttpListener {
  /** http(s)://host:port as bound (the real port when the configuration asked for 0). */
  readonly url: string;
  /**
   * Stops accepting, closes idle connections, lets requests in flight finish (an ingest request's
   * answer waits for its ack: cut off, a client without an idempotency key would send it again),
   * and ends whatever is still open after the grace period.
   */
  close(): Promise<void>;
}

/** How long requests in flight may take to finish when the server stops (SIGTERM). */
const DRAIN_MS = 10_000;

/** The HTTP (or, with a certificate, HTTPS) server every role runs, on the configured address. */
export async function listenHttp(
  config: ServerConfig,
  app: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<HttpListener> {
  const server =
    config.tlsCert !== null && config.tlsKey !== null
      ? createHttpsServer({ cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) }, app)
      : createHttpServer(app);
  server.requestTimeout = 5 * 60_000;
  server.headersTimeout = 30_000;
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(config.port, config.host, () => ok());
  });
  const address = server.address() as AddressInfo;
  const scheme = config.tlsCert !== null ? 'https' : 'http';
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `${scheme}://${host}:${address.port}`,
    close: () =>
      new Promise<void>((ok) => {
        const cut = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
        server.close(() => {
          clearTimeout(cut);
          ok();
        });
        server.closeIdleConnections();
      }),
  };
}

/** The syslog listeners, when the configuration gives a TCP or UDP port. */
export async function startConfiguredSyslog(
  config: ServerConfig,
  intake: Intake,
  log: (message: string) => void,
): Promise<SyslogListeners | null> {
  if (config.syslogTcpPort === null && config.syslogUdpPort === null) return null;
  const syslog = await startSyslog(intake, {
    host: config.host,
    tcpPort: config.syslogTcpPort,
    udpPort: config.syslogUdpPort,
    tenant: checkTenant(config.syslogTenant),
    log,
  });
  log(
    `syslog: tcp ${syslog.tcpPort ?? 'off'}, udp ${syslog.udpPort ?? 'off'} (tenant ${config.syslogTenant})`,
  );
  return syslog;
}
