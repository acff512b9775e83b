import { describe, expect, it } from 'vitest';
import { ColumnMapper } from '../../src/normalize/index.js';
import { eventRows, insertEvents, migrate, type Store, type StoredEvent } from '../../src/store/index.js';

/**
 * What every Store must do, whatever runs it. `open` returns a store on an empty database;
 * the suite creates the schema itself.
 */
export function storeContract(name: string, open: () => Promise<Store>): void {
  const columns = ColumnMapper.load();
  const row = (
    tenant: string,
    id: string,
    fields: Record<string, string | number>,
    time = Date.UTC(2026, 10, 1, 10),
    received = time + 1000,
  ): StoredEvent => ({
    tenant,
    eventId: id,
    time,
    received,
    source: 'evtx',
    fields: new Map(Object.entries(fields)),
    columns: columns.map(new Map(Object.entries(fields))),
    raw: JSON.stringify(fields),
    ruleIds: [],
  });
  const block = (...rows: StoredEvent[]) => eventRows(rows);

  describe(`Store contract: ${name}`, () => {
    it('creates the schema, and creating it again changes nothing', async () => {
      const store = await open();
      try {
        await migrate(store, { retentionDays: 30 });
        await migrate(store, { retentionDays: 30 });
        const tables = await store.query<{ name: string }>(
          'SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name',
        );
        expect(tables.map((t) => t.name)).toEqual(
          expect.arrayContaining(['alerts', 'events', 'rules', 'tokens', 'vigil_meta']),
        );
        const indexes = await store.query<{ name: string; type: string }>(
          "SELECT name, type FROM system.data_skipping_indices WHERE database = currentDatabase() AND table = 'events' ORDER BY name",
        );
        expect(indexes).toEqual(
          expect.arrayContaining([
            { name: 'idx_hash_sha256', type: 'bloom_filter' },
            { name: 'idx_domain', type: 'bloom_filter' },
            { name: 'idx_command_line', type: 'tokenbf_v1' },
          ]),
        );
      } finally {
        await store.close();
      }
    });

    it('stores events with their ECS columns, and reads them back by parameters only', async () => {
      const store = await open();
      try {
        await migrate(store, { retentionDays: 0 });
        await insertEvents(
          store,
          block(
            row('acme', 'e1', {
              Computer: 'WS1',
              Image: 'C:\\Windows\\System32\\cmd.exe',
              CommandLine: "cmd /c echo x' OR 1=1 --",
              Hashes: 'SHA1=AA,MD5=BB,SHA256=CC,IMPHASH=DD',
              EventID: 1,
              User: 'CORP\\alice',
            }),
            row('acme', 'e2', { Computer: 'WS2', DestinationIp: '10.1.2.3', DestinationPort: 443 }),
            row('other', 'e3', { Computer: 'WS1', Image: 'x.exe' }),
          ),
        );
        const hostile = "x' OR 1=1 --";
        const got = await store.query<Record<string, unknown>>(
          `SELECT event_id, host, user_name, user_domain, hash_sha256, hash_md5, event_code, fields['Image'] AS image
           FROM events WHERE tenant = {tenant:String} AND positionCaseInsensitive(process_command_line, {needle:String}) > 0`,
          { tenant: 'acme', needle: hostile },
        );
        expect(got).toEqual([
          {
            event_id: 'e1',
            host: 'WS1',
            user_name: 'alice',
            user_domain: 'CORP',
            hash_sha256: 'cc',
            hash_md5: 'bb',
            event_code: '1',
            image: 'C:\\Windows\\System32\\cmd.exe',
          },
        ]);
        const [counts] = await store.query<{ n: string | number; ports: string | number }>(
          'SELECT count() AS n, sum(destination_port) AS ports FROM events WHERE tenant = {t:String}',
          { t: 'acme' },
        );
        expect(Number(counts!.n)).toBe(2);
        expect(Number(counts!.ports)).toBe(443);
      } finally {
        await store.close();
      }
    });

    it('stores hostile text exactly, from chunks, and leaves values that do not fit at the default', async () => {
      const store = await open();
      try {
        await migrate(store, { retentionDays: 0 });
        const nasty = "a\tb\nc\\d'e\"f\r\u0000g\\N}{',']:=é😀";
        const fields = {
          Computer: nasty,
          CommandLine: nasty,
          [nasty]: nasty,
          DestinationPort: 70000,
          ProcessId: -3,
          'email.to': [nasty, 'b@x'].join(','),
        };
        const one = row('h', 'x1', fields);
        const two = row('h', 'x2', { Computer: 'plain' });
        await insertEvents(store, [eventRows([one]), eventRows([two])]);
        const got = await store.query<Record<string, unknown>>(
          `SELECT event_id, host, process_command_line AS cmd, fields[{key:String}] AS byKey, raw,
                  destination_port AS port, process_pid AS pid, email_to
           FROM events WHERE tenant = 'h' ORDER BY event_id`,
          { key: nasty },
        );
        expect(got).toHaveLength(2);
        expect(got[0]).toMatchObject({
          event_id: 'x1',
          host: nasty,
          cmd: nasty,
          byKey: nasty,
          raw: JSON.stringify(fields),
        });
        expect(Number(got[0]!.port)).toBe(0);
        expect(Number(got[0]!.pid)).toBe(0);
        expect(got[1]).toMatchObject({ event_id: 'x2', host: 'plain' });
      } finally {
        await store.close();
      }
    });

    it('takes a big JSONEachRow block (read from a file by chDB) like a small one, deduplicated', async () => {
      const store = await open();
      try {
        await migrate(store, { retentionDays: 0 });
        const alerts = Array.from({ length: 3000 }, (_, i) =>
          JSON.stringify({
            ts: '2026-11-30 10:00:00.000',
            created: '2026-11-30 10:00:01.000',
            tenant: 'big',
            alert_id: `a${i}`,
            rule_title: `it's "rule" \\ ${'x'.repeat(100)}`,
            tags: ['attack.t1059', "o'k"],
            fields: { 'k\t': 'v\n' },
          }),
        );
        const rows = Buffer.from(alerts.join('\n') + '\n');
        expect(rows.length).toBeGreaterThan(256 * 1024);
        await store.insert('alerts', rows, { dedupToken: 'big-1' });
        await store.insert('alerts', rows, { dedupToken: 'big-1' });
        const got = await store.query<{ n: string; title: string; tags: string[]; v: string; level: string }>(
          "SELECT count() AS n, any(rule_title) AS title, any(tags) AS tags, any(fields['k\\t']) AS v, any(level) AS level FROM alerts WHERE tenant = 'big'",
        );
        expect(Number(got[0]!.n)).toBe(3000);
        expect(got[0]).toMatchObject({ tags: ['attack.t1059', "o'k"], v: 'v\n', level: '' });
        expect(got[0]!.title).toBe(`it's "rule" \\ ${'x'.repeat(100)}`);
        const broken = Buffer.concat([rows, Buffer.from('{"ts": "not a time"}\n')]);
        await expect(store.insert('alerts', broken)).rejects.toThrow(/insert into alerts/);
      } finally {
        await store.close();
      }
    });

    it('drops a retried insert that carries the same deduplication token', async () => {
      const store = await open();
      try {
        await migrate(store, { retentionDays: 0 });
        const rows = block(row('t', 'd1', { Computer: 'A' }), row('t', 'd2', { Computer: 'B' }));
        await insertEvents(store, rows, 'batch-7');
        await insertEvents(store, rows, 'batch-7');
        await insertEvents(store, rows, 'batch-8');
        const [r] = await store.query<{ n: string | number }>(
          "SELECT count() AS n FROM events WHERE event_id IN ('d1', 'd2')",
        );
        expect(Number(r!.n)).toBe(4);
      } finally {
        await store.close();
      }
    });

    it('keeps retention in line with the options', async () => {
      const store = await open();
      try {
        await migrate(store, { retentionDays: 7 });
        const ddl = async () =>
          (
            await store.query<{ q: string }>(
              "SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name = 'events'",
            )
          )[0]!.q;
        expect(await ddl()).toMatch(/TTL toDateTime\(received\) \+ toIntervalDay\(7\)/);
        await migrate(store, { retentionDays: null }); // a reader leaves retention alone
        expect(await ddl()).toMatch(/TTL toDateTime\(received\) \+ toIntervalDay\(7\)/);
        await migrate(store, { retentionDays: 0 });
        expect(await ddl()).not.toMatch(/TTL/);
      } finally {
        await store.close();
      }
    });

    it('keeps old logs under retention, even when one insert spans hundreds of days', async () => {
      const store = await open();
      try {
        await migrate(store, { retentionDays: 30 });
        const now = Date.now();
        const old = Array.from({ length: 300 }, (_, i) =>
          row('old', `o${i}`, { Computer: 'OLD' }, Date.UTC(2019, 0, 1) + i * 8.64e7, now),
        );
        await insertEvents(store, block(...old));
        await store.exec('OPTIMIZE TABLE events FINAL'); // merges apply TTL: nothing here has expired
        const [n] = await store.query<{ n: string | number }>(
          "SELECT count() AS n FROM events WHERE tenant = 'old'",
        );
        expect(Number(n!.n)).toBe(300);
      } finally {
        await migrate(store, { retentionDays: 0 });
        await store.close();
      }
    });

    it('rejects a malformed row with a reason, and a closed store refuses work', async () => {
      const store = await open();
      await migrate(store, { retentionDays: 0 });
      await expect(store.insert('events', Buffer.from('{"ts": "not a time"\n'))).rejects.toThrow(
        /insert into events/,
      );
      await expect(insertEvents(store, Buffer.from('not\ta\trow\n'))).rejects.toThrow(/insert into events/);
      await expect(store.insert('events; DROP TABLE events', Buffer.from('{}\n'))).rejects.toThrow(
        /not a table name/,
      );
      await store.close();
      await expect(store.query('SELECT 1')).rejects.toThrow();
    });
  });
}
