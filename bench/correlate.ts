/**
 * Incident-building benchmark: a million alerts through the live IncidentBuilder, against the
 * same alerts merely grouped by host (the floor any correlator pays), in the same run.
 *
 *   npm run bench:correlate -- [--alerts N] [--hosts N] [--days N] [--stories N]
 *
 * Alerts are generated: background alerts on many hosts with their own process trees, users and
 * files, some values seen everywhere (8.8.8.8, a domain controller, common tools), and multi-host
 * stories whose alerts share a rare hash. Time runs forward over --days, as it does live, so
 * incidents retire and memory must stay bounded. Prints alerts/s, heap and RSS, incidents built,
 * and the stories found whole; then one `RESULT {json}` line.
 */
import { seededRandom } from '../src/core/random.js';
import { IncidentBuilder, type CorrelationAlert, type Entity } from '../src/correlate/index.js';

function args(argv: string[]) {
  const o = { alerts: 1_000_000, hosts: 5000, days: 30, stories: 200 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]!.replace(/^--/, '') as keyof typeof o;
    if (!(key in o)) throw new Error(`unknown argument ${argv[i]}`);
    o[key] = Number(argv[i + 1]);
  }
  return o;
}

const LEVELS = ['low', 'medium', 'high'] as const;
const TAGS = [
  ['attack.execution'],
  ['attack.persistence'],
  ['attack.discovery'],
  ['attack.command-and-control'],
];

function* alerts(o: ReturnType<typeof args>): Generator<CorrelationAlert & { story: number }> {
  const r = seededRandom(7);
  const start = Date.UTC(2026, 9, 1);
  const span = o.days * 86_400_000;
  const storyEvery = Math.floor(o.alerts / Math.max(1, o.stories * 6));
  let story = 0;
  let storyStep = 0;
  for (let i = 0; i < o.alerts; i++) {
    const time = start + Math.floor((i / o.alerts) * span);
    const e = (type: Entity['type'], value: string, role: Entity['role'] = 'self'): Entity => ({
      type,
      value,
      role,
    });
    if (storyEvery > 0 && i % storyEvery === 0 && story < o.stories) {
      // Six alerts per story on three hosts, linked by one rare hash.
      const host = `story${story}-h${storyStep % 3}`;
      yield {
        id: `s${story}-${storyStep}`,
        story,
        time,
        ruleId: `story-rule-${storyStep}`,
        title: `Story step ${storyStep}`,
        level: 'high',
        tags: TAGS[storyStep % TAGS.length]!,
        host,
        entities: [e('host', host), e('hash', `rare-${story}`), e('ip', '8.8.8.8'), e('user', 'corp\\admin')],
      };
      if (++storyStep === 6) {
        storyStep = 0;
        story++;
      }
      continue;
    }
    const h = Math.floor(r() * o.hosts);
    const host = `h${h}`;
    const proc = `g-${h}-${Math.floor(r() * 50_000)}`;
    yield {
      id: `a${i}`,
      story: -1,
      time,
      ruleId: `rule-${Math.floor(r() * 400)}`,
      title: 'Background',
      level: LEVELS[Math.floor(r() * 3)]!,
      tags: TAGS[Math.floor(r() * TAGS.length)]!,
      host,
      entities: [
        e('host', host),
        e('user', `corp\\u${Math.floor(r() * 2000)}`),
        e('process', proc),
        e('process', `g-${h}-parent-${Math.floor(r() * 200)}`, 'parent'),
        e('file', `c:\\users\\u\\app${Math.floor(r() * 100_000)}.exe`),
        e('ip', r() < 0.5 ? '8.8.8.8' : `10.${h % 250}.${Math.floor(r() * 250)}.1`),
        e('domain', r() < 0.3 ? 'dc01.corp.example' : `site${Math.floor(r() * 100_000)}.example`),
      ],
    };
  }
}

function mib(bytes: number): number {
  return Math.round(bytes / 1048576);
}

async function main(): Promise<void> {
  const o = args(process.argv.slice(2));
  // Baseline: group the same alerts by host.
  let t0 = performance.now();
  const byHost = new Map<string, number>();
  for (const a of alerts(o)) byHost.set(a.host, (byHost.get(a.host) ?? 0) + 1);
  const baselineS = (performance.now() - t0) / 1000;

  global.gc?.();
  const builder = new IncidentBuilder();
  // Rarity as it would be learned from events: the common values seen on every host.
  for (let h = 0; h < 200; h++)
    builder.prevalence.observe(`h${h}`, [
      { type: 'ip', value: '8.8.8.8', role: 'self' },
      { type: 'domain', value: 'dc01.corp.example', role: 'self' },
      { type: 'user', value: 'corp\\admin', role: 'self' },
    ]);
  const storyIncidents = new Map<number, Set<string>>();
  const incidentOfAlert = new Map<string, string>();
  let retired = 0;
  let peakHeap = 0;
  let peakRss = 0;
  let n = 0;
  t0 = performance.now();
  for (const a of alerts(o)) {
    const id = builder.add(a);
    if (a.story >= 0) {
      incidentOfAlert.set(a.id, id);
      // The story's last step: where did each of its alerts end up (through merges)?
      if (a.id.endsWith('-5')) {
        const ids = new Set<string>();
        for (let step = 0; step < 6; step++) {
          const at = incidentOfAlert.get(`s${a.story}-${step}`);
          if (at !== undefined) ids.add(builder.find(at)?.id ?? at);
        }
        storyIncidents.set(a.story, ids);
      }
    }
    if (++n % 50_000 === 0) {
      retired += builder.retire().length;
      // Live memory, not garbage the collector has not reached yet.
      global.gc?.();
      const m = process.memoryUsage();
      peakHeap = Math.max(peakHeap, m.heapUsed);
      peakRss = Math.max(peakRss, m.rss);
    }
  }
  const open = builder.incidents();
  const seconds = (performance.now() - t0) / 1000;
  const whole = [...storyIncidents.values()].filter((s) => s.size === 1).length;
  const result = {
    alerts: o.alerts,
    alertsPerSecond: Math.round(o.alerts / seconds),
    seconds: Math.round(seconds * 100) / 100,
    baselineAlertsPerSecond: Math.round(o.alerts / baselineS),
    ratioToBaseline: Math.round((baselineS / seconds) * 1000) / 1000,
    incidents: retired + open.length + builder.forcedRetirements,
    forcedRetirements: builder.forcedRetirements,
    openAtEnd: open.length,
    peakHeapMiB: mib(peakHeap),
    peakRssMiB: mib(peakRss),
    indexedAtEnd: builder.indexedCount,
    stories: storyIncidents.size,
    storiesWhole: whole,
  };
  console.log(`correlated ${o.alerts.toLocaleString()} alerts on ${o.hosts} hosts over ${o.days} days`);
  console.log(
    `  ${result.alertsPerSecond.toLocaleString()} alerts/s (${result.seconds} s); grouping by host alone: ${result.baselineAlertsPerSecond.toLocaleString()} alerts/s (ratio ${result.ratioToBaseline})`,
  );
  console.log(
    `  ${result.incidents.toLocaleString()} incidents (${(o.alerts / result.incidents).toFixed(1)} alerts each); stories whole: ${whole}/${storyIncidents.size}`,
  );
  console.log(
    `  live heap at most ${result.peakHeapMiB} MiB (after GC), peak RSS ${result.peakRssMiB} MiB; ${result.forcedRetirements} incidents retired early to stay within bounds`,
  );
  console.log(`RESULT ${JSON.stringify(result)}`);
}

await main();
