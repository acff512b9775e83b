import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerStore } from './clickhouse.js';
import { EVENT_ROW_COLUMNS, eventRows, insertEvents, type StoredEvent } from './rows.js';

/** What a ClickHouse server's HTTP interface was sent: a stand-in that records and says OK. */
interface Sent {
  readonly method: string;
  readonly params: URLSearchParams;
  readonly body: Buffer;
}

let server: Server;
let url: string;
const sent: Sent[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      sent.push({
        method: req.method ?? '',
        params: new URL(req.url ?? '/', 'http://x').searchParams,
        body: Buffer.concat(chunks),
      });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/vigil`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const event: StoredEvent = {
  tenant: 't',
  eventId: 'e1',
  time: Date.UTC(2026, 11, 2),
  received: Date.UTC(2026, 11, 2),
  source: 'test',
  fields: new Map([['CommandLine', 'cmd /c "a\tb"']]),
  columns: { host: 'ws1' },
  raw: '{"a":"C:\\\\x"}',
  ruleIds: [],
};

describe('ServerStore inserts', () => {
  it('sends event rows as the body of INSERT … FORMAT RowBinary, with the dedup token', async () => {
    const store = new ServerStore({ url });
    try {
      sent.length = 0;
      const first = eventRows([event]);
      const second = eventRows([{ ...event, eventId: 'e2' }]);
      await insertEvents(store, [first, second], 'tok-1');
      expect(sent).toHaveLength(1);
      const [req] = sent;
      expect(req!.method).toBe('POST');
      expect(req!.params.get('query')).toBe(
        `INSERT INTO events (${EVENT_ROW_COLUMNS.join(', ')}) FORMAT RowBinary`,
      );
      expect(req!.params.get('insert_deduplication_token')).toBe('tok-1');
      expect(req!.params.get('max_partitions_per_insert_block')).toBe('0');
      expect(req!.params.get('database')).toBe('vigil');
      expect(req!.body).toEqual(Buffer.concat([first, second]));
    } finally {
      await store.close();
    }
  });

  it('sends JSONEachRow rows as they are, not as JSON-encoded buffers', async () => {
    const store = new ServerStore({ url });
    try {
      sent.length = 0;
      await store.insert('alerts', Buffer.from('{"alert_id":"a1"}\n'));
      expect(sent).toHaveLength(1);
      expect(sent[0]!.params.get('query')).toBe('INSERT INTO alerts FORMAT JSONEachRow');
      expect(sent[0]!.body.toString()).toBe('{"alert_id":"a1"}\n');
    } finally {
      await store.close();
    }
  });
});
