import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { datagramMessage, parseSyslog, SyslogFramer, syslogToEvent } from './index.js';

const ok = (line: string, o = {}) => {
  const r = parseSyslog(line, o);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

describe('RFC 5424', () => {
  it('reads every header field, structured data with escapes, and the message', () => {
    const m = ok(
      '<165>1 2026-11-20T10:00:00.123+01:00 mail01.corp postfix 4242 SMTPIN [origin ip="10.0.0.5" note="a \\"q\\" \\] \\\\ b"][meta seq="7"] \ufeffhello world',
    );
    expect(m).toEqual({
      facility: 20,
      severity: 5,
      timestamp: Date.UTC(2026, 10, 20, 9, 0, 0, 123),
      hostname: 'mail01.corp',
      appName: 'postfix',
      procId: '4242',
      msgId: 'SMTPIN',
      structuredData: { origin: { ip: '10.0.0.5', note: 'a "q" ] \\ b' }, meta: { seq: '7' } },
      message: 'hello world',
      format: 'rfc5424',
    });
  });

  it('takes NILVALUE as absent', () => {
    const m = ok('<14>1 - - - - - -');
    expect(m).toMatchObject({
      timestamp: null,
      hostname: null,
      appName: null,
      procId: null,
      msgId: null,
      message: '',
    });
  });

  it.each([
    ['<192>1 - - - - - -', /above 191/],
    ['<x>1 - - - - - -', /PRI/],
    ['<14>1 2026-11-20T10:00:00Z host', /truncated/],
    ['<14>1 2026-13-45T99:00:00Z h a p m - x', /timestamp/],
    ['<14>1 - h a p m [id k="unterminated', /unterminated/],
    ['<14>1 - h a p m nope', /structured data/],
  ])('rejects %j with a reason', (line, reason) => {
    const r = parseSyslog(line);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(reason);
  });
});

describe('RFC 3164', () => {
  it('reads BSD syslog, filling the year from the receive time', () => {
    const m = ok('<34>Oct  3 22:14:15 mymachine su[230]: su root failed for lonvick on /dev/pts/8', {
      receivedAt: Date.UTC(2026, 9, 4),
    });
    expect(m).toMatchObject({
      facility: 4,
      severity: 2,
      timestamp: Date.UTC(2026, 9, 3, 22, 14, 15),
      hostname: 'mymachine',
      appName: 'su',
      procId: '230',
      message: 'su root failed for lonvick on /dev/pts/8',
      format: 'rfc3164',
    });
  });

  it("puts December's messages read in January in the previous year", () => {
    expect(ok('<13>Dec 31 23:59:59 h app: x', { receivedAt: Date.UTC(2027, 0, 1, 0, 0, 5) }).timestamp).toBe(
      Date.UTC(2026, 11, 31, 23, 59, 59),
    );
  });

  it('reads no time from an impossible BSD stamp, rather than a rolled-over one', () => {
    const at = { receivedAt: Date.UTC(2026, 9, 4) };
    for (const stamp of [
      'Feb 30 10:00:00',
      'Oct 32 10:00:00',
      'Oct  3 24:00:00',
      'Oct  3 10:60:00',
      'Oct  3 10:00:61',
    ])
      expect(ok(`<13>${stamp} h app: x`, at), stamp).toMatchObject({
        timestamp: null,
        hostname: 'h',
        message: 'x',
      });
    expect(ok('<13>Feb 29 10:00:00 h app: x', { defaultYear: 2028 }).timestamp).toBe(
      Date.UTC(2028, 1, 29, 10),
    );
    expect(ok('<13>Feb 29 10:00:00 h app: x', { defaultYear: 2027 }).timestamp).toBeNull();
  });

  it('tolerates a missing PRI (user.notice), a missing hostname and ISO timestamps', () => {
    expect(ok('just text')).toMatchObject({ facility: 1, severity: 5, message: 'just text', hostname: null });
    expect(ok('<13>Nov 20 10:00:01 cron[77]: job')).toMatchObject({
      hostname: null,
      appName: 'cron',
      procId: '77',
      message: 'job',
    });
    expect(ok('<13>2026-11-20T10:00:00Z fw01 kernel: drop')).toMatchObject({
      timestamp: Date.UTC(2026, 10, 20, 10),
      hostname: 'fw01',
      appName: 'kernel',
    });
  });

  it('caps the message length', () => {
    const r = parseSyslog('x'.repeat(70_000));
    expect(r.ok).toBe(false);
  });

  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('utf8')),
        ),
        (s) => {
          const r = parseSyslog(s);
          expect(typeof r.ok).toBe('boolean');
          for (const p of ['<1>1 ', '<13>', '<13>Nov  1 10:00:00 ']) parseSyslog(p + s);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('syslog as an event', () => {
  it('uses ECS names and drops what is absent', () => {
    expect(syslogToEvent(ok('<34>1 2026-11-20T10:00:00Z h sshd - - - Failed password'))).toEqual({
      '@timestamp': '2026-11-20T10:00:00.000Z',
      'host.name': 'h',
      'log.syslog.facility.code': 4,
      'log.syslog.facility.name': 'auth',
      'log.syslog.severity.code': 2,
      'log.syslog.severity.name': 'crit',
      'log.syslog.appname': 'sshd',
      message: 'Failed password',
      'event.module': 'syslog',
    });
  });
});

describe('TCP framing (RFC 6587)', () => {
  const counted = (m: string): string => `${Buffer.byteLength(m)} ${m}`;
  const stream = Buffer.from(
    counted('<13>1 - - - - - -') +
      '<14>Nov 20 10:00:00 h a: one\r\n<14>Nov 20 10:00:00 h a: twö\n' +
      counted('<1>é x yz') +
      '<14>tail',
  );

  it('splits octet-counted and newline-terminated frames, at any chunk boundary', () => {
    const whole = new SyslogFramer();
    const expected = [...whole.push(stream).messages, ...whole.end().messages];
    expect(expected).toEqual([
      '<13>1 - - - - - -',
      '<14>Nov 20 10:00:00 h a: one',
      '<14>Nov 20 10:00:00 h a: twö',
      '<1>é x yz',
      '<14>tail',
    ]);
    for (let cut = 1; cut < stream.length; cut++) {
      const f = new SyslogFramer();
      const got = [
        ...f.push(stream.subarray(0, cut)).messages,
        ...f.push(stream.subarray(cut)).messages,
        ...f.end().messages,
      ];
      expect(got, `cut at ${cut}`).toEqual(expected);
    }
  });

  it('refuses frames over the limit without buffering them, and carries on', () => {
    const f = new SyslogFramer(16);
    const first = f.push(Buffer.from(`100 ${'x'.repeat(60)}`));
    expect(first.errors).toEqual(['frame of 100 bytes exceeds 16']);
    const second = f.push(Buffer.from(`${'x'.repeat(40)}<13>ok\n`));
    expect(second.messages).toEqual(['<13>ok']);
    const long = new SyslogFramer(16);
    expect(long.push(Buffer.from('y'.repeat(40))).errors.length).toBe(1);
    expect(long.push(Buffer.from('yyy\n<13>next\n')).messages).toEqual(['<13>next']);
  });

  it('takes leading digits that are not followed by a space as text', () => {
    const f = new SyslogFramer();
    expect([...f.push(Buffer.from('2026-11-20 text\n')).messages]).toEqual(['2026-11-20 text']);
  });

  it('strips trailing newlines from a datagram', () => {
    expect(datagramMessage(Buffer.from('<13>x\r\n\0'))).toBe('<13>x');
  });
});
