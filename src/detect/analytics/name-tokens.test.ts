import { describe, expect, it } from 'vitest';
import { spellings } from './lookalike.js';
import { nameCandidates, nameTokens } from './name-tokens.js';

const words = (name: string) => nameTokens(name).map((t) => t.text);

describe('nameTokens', () => {
  it('splits at separators, case changes and digit → capital', () => {
    expect(words('Symantec Update')).toEqual(['symantec', 'update']);
    expect(words('SymantecUpdate_x64')).toEqual(['symantec', 'update', 'x64']);
    expect(words('CSFalconService')).toEqual(['cs', 'falcon', 'service']);
    expect(words('Sophos2024Agent')).toEqual(['sophos2024', 'agent']);
    expect(words('S0phos')).toEqual(['s0phos']);
    expect(words('trend-micro.exe')).toEqual(['trend', 'micro', 'exe']);
  });

  it('reads homoglyphs and accents as Latin letters and remembers it did', () => {
    const [t] = nameTokens('S\u0443m\u00e1ntec');
    expect(t).toEqual({ text: 'symantec', original: 'S\u0443m\u00e1ntec', folded: true });
    expect(words('Kasper$ky')).toEqual(['kaspersky']);
    expect(words('$ymantec')).toEqual(['ymantec']);
  });

  it('copes with empty, huge and non-Latin names', () => {
    expect(nameTokens('')).toEqual([]);
    expect(nameTokens('---')).toEqual([]);
    expect(nameTokens('a '.repeat(10_000)).length).toBeLessThanOrEqual(24);
    expect(words('木马Update')).toEqual(['木马', 'update']);
    expect(nameTokens('x'.repeat(10_000))[0]!.text.length).toBeLessThanOrEqual(64);
  });
});

describe('nameCandidates', () => {
  it('joins runs of up to four words and the whole name', () => {
    const texts = nameCandidates(nameTokens('Trend Micro Apex One Agent Service')).map((c) => c.text);
    expect(texts).toContain('trendmicro');
    expect(texts).toContain('apexone');
    expect(texts).toContain('trendmicroapexoneagentservice');
    expect(texts).not.toContain('trendmicroapexoneagent');
  });
});

describe('spellings', () => {
  it('reads digits as letters, drops them, and folds letter pairs', () => {
    expect(spellings('mcaf33')).toEqual(expect.arrayContaining(['mcaf33', 'mcafee', 'mcaf']));
    expect(spellings('k1ll')).toEqual(expect.arrayContaining(['klll', 'kill']));
    expect(spellings('syrnantec')).toContain('symantec');
    expect(spellings('plain')).toEqual(['plain']);
  });
});
