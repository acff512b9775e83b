import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../ingest/types.js';
import { Mappings } from '../../normalize/index.js';
import { parseRules } from '../sigma/parse/rule.js';
import { Detector } from './detector.js';

const RULES = `title: DNS query for a tunnel service
id: 7a3e1c2b-5d4f-4e6a-8b9c-000000000001
logsource: { category: dns }
detection:
  selection:
    query|endswith: '.ngrok.io'
    record_type: A
  condition: selection
level: medium
---
title: DNS answer holding a command
id: 7a3e1c2b-5d4f-4e6a-8b9c-000000000002
logsource: { category: dns }
detection:
  selection:
    answer|contains: 'powershell'
  condition: selection
level: high
---
title: Scripted download through the web
id: 7a3e1c2b-5d4f-4e6a-8b9c-000000000003
logsource: { category: proxy }
detection:
  selection:
    c-useragent|startswith: 'Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/'
    cs-method: GET
    c-uri|endswith: '/payload.ps1'
    cs-host: 'cdn.example.net'
    sc-status: 200
  condition: selection
level: high
`;

const zeek = (path: string, fields: JsonObject, filebeat: boolean): JsonObject => ({
  ts: 1796103009.397,
  uid: 'CHKD8S4EVHH6QD9WOE',
  'id.orig_h': '10.34.20.16',
  'id.orig_p': 57620,
  'id.resp_h': '10.34.1.10',
  'id.resp_p': path === 'dns' ? 53 : 80,
  ...(filebeat ? { 'event.module': 'zeek', 'event.dataset': `zeek.${path}` } : { _path: path }),
  ...fields,
});

describe('Sigma’s generic dns and proxy categories on Zeek logs', () => {
  const parsed = parseRules(RULES, 'network.yml');
  const detector = new Detector(parsed.rules, Mappings.load());
  const fired = (event: JsonObject) =>
    detector.detect(event, { source: 't', offset: 0 }).map((d) => d.rule.title);

  for (const filebeat of [false, true])
    it(`reads dns.log and http.log in Sigma's field names (${filebeat ? 'Filebeat' : 'Zeek JSON'})`, () => {
      expect(parsed.errors).toEqual([]);
      const dns = (query: string, qtype: string, answers: string[]) =>
        zeek('dns', { query, qtype_name: qtype, answers }, filebeat);
      expect(fired(dns('tcp.eu.ngrok.io', 'A', ['3.125.102.39']))).toEqual([
        'DNS query for a tunnel service',
      ]);
      expect(fired(dns('tcp.eu.ngrok.io', 'AAAA', []))).toEqual([]);
      expect(fired(dns('x.example.org', 'TXT', ['powershell -enc AAAA']))).toEqual([
        'DNS answer holding a command',
      ]);
      const http = (uri: string) =>
        zeek(
          'http',
          {
            method: 'GET',
            host: 'cdn.example.net',
            uri,
            user_agent: 'Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.19041.1',
            status_code: 200,
          },
          filebeat,
        );
      expect(fired(http('/files/payload.ps1'))).toEqual(['Scripted download through the web']);
      expect(fired(http('/files/readme.txt'))).toEqual([]);
      // A connection record names the same domain nowhere a dns or proxy rule looks.
      expect(fired(zeek('conn', { query: 'tcp.eu.ngrok.io', qtype_name: 'A' }, filebeat))).toEqual([]);
    });
});
