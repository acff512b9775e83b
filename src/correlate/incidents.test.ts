import { describe, expect, it } from 'vitest';
import type { Level } from '../detect/sigma/model.js';
import type { Entity, EntityType } from './entities.js';
import { IncidentBuilder, type CorrelationAlert } from './incidents.js';
import { Lineage } from './lineage.js';
import { MAX_LINK_MS } from './links.js';
import { Prevalence } from './prevalence.js';

const T0 = Date.UTC(2026, 10, 1, 9);
const MIN = 60_000;
let n = 0;

function alert(
  host: string,
  minutes: number,
  entities: [EntityType, string, Entity['role']?][],
  level: Level = 'high',
  tags: string[] = [],
): CorrelationAlert {
  const id = `a${++n}`;
  return {
    id,
    time: T0 + minutes * MIN,
    ruleId: `rule-${id}`,
    title: `Rule ${id}`,
    level,
    tags,
    host,
    entities: [
      { type: 'host', value: host.toLowerCase(), role: 'self' },
      ...entities.map(([type, value, role]) => ({ type, value, role: role ?? ('self' as const) })),
    ],
  };
}

describe('IncidentBuilder', () => {
  it('joins a process tree into one incident and explains each link', () => {
    const b = new IncidentBuilder();
    // installer → wscript → lscm.exe, each alert on the child with its parent.
    const a1 = alert('WS01', 0, [
      ['process', 'g-wscript'],
      ['process', 'g-setup', 'parent'],
      ['user', 'corp\\alice'],
    ]);
    const a2 = alert('WS01', 40, [
      ['process', 'g-lscm'],
      ['process', 'g-wscript', 'parent'],
    ]);
    const a3 = alert('WS01', 300, [
      ['process', 'g-lscm'],
      ['ip', '203.0.113.9'],
    ]);
    const ids = [a1, a2, a3].map((a) => b.add(a));
    expect(new Set(ids).size).toBe(1);
    const [inc] = b.incidents();
    expect(inc!.alertCount).toBe(3);
    expect(inc!.links).toHaveLength(2);
    expect(inc!.links[0]!.reason).toContain('the same process tree (g-wscript)');
    expect(inc!.links[1]!.evidence.map((e) => e.kind)).toEqual(['process-tree']);
  });

  it('links two children of one shell, but not of one explorer.exe', () => {
    const b = new IncidentBuilder();
    b.add(
      alert('WS01', 0, [
        ['process', 'g-a'],
        ['process', 'g-explorer', 'hub-parent'],
      ]),
    );
    b.add(
      alert('WS01', 300, [
        ['process', 'g-b'],
        ['process', 'g-explorer', 'hub-parent'],
      ]),
    );
    expect(b.incidents()).toHaveLength(2);
    b.add(
      alert('WS01', 600, [
        ['process', 'g-whoami'],
        ['process', 'g-cmd', 'parent'],
      ]),
    );
    b.add(
      alert('WS01', 900, [
        ['process', 'g-net'],
        ['process', 'g-cmd', 'parent'],
      ]),
    );
    expect(b.incidents().map((i) => i.alertCount)).toEqual([1, 1, 2]);
  });

  it("keeps each alert's process line with the programs lineage learned, for the tree the UI draws", () => {
    const lineage = new Lineage();
    lineage.observe('g-setup', 'g-explorer', true, 'c:\\users\\a\\downloads\\vpn-setup.exe');
    lineage.observe('g-wscript', 'g-setup', false, 'c:\\windows\\system32\\wscript.exe');
    lineage.observe('g-lscm', 'g-wscript', false, 'c:\\programdata\\lscm.exe');
    const b = new IncidentBuilder({ lineage });
    b.add(
      alert('WS01', 0, [
        ['process', 'g-lscm'],
        ['process', 'g-wscript', 'parent'],
      ]),
    );
    // A network event of a process lineage never saw start: its parent's line is used.
    b.add(
      alert('WS01', 1, [
        ['process', 'g-unknown'],
        ['process', 'g-lscm', 'parent'],
        ['ip', '203.0.113.9'],
      ]),
    );
    const [inc] = b.incidents();
    expect(inc!.alerts[0]!.tree!.map((p) => p.image.split('\\').at(-1))).toEqual([
      'lscm.exe',
      'wscript.exe',
      'vpn-setup.exe',
    ]);
    expect(inc!.alerts[1]!.tree!.map((p) => p.id)).toEqual(['g-unknown', 'g-lscm', 'g-wscript', 'g-setup']);
  });

  it('links repeats of one detection on one host while they go on', () => {
    const b = new IncidentBuilder();
    for (let i = 0; i < 5; i++) b.add({ ...alert('DC01', i * 30, []), ruleId: 'r-ps', title: 'PowerShell' });
    b.add({ ...alert('DC02', 10, []), ruleId: 'r-ps', title: 'PowerShell' });
    expect(b.incidents().map((i) => i.alertCount)).toEqual([5, 1]);
    expect(b.incidents()[0]!.entities.some((e) => e.type === 'detection')).toBe(false);
  });

  it('needs host and user together for a weak link, and only close in time', () => {
    const b = new IncidentBuilder();
    b.add(alert('WS01', 0, [['user', 'corp\\alice']]));
    b.add(alert('WS01', 20, [['user', 'corp\\alice']])); // joins
    b.add(alert('WS01', 25, [['user', 'corp\\bob']])); // host only: apart
    b.add(alert('WS01', 20 + 6 * 60, [['user', 'corp\\alice']])); // too late
    const incidents = b.incidents();
    expect(incidents.map((i) => i.alertCount)).toEqual([2, 1, 1]);
    expect(incidents[0]!.links[0]!.reason).toMatch(
      /the same host ws01 and the same user corp\\alice, 20 min apart/,
    );
  });

  it('links hosts through a rare hash but not through a value seen everywhere', () => {
    const prevalence = new Prevalence();
    for (let h = 0; h < 40; h++)
      prevalence.observe(`H${h}`, [{ type: 'ip', value: '8.8.8.8', role: 'self' }]);
    prevalence.observe('WS01', [{ type: 'hash', value: 'abc', role: 'self' }]);
    prevalence.observe('WS02', [{ type: 'hash', value: 'abc', role: 'self' }]);
    const b = new IncidentBuilder({ prevalence });
    b.add(alert('WS01', 0, [['ip', '8.8.8.8']]));
    b.add(alert('WS02', 1, [['ip', '8.8.8.8']]));
    expect(b.incidents()).toHaveLength(2);
    b.add(alert('WS03', 2, [['hash', 'abc']]));
    b.add(alert('WS04', 3, [['hash', 'abc']]));
    expect(b.incidents().map((i) => i.alertCount)).toEqual([1, 1, 2]);
    expect(b.incidents()[2]!.hosts).toEqual(['WS03', 'WS04']);
  });

  it('links a telemetry gap with what happened on its host hours before, but not two alerts', () => {
    const b = new IncidentBuilder();
    b.add(alert('APP01', 0, [['file', 'c:\\windows\\system32\\evtagentcore.exe']]));
    b.add(alert('APP01', 150, [['file', 'c:\\temp\\other.exe']]));
    expect(b.incidents()).toHaveLength(2);
    const gap = alert('APP01', 155, [['telemetry', 'app01']]);
    b.add({ ...gap, ruleId: 'vigil.analytics.telemetry-gap-network' });
    const incidents = b.incidents();
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.links.map((l) => l.reason)).toEqual([
      'a telemetry gap on app01 and the same host app01, 3 h apart',
      'a telemetry gap on app01 and the same host app01, 5 min apart',
    ]);
    expect(incidents[0]!.entities.some((e) => e.type === 'telemetry' || e.type === 'detection')).toBe(false);
  });

  it('merges two incidents when an alert bridges them, keeping the older id', () => {
    const b = new IncidentBuilder();
    const first = b.add(alert('WS01', 0, [['hash', 'h1']]));
    const second = b.add(alert('WS02', 5, [['hash', 'h2']]));
    expect(first).not.toBe(second);
    const bridged = b.add(
      alert('WS03', 10, [
        ['hash', 'h1'],
        ['hash', 'h2'],
      ]),
    );
    expect(bridged).toBe(first);
    const [inc] = b.incidents();
    expect(inc!.alertCount).toBe(3);
    expect(inc!.mergedFrom).toEqual([second]);
    expect(inc!.links).toHaveLength(2);
  });

  it('scores a story that moves along the kill chain above a lone alert, and titles it', () => {
    const b = new IncidentBuilder();
    b.add(alert('WS01', 0, [['hash', 'x']], 'medium', ['attack.execution']));
    b.add(alert('WS01', 1, [['hash', 'x']], 'high', ['attack.persistence', 'attack.t1547.001']));
    b.add(alert('WS02', 2, [['hash', 'x']], 'high', ['attack.impact']));
    b.add(alert('WS09', 0, [['hash', 'lonely']], 'high', ['attack.execution']));
    const [story, lone] = b.incidents().sort((x, y) => y.alertCount - x.alertCount);
    expect(story!.risk.score).toBeGreaterThan(lone!.risk.score);
    expect(story!.tactics).toEqual(['execution', 'persistence', 'impact']);
    expect(story!.title).toMatch(
      /and 2 related alerts on WS01 and 1 more host \(execution → persistence → impact\)$/,
    );
    expect(['high', 'critical']).toContain(story!.severity);
    expect(lone!.severity).toBe('high');
  });

  it('retires quiet incidents and forgets old alerts, so memory stays bounded', () => {
    const b = new IncidentBuilder({ maxIndexed: 5000 });
    for (let i = 0; i < 20_000; i++) b.add(alert(`H${i % 50}`, i, [['hash', `unique-${i}`]], 'low'));
    expect(b.indexedCount).toBeLessThanOrEqual(5000);
    const retired = b.retire(T0 + 20_000 * MIN + MAX_LINK_MS + 1);
    expect(retired.length).toBeGreaterThan(0);
    expect(b.openCount).toBe(0);
    expect(retired.reduce((s, i) => s + i.alertCount, 0)).toBe(20_000);
  });

  it('caps one incident timeline but keeps counting', () => {
    const b = new IncidentBuilder({ maxTimeline: 10 });
    for (let i = 0; i < 50; i++) b.add(alert('WS01', i, [['process', 'g-1']]));
    const [inc] = b.incidents();
    expect(inc!.alertCount).toBe(50);
    expect(inc!.alerts).toHaveLength(10);
  });

  it('counts each kind of evidence once, by its strongest value, in the order the kinds were first seen', () => {
    const prevalence = new Prevalence();
    // Six hosts in all; one hash is on three of them, so it is only fairly rare (0.75).
    for (const h of ['h1', 'h2', 'h3', 'h4', 'h5', 'h6']) prevalence.observe(h, []);
    for (const h of ['h1', 'h2', 'h3'])
      prevalence.observe(h, [{ type: 'hash', value: 'sha1-shared', role: 'self' }]);
    const b = new IncidentBuilder({ prevalence });
    b.add(
      alert('WS01', 0, [
        ['file', 'c:\\x\\a.exe'],
        ['hash', 'sha1-shared'],
        ['hash', 'sha256-rare'],
      ]),
    );
    const second = alert('WS02', 5, [
      ['hash', 'sha1-shared'],
      ['file', 'c:\\x\\a.exe'],
      ['hash', 'sha256-rare'],
    ]);
    b.add(second);
    const [inc] = b.incidents();
    const link = inc!.links.find((l) => l.from === second.id)!;
    expect(link.evidence).toEqual([
      { kind: 'same-hash', entity: { type: 'hash', value: 'sha256-rare' }, weight: 1 },
      { kind: 'same-file', entity: { type: 'file', value: 'c:\\x\\a.exe' }, weight: 0.7 },
    ]);
    expect(link.score).toBe(1.7);
    expect(link.reason).toBe('the same file hash sha256-rare and the same file c:\\x\\a.exe, 5 min apart');
  });
});
