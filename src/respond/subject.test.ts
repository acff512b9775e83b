import { describe, expect, it } from 'vitest';
import { subjectOfAlert, subjectOfIncident } from './subject.js';
import { testAlert, testIncident } from './testing.js';

describe('subjects', () => {
  it('lists a host once when the incident and its alerts spell it differently', () => {
    const s = subjectOfIncident(
      testIncident({
        hosts: ['WS01', 'db02'],
        entities: [
          { type: 'host', value: 'ws01', alerts: 2 },
          { type: 'host', value: 'DB02', alerts: 1 },
          { type: 'user', value: 'Bob', alerts: 1 },
          { type: 'user', value: 'bob', alerts: 1 },
        ],
      }),
      'created',
      'default',
    );
    expect(s.entities.get('host')).toEqual(['WS01', 'db02']);
    expect(s.entities.get('user')).toEqual(['jdoe', 'Bob']);
  });

  it('keeps values whose case may matter (file paths) apart', () => {
    const s = subjectOfAlert(
      testAlert({
        entities: [
          { type: 'file', value: '/opt/App/run', role: 'self' },
          { type: 'file', value: '/opt/app/run', role: 'self' },
        ],
      }),
      'default',
    );
    expect(s.entities.get('file')).toEqual(['/opt/App/run', '/opt/app/run']);
  });
});
