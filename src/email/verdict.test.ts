import { describe, expect, it } from 'vitest';
import { finding } from './findings.js';
import { combine, MALICIOUS_AT, rank } from './verdict.js';

const f = (score: number, code = 'x') => finding('content', code, score, 'r');

describe('combine', () => {
  it('is clean with no findings or only context', () => {
    expect(combine([])).toEqual({ verdict: 'clean', score: 0 });
    expect(combine([f(15), f(15), f(10), f(10), f(15)])).toEqual({ verdict: 'clean', score: 15 });
  });

  it('combines as independent evidence once a finding counts', () => {
    expect(combine([f(50), f(50)])).toEqual({ verdict: 'malicious', score: 75 });
    expect(combine([f(40)])).toEqual({ verdict: 'suspicious', score: 40 });
    expect(combine([f(20)])).toEqual({ verdict: 'clean', score: 20 });
    expect(combine([f(100), f(30)]).score).toBe(100);
  });

  it('needs a strong finding for malicious: weak signals pile up to suspicious only', () => {
    const r = combine([f(45), f(45), f(45), f(40)]);
    expect(r.verdict).toBe('suspicious');
    expect(r.score).toBe(MALICIOUS_AT - 1);
  });

  it('ranks strongest first, stable', () => {
    expect(rank([f(10, 'a'), f(50, 'b'), f(10, 'c')]).map((x) => x.code)).toEqual([
      'content.b',
      'content.a',
      'content.c',
    ]);
  });
});
