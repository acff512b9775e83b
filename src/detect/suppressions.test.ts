import { describe, expect, it } from 'vitest';
import { suppressionProblem, Suppressions, type Suppression } from './suppressions.js';

const base: Suppression & { tenant: string } = {
  tenant: 't1',
  id: 's1',
  ruleId: '',
  entity: '',
  field: '',
  value: '',
  reason: 'backup agent',
  author: 'alice',
  created: 0,
  expires: 0,
};
const fields = new Map<string, string | number | null | readonly string[]>([
  ['Image', 'C:\\Tools\\Backup.exe'],
  ['Tags', ['a', 'B']],
]);
const entities = () => ['user:svc-backup', 'host:ws01'];

describe('Suppressions', () => {
  it('matches by rule, entity and field value, all given parts together', () => {
    const s = new Suppressions([
      {
        ...base,
        ruleId: 'r1',
        entity: 'User:SVC-Backup',
        field: 'Image',
        value: 'c:\\tools\\backup.exe',
      },
    ]);
    expect(s.match('t1', 1, ['r1', 'Rule One'], entities, fields)?.id).toBe('s1');
    expect(s.match('t1', 1, ['r2'], entities, fields)).toBeNull();
    expect(s.match('t2', 1, ['r1', 'Rule One'], entities, fields)).toBeNull();
    expect(s.match('t1', 1, ['r1'], () => ['user:corp\\alice'], fields)).toBeNull();
    expect(s.match('t1', 1, ['r1'], entities, new Map([['Image', 'C:\\other.exe']]))).toBeNull();
  });

  it('matches list values, and stops at expiry', () => {
    const s = new Suppressions([{ ...base, field: 'Tags', value: 'b', expires: 100 }]);
    expect(s.match('t1', 99, ['r'], entities, fields)).not.toBeNull();
    expect(s.match('t1', 100, ['r'], entities, fields)).toBeNull();
  });

  it('refuses an exception that would silence everything, or has no reason', () => {
    expect(suppressionProblem(base)).toMatch(/silence everything/);
    expect(suppressionProblem({ ...base, ruleId: 'r', reason: ' ' })).toMatch(/reason/);
    expect(suppressionProblem({ ...base, field: 'Image' })).toMatch(/value/);
    expect(suppressionProblem({ ...base, entity: 'nonsense' })).toMatch(/type:value/);
    expect(suppressionProblem({ ...base, ruleId: 'x'.repeat(2000) })).toMatch(/longer/);
    expect(suppressionProblem({ ...base, ruleId: 'r' })).toBeNull();
  });
});
