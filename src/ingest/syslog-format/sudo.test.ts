import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sudoFields } from './sudo.js';

describe('sudoFields', () => {
  it('reads who ran what as whom, and where', () => {
    expect(sudoFields('bob : TTY=pts/0 ; PWD=/home/bob ; USER=root ; COMMAND=/usr/bin/id -u')).toEqual({
      'user.name': 'bob',
      'user.effective.name': 'root',
      'process.working_directory': '/home/bob',
      'process.command_line': '/usr/bin/id -u',
    });
  });

  it('keeps the reason of a refusal, a group, and a command holding " ; " whole', () => {
    expect(
      sudoFields(
        'eve : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/tmp ; USER=#-1 ; GROUP=wheel ; COMMAND=/bin/sh -c "a ; b"',
      ),
    ).toEqual({
      'user.name': 'eve',
      'event.reason': '3 incorrect password attempts',
      'user.effective.name': '#-1',
      'user.effective.group.name': 'wheel',
      'process.working_directory': '/tmp',
      'process.command_line': '/bin/sh -c "a ; b"',
    });
    expect(
      sudoFields('eve : user NOT in sudoers ; TTY=pts/1 ; PWD=/tmp ; USER=root ; COMMAND=/bin/bash'),
    ).toMatchObject({ 'event.reason': 'user NOT in sudoers', 'user.effective.name': 'root' });
  });

  it('reads nothing from lines of another form', () => {
    for (const line of [
      'pam_unix(sudo:session): session opened for user root(uid=0) by bob(uid=1000)',
      ' : USER=root ; COMMAND=x',
      'two words : USER=root ; COMMAND=x',
      'bob : TTY=pts/0 ; PWD=/home/bob',
      'bob:USER=root',
      '',
    ])
      expect(sudoFields(line), line).toBeNull();
  });

  it('never throws, and keeps every field a string, whatever the line', () => {
    const part = fc.oneof(
      fc.constantFrom(' : ', ' ; ', 'USER=', 'COMMAND=', 'PWD=', 'GROUP=', '=', ' ', ';', ':'),
      fc.string({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(fc.array(part, { maxLength: 30 }), (parts) => {
        const out = sudoFields(parts.join(''));
        if (out !== null) for (const v of Object.values(out)) expect(typeof v).toBe('string');
      }),
      { numRuns: 3000 },
    );
    expect(sudoFields('x'.repeat(300) + ' : USER=root')).toBeNull();
    expect(sudoFields('bob : ' + 'A=b ; '.repeat(50_000) + 'COMMAND=c')?.['process.command_line']).toBe('c');
  });
});
