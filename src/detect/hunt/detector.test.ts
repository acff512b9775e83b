import { describe, expect, it } from 'vitest';
import { Mappings } from '../../normalize/index.js';
import { parseRules } from '../sigma/parse/rule.js';
import { Detector } from './detector.js';

const yaml = `title: Encoded PowerShell
id: 1d8b6d2e-0000-4000-8000-000000000001
logsource: { product: windows, category: process_creation }
detection:
  selection:
    Image|endswith: '\\powershell.exe'
    CommandLine|contains: ' -enc '
  condition: selection
level: high
`;

const event = (cmd: string) => ({
  Channel: 'Microsoft-Windows-Sysmon/Operational',
  EventID: 1,
  Image: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
  CommandLine: cmd,
});

describe('Detector', () => {
  it('matches as before once its compiled rules are released, compiling them again', () => {
    const { rules, errors } = parseRules(yaml, 'rule.yml');
    expect(errors).toEqual([]);
    const detector = new Detector(rules, Mappings.load());
    const origin = { source: 't', offset: 0 };
    const hit = event('powershell -enc AAAA');
    const miss = event('powershell -nop');
    expect(detector.detect(hit, origin).map((d) => d.rule.title)).toEqual(['Encoded PowerShell']);
    detector.releaseCompiled();
    // What the server's main thread reads without matching stays.
    expect(detector.compiledRuleCount).toBe(1);
    expect(detector.rules).toHaveLength(1);
    expect(detector.detect(hit, origin).map((d) => d.rule.title)).toEqual(['Encoded PowerShell']);
    expect(detector.detect(miss, origin)).toEqual([]);
  });
});
