import { describe, expect, it } from 'vitest';
import {
  channelOf,
  eventCode,
  hostKeyOf,
  hostOf,
  isChannel,
  isSysmon,
  sysmonId,
  windowsPath,
} from './event-fields.js';
import { analyticEvent, sysmonEvent, windowsEvent } from './test-events.js';
import type { AnalyticEvent } from './types.js';

describe('event fields', () => {
  it('answers for each event, even when events alternate or share their maps', () => {
    const sysmon = sysmonEvent(1, { Image: 'C:\\a.exe' }, { host: ' WS01.Corp ' });
    const security = windowsEvent('Security', 4688, {}, { host: 'DC01' });
    for (let i = 0; i < 3; i++) {
      expect([sysmonId(sysmon), hostOf(sysmon), hostKeyOf(sysmon)]).toEqual([1, 'WS01.Corp', 'ws01.corp']);
      expect([sysmonId(security), channelOf(security), isChannel(security, 'security', 4688)]).toEqual([
        undefined,
        'security',
        true,
      ]);
    }
    // A new event object with the same maps but another columns object is read afresh.
    const moved: AnalyticEvent = { ...sysmon, columns: { ...sysmon.columns, host: 'Other' } };
    expect(hostOf(sysmon)).toBe('WS01.Corp');
    expect(hostOf(moved)).toBe('Other');
    const recoded: AnalyticEvent = { ...sysmon, columns: { ...sysmon.columns, event_code: '13' } };
    expect(sysmonId(recoded)).toBe(13);
    expect(sysmonId(sysmon)).toBe(1);
  });

  it('reads odd codes, channels and hosts as before', () => {
    const odd = analyticEvent({ Channel: 'Sysmon', EventID: ' 12 ', Computer: '' });
    expect([eventCode(odd), isSysmon(odd), hostOf(odd), hostKeyOf(odd)]).toEqual([12, true, '', '']);
    const hex = analyticEvent({ Channel: 'System', EventID: '0x1c' });
    expect([eventCode(hex), sysmonId(hex), channelOf(hex)]).toEqual([undefined, undefined, 'system']);
    const none = analyticEvent({});
    expect([eventCode(none), channelOf(none), isSysmon(none)]).toEqual([undefined, '', false]);
  });

  it('turns paths into their Windows form, the same on every call and past the kept paths', () => {
    expect(windowsPath('C:/Users/Bob/x.EXE')).toBe('c:\\users\\bob\\x.exe');
    for (let i = 0; i < 10_000; i++) expect(windowsPath(`C:/T/${i}/A`)).toBe(`c:\\t\\${i}\\a`);
    expect(windowsPath('C:/Users/Bob/x.EXE')).toBe('c:\\users\\bob\\x.exe');
    const long = `C:/${'Ab/'.repeat(1000)}`;
    expect(windowsPath(long)).toBe(`c:\\${'ab\\'.repeat(1000)}`);
  });
});
