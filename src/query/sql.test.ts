import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from 'chdb';
import { eventField } from '../store/fields.js';
import { compileSearch } from './sql.js';
import { SearchSyntaxError } from './ast.js';

const NOW = Date.UTC(2026, 10, 25, 12);

describe('search compiler: the SQL text never holds a value', () => {
  it('turns values and unknown field names into parameters', () => {
    const c = compileSearch('host:WS1 AND TargetUserName:bob', eventField);
    expect(c.where).toBe(
      '(lower(host) = {q0:String} AND (mapContains(fields, {q1:String}) AND lower(fields[{q1:String}]) = {q2:String}))',
    );
    expect(c.params).toEqual({ q0: 'ws1', q1: 'TargetUserName', q2: 'bob' });
  });

  it('compares hashes whole and lower-cased, so bloom filters apply', () => {
    const c = compileSearch('hash:ABCDEF', eventField);
    expect(c.where).toBe(
      '(hash_md5 = {q0:String} OR hash_sha1 = {q1:String} OR hash_sha256 = {q2:String} OR hash_imphash = {q3:String})',
    );
    expect(Object.values(c.params)).toEqual(['abcdef', 'abcdef', 'abcdef', 'abcdef']);
  });

  it.each([
    "x' OR 1=1 --",
    "\\'); DROP TABLE events; --",
    '{z:String}',
    '`backtick`',
    'nul\u0000byte',
    "}') OR 1=1",
  ])('keeps the hostile value %j out of the SQL', (hostile) => {
    const queries = [
      `host:"${hostile.replace(/["\\]/g, '\\$&')}"`,
      `"${hostile.replace(/["\\]/g, '\\$&')}"`,
      `cmd:"${hostile.replace(/["\\]/g, '\\$&')}"`,
    ];
    for (const q of queries) {
      const c = compileSearch(q, eventField);
      expect(c.where).not.toContain(hostile);
      expect(c.where).not.toContain(hostile.toLowerCase());
      expect(Object.values(c.params)).toContain(q.startsWith('"') ? hostile : hostile.toLowerCase());
    }
    const field = compileSearch(`a_b.c:x`, eventField);
    expect(field.params.q0).toBe('a_b.c');
  });

  it('rejects a number or time that is not one', () => {
    expect(() => compileSearch('pid:abc', eventField)).toThrow(SearchSyntaxError);
    expect(() => compileSearch('@timestamp:[yesterday TO now]', eventField)).toThrow(/needs a time/);
  });
});

describe('search compiler, run by ClickHouse (chDB)', () => {
  let s: Session;
  const rows = [
    {
      id: 1,
      ts: '2026-11-25 10:00:00.000',
      host: 'WS1',
      process_command_line: 'cmd.exe /c whoami',
      process_executable: 'C:\\Windows\\System32\\cmd.exe',
      hash_sha256: 'aa11',
      hash_md5: '',
      hash_sha1: '',
      hash_imphash: '',
      source_ip: '10.1.2.3',
      destination_ip: '8.8.8.8',
      destination_port: 53,
      domain: 'tunnel.us.ngrok.io',
      url: '',
      rule_ids: ['r1'],
      fields: { TargetUserName: 'Bob', Note: '100%_done', CommandLine: 'cmd.exe /c whoami' },
    },
    {
      id: 2,
      ts: '2026-11-24 10:00:00.000',
      host: 'ws2',
      process_command_line: 'powershell -enc AAAA',
      process_executable: 'C:\\Windows\\powershell.exe',
      hash_sha256: 'bb22',
      hash_md5: 'cc33',
      hash_sha1: '',
      hash_imphash: '',
      source_ip: 'not-an-ip',
      destination_ip: '192.168.0.9',
      destination_port: 443,
      domain: 'example.com',
      url: 'https://Evil.example.net/x',
      rule_ids: [],
      fields: { TargetUserName: 'alice', Note: '100 percent', CommandLine: 'powershell -enc AAAA' },
    },
    {
      id: 3,
      ts: '2026-11-20 10:00:00.000',
      host: 'DC01',
      process_command_line: "x' OR 1=1 --",
      process_executable: '',
      hash_sha256: '',
      hash_md5: '',
      hash_sha1: '',
      hash_imphash: '',
      source_ip: '',
      destination_ip: '2001:db8::1',
      destination_port: 0,
      domain: '',
      url: '',
      rule_ids: [],
      fields: { CommandLine: "x' OR 1=1 --" },
    },
  ];
  beforeAll(async () => {
    s = new Session();
    await s.queryAsync(`CREATE TABLE events (id UInt32, ts DateTime64(3, 'UTC'), host LowCardinality(String), process_command_line String, process_executable String,
      hash_sha256 String, hash_md5 String, hash_sha1 String, hash_imphash String, source_ip String, destination_ip String, destination_port UInt16,
      domain String, url String, rule_ids Array(String), fields Map(String, String)) ENGINE = MergeTree ORDER BY ts`);
    await s.insert({
      table: 'events',
      values: Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n')),
      format: 'JSONEachRow',
    });
  });
  afterAll(() => s.close());

  const ids = async (query: string): Promise<number[]> => {
    const c = compileSearch(query, eventField, { now: NOW });
    const r = await s.queryBindAsync(`SELECT id FROM events WHERE ${c.where} ORDER BY id`, c.params, {
      format: 'JSONEachRow',
    });
    return r
      .text()
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { id: number }).id);
  };

  it.each<[string, number[]]>([
    ['host:ws1', [1]],
    ['host:WS*', [1, 2]],
    ['NOT host:ws1', [2, 3]],
    ['cmd:*WHOAMI*', [1]],
    ['whoami', [1]],
    ['"1=1 --"', [3]],
    ['image:C:\\Windows\\System32\\cmd.exe', [1]],
    ['hash:AA11', [1]],
    ['hash:cc33', [2]],
    ['ip:10.0.0.0/8', [1]],
    ['ip:192.168.0.0/16 OR ip:2001:db8::/32', [2, 3]],
    ['ip:8.8.8.8', [1]],
    ['domain:ngrok.io', [1]],
    ['domain:example.net', [2]],
    ['destination.port:[50 TO 100]', [1]],
    ['destination.port:>=443', [2]],
    ['destination.port:{53 TO 443}', []],
    ['TargetUserName:bob', [1]],
    ['TargetUserName:*', [1, 2]],
    ['Note:100%_done', [1]],
    ['Note:100*', [1, 2]],
    ['Note:100?done', []],
    ['Note:100??done', [1]],
    ['rule:r1', [1]],
    ['@timestamp:2026-11-24', [2]],
    ['@timestamp:[2026-11-24 TO now]', [1, 2]],
    ['@timestamp:>=now-1d', [1]],
    ['cmd:"x\' OR 1=1 --"', [3]],
    ['host:(ws1 OR dc01) AND NOT whoami', [3]],
    ['', [1, 2, 3]],
  ])('%s', async (query, expected) => {
    expect(await ids(query === '' ? 'NOT nothing-matches-this' : query)).toEqual(expected);
  });
});
