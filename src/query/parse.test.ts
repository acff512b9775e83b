import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SearchSyntaxError } from './ast.js';
import { parseQuery, searchTerms } from './parse.js';

const t = (field: string | null, text: string, phrase = false) => ({
  k: 'term',
  field,
  value: { k: 'text', text, phrase },
});

describe('search language parser', () => {
  it('reads field:value, bare terms and phrases', () => {
    expect(parseQuery('host:WS1')).toEqual(t('host', 'WS1'));
    expect(parseQuery('mimikatz')).toEqual(t(null, 'mimikatz'));
    expect(parseQuery('"invoke mimikatz"')).toEqual(t(null, 'invoke mimikatz', true));
    expect(parseQuery('cmd:"a \\"quoted\\" b"')).toEqual(t('cmd', 'a "quoted" b', true));
    expect(parseQuery('')).toEqual({ k: 'all' });
  });

  it('keeps Windows paths whole: a backslash escapes only special characters', () => {
    expect(parseQuery('image:C:\\Windows\\System32\\cmd.exe')).toEqual(
      t('image', 'C:\\Windows\\System32\\cmd.exe'),
    );
    expect(parseQuery('file:a\\*b')).toEqual(t('file', 'a*b'));
    expect(parseQuery('file:a\\ b')).toEqual(t('file', 'a b'));
  });

  it('binds NOT tighter than AND, and AND tighter than OR; adjacent terms are ANDed', () => {
    expect(parseQuery('a OR b AND NOT c')).toEqual({
      k: 'or',
      items: [t(null, 'a'), { k: 'and', items: [t(null, 'b'), { k: 'not', item: t(null, 'c') }] }],
    });
    expect(parseQuery('a b')).toEqual({ k: 'and', items: [t(null, 'a'), t(null, 'b')] });
    expect(parseQuery('(a || b) && !c')).toEqual(parseQuery('(a OR b) AND NOT c'));
    expect(parseQuery('-host:x y')).toEqual({
      k: 'and',
      items: [{ k: 'not', item: t('host', 'x') }, t(null, 'y')],
    });
    // Lower-case keywords are search terms.
    expect(parseQuery('a and b')).toEqual({ k: 'and', items: [t(null, 'a'), t(null, 'and'), t(null, 'b')] });
  });

  it('reads wildcards, existence, ranges and comparisons', () => {
    expect(parseQuery('cmd:*whoami*')).toEqual({
      k: 'term',
      field: 'cmd',
      value: { k: 'wildcard', parts: [{ wildcard: '*' }, 'whoami', { wildcard: '*' }] },
    });
    expect(parseQuery('user:*')).toEqual({ k: 'term', field: 'user', value: { k: 'exists' } });
    expect(parseQuery('port:[10 TO 20}')).toEqual({
      k: 'term',
      field: 'port',
      value: { k: 'range', low: { value: '10', inclusive: true }, high: { value: '20', inclusive: false } },
    });
    expect(parseQuery('port:[* TO 20]').k).toBe('term');
    expect(parseQuery('port:>=443')).toEqual({
      k: 'term',
      field: 'port',
      value: { k: 'range', low: { value: '443', inclusive: true }, high: null },
    });
    expect(parseQuery('port:<5')).toEqual({
      k: 'term',
      field: 'port',
      value: { k: 'range', low: null, high: { value: '5', inclusive: false } },
    });
  });

  it('applies a field to a parenthesized group: host:(a OR b)', () => {
    expect(parseQuery('host:(a OR b)')).toEqual({ k: 'or', items: [t('host', 'a'), t('host', 'b')] });
  });

  it('reports errors with their position', () => {
    const at = (q: string) => {
      try {
        parseQuery(q);
      } catch (e) {
        expect(e).toBeInstanceOf(SearchSyntaxError);
        return (e as SearchSyntaxError).position;
      }
      throw new Error(`${q} parsed`);
    };
    expect(at('host:(a')).toBe(7);
    expect(at('a )')).toBe(2);
    expect(at('"open')).toBe(0);
    expect(at('a AND')).toBe(5);
    expect(at('port:[1 20]')).toBe(8);
    expect(at('host: x')).toBe(5);
    expect(at('[1 TO 2]')).toBe(0);
  });

  it('refuses hostile queries cleanly: depth, length and clause count are bounded', () => {
    expect(() => parseQuery('('.repeat(100_000) + 'a' + ')'.repeat(100_000))).toThrow(SearchSyntaxError);
    expect(() => parseQuery('('.repeat(1000) + 'a' + ')'.repeat(1000))).toThrow(/nest deeper/);
    expect(() => parseQuery('NOT '.repeat(2000) + 'a')).toThrow(/nest deeper/);
    expect(() => parseQuery('a '.repeat(1500))).toThrow(/clauses/);
  });

  it('never fails with anything but a SearchSyntaxError', () => {
    fc.assert(
      fc.property(
        fc.string({
          maxLength: 60,
          unit: fc.constantFrom(
            'a',
            ':',
            '(',
            ')',
            '"',
            '\\',
            '*',
            ' ',
            'OR',
            'AND',
            'NOT',
            '-',
            '[',
            ']',
            '{',
            '}',
            'TO',
            '>',
            '=',
            '!',
            '|',
            '&',
          ),
        }),
        (q) => {
          try {
            parseQuery(q);
          } catch (e) {
            if (!(e instanceof SearchSyntaxError)) throw e;
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('lists the positive terms for highlighting', () => {
    expect(searchTerms(parseQuery('cmd:*whoami* OR host:WS1 NOT secret "two words"'))).toEqual([
      'whoami',
      'WS1',
      'two words',
    ]);
  });
});
