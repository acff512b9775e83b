import { describe, expect, it } from 'vitest';
import { parseSyslog, syslogToEvent } from '../../ingest/syslog-format/index.js';
import type { JsonObject } from '../../ingest/types.js';
import { Mappings } from '../../normalize/index.js';
import { parseRules } from '../sigma/parse/rule.js';
import { Detector } from './detector.js';

/** One rule per Linux service logsource: each looks for a word every test line below carries. */
const SERVICES = ['syslog', 'auth', 'sshd', 'sudo', 'cron', 'vsftpd', 'clamav', 'guacamole'];
const rules = SERVICES.map(
  (service, i) => `title: Marker in ${service}
id: 5f0c2a4e-1b7d-4c3e-9a10-00000000000${i}
logsource: { product: linux, service: ${service} }
detection:
  keywords: [marker]
  condition: keywords
level: low
`,
).join('---\n');

/** sudo's run-as user, as CVE-2019-14287 abuses it (#-1 is root). */
const SUDO_USER = `title: sudo run as user id minus one
id: 5f0c2a4e-1b7d-4c3e-9a10-0000000000aa
logsource: { product: linux, service: sudo }
detection:
  selection:
    USER|startswith: '#-'
  condition: selection
level: high
`;

const event = (line: string) => {
  const r = parseSyslog(line, { receivedAt: Date.UTC(2026, 11, 2) });
  if (!r.ok) throw new Error(r.error);
  return syslogToEvent(r.value) as JsonObject;
};

describe('Linux service logsources on syslog', () => {
  const parsed = parseRules(`${rules}---\n${SUDO_USER}`, 'linux.yml');
  const detector = new Detector(parsed.rules, Mappings.load());
  const fired = (line: string) =>
    detector
      .detect(event(line), { source: 't', offset: 0 })
      .map((d) => d.rule.title.replace('Marker in ', ''))
      .sort();

  it('meets each daemon’s lines with its own service’s rules, and every syslog rule', () => {
    expect(parsed.errors).toEqual([]);
    expect(fired('<38>Dec  1 10:00:00 web01 sshd[812]: marker from 10.0.0.5')).toEqual([
      'auth',
      'sshd',
      'syslog',
    ]);
    expect(fired('<86>Dec  1 10:00:00 web01 sudo: marker')).toEqual(['auth', 'sudo', 'syslog']);
    expect(fired('<78>Dec  1 10:00:00 web01 CRON[99]: (root) REPLACE marker')).toEqual(['cron', 'syslog']);
    expect(fired('<30>Dec  1 10:00:00 ftp01 vsftpd[5]: marker')).toEqual(['syslog', 'vsftpd']);
    expect(fired('<30>Dec  1 10:00:00 web01 clamd[7]: /tmp/x: marker FOUND')).toEqual(['clamav', 'syslog']);
    expect(fired('<30>Dec  1 10:00:00 rdp01 guacd[3]: marker')).toEqual(['guacamole', 'syslog']);
    // Another program on the auth facility is auth's, and nobody else's.
    expect(fired('<38>Dec  1 10:00:00 web01 login[1]: marker')).toEqual(['auth', 'syslog']);
    expect(fired('<30>Dec  1 10:00:00 web01 systemd[1]: marker')).toEqual(['syslog']);
  });

  it("reads the user sudo runs as from its line, for rules on Sigma's USER", () => {
    const line = (user: string) =>
      `<85>Dec  1 10:00:00 web01 sudo: bob : TTY=pts/0 ; PWD=/home/bob ; USER=${user} ; COMMAND=/usr/bin/id`;
    expect(fired(line('#-1'))).toEqual(['sudo run as user id minus one']);
    expect(fired(line('root'))).toEqual([]);
    expect(event(line('root'))).toMatchObject({ 'user.name': 'bob', 'process.command_line': '/usr/bin/id' });
  });
});
