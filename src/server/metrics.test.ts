import { describe, expect, it } from 'vitest';
import { renderMetrics } from './metrics.js';

describe('renderMetrics', () => {
  it('writes the Prometheus text format: help, type, labelled samples, escaped label values', () => {
    const text = renderMetrics([
      {
        name: 'vigil_events_stored_total',
        help: 'Events stored.',
        type: 'counter',
        samples: [{ value: 42 }],
      },
      {
        name: 'vigil_pipeline_seconds_total',
        help: 'Time.',
        type: 'counter',
        samples: [
          { labels: { stage: 'enrich' }, value: 1.5 },
          { labels: { stage: 'a "quoted"\\value\nline' }, value: Number.NaN },
        ],
      },
    ]);
    expect(text).toBe(
      [
        '# HELP vigil_events_stored_total Events stored.',
        '# TYPE vigil_events_stored_total counter',
        'vigil_events_stored_total 42',
        '# HELP vigil_pipeline_seconds_total Time.',
        '# TYPE vigil_pipeline_seconds_total counter',
        'vigil_pipeline_seconds_total{stage="enrich"} 1.5',
        'vigil_pipeline_seconds_total{stage="a \\"quoted\\"\\\\value\\nline"} 0',
        '',
      ].join('\n'),
    );
  });
});
