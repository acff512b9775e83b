import { describe, expect, it } from 'vitest';
import { VigilError } from '../core/errors.js';
import { nameTokens, parsePeople, PeopleDirectory } from './people.js';

describe('people file', () => {
  it('reads YAML with people, organization and partners', () => {
    const f = parsePeople(`organization: [client.fr]
partners: [acme-metaux.fr]
people:
  - name: Jean Dupont
    addresses: [Jean.Dupont@acme-metaux.fr]
  - name: Marie Curie
    address: marie@client.fr
    vip: true
`);
    expect(f.organization).toEqual(['client.fr']);
    expect(f.partners).toEqual(['acme-metaux.fr']);
    expect(f.people).toEqual([
      { name: 'Jean Dupont', addresses: ['jean.dupont@acme-metaux.fr'], vip: false },
      { name: 'Marie Curie', addresses: ['marie@client.fr'], vip: true },
    ]);
  });

  it('accepts a bare JSON list', () => {
    expect(parsePeople('[{"name": "A B", "addresses": ["a@b.example"]}]').people).toHaveLength(1);
  });

  it('says what is wrong with a bad file', () => {
    expect(() => parsePeople('people: [{addresses: [x@y.z]}]', 'p.yml')).toThrow(/people\[0\] needs a name/);
    expect(() => parsePeople('people: 3')).toThrow(VigilError);
    expect(() => parsePeople('organization: example.com')).toThrow(/organization must be a list/);
    expect(() => parsePeople('people: [unclosed')).toThrow(/not YAML or JSON/);
  });
});

describe('PeopleDirectory', () => {
  const dir = new PeopleDirectory([
    { name: 'Jean Dupont', addresses: [], vip: true },
    { name: 'Zhang Wei', addresses: [], vip: false },
  ]);

  it('matches a name in any order, case, accents, titles and homoglyphs', () => {
    for (const display of [
      'Jean Dupont',
      'DUPONT, Jean',
      'jean dupont (CEO)',
      'Jеan Dupont',
      'Jéan Dupont',
      'Zhang Wei',
    ])
      expect(dir.match(display)?.name, display).toBeDefined();
  });

  it('does not match part of a name or another person', () => {
    for (const display of [
      'Jean',
      'Jean-Pierre Dupont',
      'Dupont Consulting',
      '',
      'Jean Dupont Jean Dupont Jean Dupont Jean Dupont Jean',
    ])
      expect(dir.match(display), display).toBeNull();
  });

  it('folds tokens', () => {
    expect(nameTokens('Éloïse  O’Brien')).toEqual(nameTokens('eloise o brien'));
    expect(nameTokens('Éloïse  O’Brien')).toHaveLength(3);
  });
});
