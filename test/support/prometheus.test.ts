import { describe, expect, it } from 'vitest';
import { renderMetrics } from '../../src/server/metrics.js';
import { ExpositionError, parseExposition, sampleValue } from './prometheus.js';

const good = [
  '# HELP a_total Things, with a \\\\ and a \\n in the help.',
  '# TYPE a_total counter',
  'a_total 3',
  '# a plain comment',
  '# TYPE b gauge',
  'b{x="1",y="q\\"uote\\\\ \\n"} -2.5e3',
  'b{x="2"} NaN 1700000000000',
  '# TYPE lat summary',
  'lat_sum 1.5',
  'lat_count 4',
  '',
].join('\n');

describe('the strict Prometheus text reader (test support)', () => {
  it('reads families, labels with escapes, special values, timestamps and summaries', () => {
    const f = parseExposition(good);
    expect([...f.keys()]).toEqual(['a_total', 'b', 'lat']);
    expect(f.get('a_total')).toMatchObject({
      type: 'counter',
      help: 'Things, with a \\ and a \n in the help.',
    });
    expect(sampleValue(f, 'b', { y: 'q"uote\\ \n', x: '1' })).toBe(-2500);
    expect(sampleValue(f, 'b', { x: '2' })).toBeNaN();
    expect(sampleValue(f, 'lat_count')).toBe(4);
    expect(sampleValue(f, 'b')).toBeUndefined();
  });

  it('reads what renderMetrics writes, hostile label values included', () => {
    const text = renderMetrics([
      {
        name: 'x_total',
        help: 'X.',
        type: 'counter',
        samples: [{ labels: { v: 'a"b\\c\nd}{,=' }, value: 1 }],
      },
    ]);
    expect(sampleValue(parseExposition(text), 'x_total', { v: 'a"b\\c\nd}{,=' })).toBe(1);
  });

  it('refuses broken and hostile input, naming the line', () => {
    const bad: [string, RegExp][] = [
      ['a 1', /end with a newline/],
      ['# TYPE a counter\r\na 1\n', /carriage return/],
      ['a 1\n', /line 1: sample of a before its TYPE/],
      ['# TYPE a counter\na\n', /needs a name and a value/],
      ['# TYPE a counter\na  1\n', /value and an optional timestamp/],
      ['# TYPE a counter\na 1 2 3\n', /value and an optional timestamp/],
      ['# TYPE a counter\na one\n', /not a number/],
      ['# TYPE a counter\na 1 soon\n', /bad timestamp/],
      ['# TYPE a counter\na -1\n', /counter a is -1/],
      ['# TYPE a counter\na NaN\n', /counter a is NaN/],
      ['# TYPE a counter\na 1\na 2\n', /line 3: series a\{\} repeated/],
      ['# TYPE a gauge\na{x="1",x="2"} 1\n', /label x repeated/],
      ['# TYPE a gauge\na{x=1} 1\n', /not quoted/],
      ['# TYPE a gauge\na{x="1} 1\n', /unterminated|expected/],
      ['# TYPE a gauge\na{x="\\t"} 1\n', /bad escape/],
      ['# TYPE a gauge\na{1x="1"} 1\n', /bad label name/],
      ['# TYPE a gauge\na{x="1"y="2"} 1\n', /expected , or \}/],
      ['# TYPE a gauge\na{x} 1\n', /label without =/],
      ['# TYPE 1a gauge\n', /bad metric name/],
      ['# TYPE a gauge\n# TYPE b gauge\na-b 1\n', /bad metric name/],
      ['# TYPE a histogrammish\n', /unknown type/],
      ['# TYPE a gauge\n# TYPE a counter\n', /second TYPE/],
      ['# HELP a x\n# HELP a y\n', /second HELP/],
      ['# TYPE a gauge\na 1\n# TYPE a gauge\n', /TYPE of a after its samples/],
      ['# TYPE a gauge\n# TYPE b gauge\na 1\n', /outside its family's block/],
      ['# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n# HELP a later\n', /continues after another family/],
      ['# TYPE a gauge\na_sum 1\n', /before its TYPE/],
      ['# TYPE s summary\ns_bucket 1\n', /before its TYPE/],
    ];
    for (const [text, error] of bad) {
      expect(() => parseExposition(text), JSON.stringify(text)).toThrow(ExpositionError);
      expect(() => parseExposition(text), JSON.stringify(text)).toThrow(error);
    }
  });
});
