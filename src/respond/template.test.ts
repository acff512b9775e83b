import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';
import { SecretScope, redactUrl } from './secrets.js';
import { subjectOfAlert, subjectOfIncident } from './subject.js';
import { compileTemplate, MAX_RENDERED, renderTemplate } from './template.js';
import { testAlert, testIncident } from './testing.js';

const scope = {
  subject: subjectOfIncident(testIncident(), 'created', 'acme'),
  playbook: { id: 'pb', title: 'Playbook', version: 3 },
  runId: 'run-1',
};

function render(text: string, fan?: string): string {
  const t = compileTemplate(text);
  if (!t.ok) throw new Error(t.error);
  return renderTemplate(t.template, scope, fan);
}

describe('templates', () => {
  it('fills variables and never evaluates anything', () => {
    expect(render('{{ incident.title }} ({{incident.severity}}, risk {{ incident.risk }})')).toBe(
      'Ransomware on WS01 (critical, risk 90)',
    );
    expect(render('{{ playbook.id }} v{{ playbook.version }} {{ run.id }} {{ tenant }}')).toBe(
      'pb v3 run-1 acme',
    );
    expect(render('hosts: {{ incident.hosts }}; tactics: {{ incident.tactics }}')).toBe(
      'hosts: ws01; tactics: execution, impact',
    );
    expect(render('{{ entities.hash | count }} hashes, first {{ entities.hash | first }}')).toBe(
      '2 hashes, first d41d8cd98f00b204e9800998ecf8427e',
    );
    expect(render('{{ entities.domain | join }}')).toBe('evil.example');
    // Values are inserted as text: braces in an incident title are not templates.
    const tricky = { ...scope, subject: { ...scope.subject, title: '{{ run.id }} ${process.exit()}' } };
    const t = compileTemplate('{{ incident.title }}');
    expect(t.ok && renderTemplate(t.template, tricky)).toBe('{{ run.id }} ${process.exit()}');
  });

  it('fans out over one entity type', () => {
    const t = compileTemplate('block {{ entities.hash }} for {{ incident.id }}');
    expect(t.ok && t.template.fanOut).toBe('hash');
    expect(render('block {{ entities.hash }}', 'abc')).toBe('block abc');
    const two = compileTemplate('{{ entities.hash }} {{ entities.ip }}');
    expect(two.ok).toBe(false);
    // A filtered list is one value and does not fan out.
    const joined = compileTemplate('{{ entities.hash | join }}');
    expect(joined.ok && joined.template.fanOut).toBe(null);
  });

  it('fills alert.* from the alert that triggered', () => {
    const t = compileTemplate('{{ alert.rule }} on {{ alert.host }}: {{ incident.title }}');
    expect(t.ok).toBe(true);
    if (t.ok) {
      expect(t.template.usesAlert).toBe(true);
      expect(renderTemplate(t.template, { ...scope, subject: subjectOfAlert(testAlert(), 'default') })).toBe(
        'rule-priv on node-1: Privileged Container Started',
      );
    }
  });

  it('refuses broken and hostile templates', () => {
    const bad: [string, RegExp][] = [
      ['{{ incident.title', /without "}}"/],
      ['{{ }}', /not a placeholder/],
      ['{{ incident.title.constructor }}', /unknown variable/],
      ['{{ process.env.home }}', /unknown variable/],
      ['{{ process.env.HOME }}', /not a placeholder/],
      ['{{ incident.title | upper }}', /unknown filter/],
      ['{{ incident.title | join }}', /filters apply to lists/],
      ['{{ entities.planet }}', /unknown entity type/],
      ["{{ incident['title'] }}", /not a placeholder/],
      ['{{ a }}{{ b }}', /unknown variable "a"/],
      ['x'.repeat(30_000), /at most/],
    ];
    for (const [text, why] of bad) {
      const t = compileTemplate(text);
      expect(t.ok, text).toBe(false);
      if (!t.ok) expect(t.error).toMatch(why);
    }
  });

  it('caps what a template renders to', () => {
    const many = {
      ...scope,
      subject: { ...scope.subject, hosts: Array.from({ length: 20_000 }, (_, i) => `host-${i}`) },
    };
    const t = compileTemplate('{{ incident.hosts }}');
    expect(t.ok && renderTemplate(t.template, many).length).toBe(MAX_RENDERED);
  });
});

describe('durations', () => {
  it('reads a number and a unit, and nothing else', () => {
    expect(parseDuration('7d')).toEqual({ ok: true, ms: 7 * 86_400_000 });
    expect(parseDuration('30s')).toEqual({ ok: true, ms: 30_000 });
    expect(parseDuration('250ms')).toEqual({ ok: true, ms: 250 });
    for (const bad of ['30', 30, '7 days', '-1s', '1e9d', '', null, '1.5h'])
      expect(parseDuration(bad).ok).toBe(false);
  });
});

describe('secrets', () => {
  it('resolves env:NAME and scrubs the value from whatever is reported', () => {
    const scope = new SecretScope({ HOOK: 'https://hooks.example/T000/B000/s3cr3tt0ken', KEY: 'k"ey\\x' });
    expect(scope.resolve('env:HOOK')).toBe('https://hooks.example/T000/B000/s3cr3tt0ken');
    scope.resolve('env:KEY');
    expect(scope.scrub('failed to POST https://hooks.example/T000/B000/s3cr3tt0ken: 500')).toBe(
      'failed to POST [redacted]: 500',
    );
    expect(
      scope.scrubValue({
        a: ['k"ey\\x'],
        b: { c: 'x https%3A%2F%2Fhooks.example%2FT000%2FB000%2Fs3cr3tt0ken' },
      }),
    ).toEqual({
      a: ['[redacted]'],
      b: { c: 'x [redacted]' },
    });
    expect(() => scope.resolve('env:MISSING')).toThrow(/MISSING is not set/);
    expect(() => scope.resolve('literal-password')).toThrow(/env:NAME/);
  });

  it('keeps only the origin of a literal URL', () => {
    expect(redactUrl('https://hooks.example/services/T0/B0/token?x=1')).toBe('https://hooks.example/…');
    expect(redactUrl('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080');
    expect(redactUrl('not a url')).toBe('[redacted]');
  });
});
