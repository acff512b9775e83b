import { addMailNoise } from './mail/noise.js';
import { MailOffice } from './mail/office.js';
import { MailSensor } from './mail/sensor.js';
import type { Scenario, ScenarioOptions, StoryTruth } from './model.js';
import { addBackground, destinations } from './noise/index.js';
import { Rng } from './prng.js';
import { FlatSensors } from './sensors/flat.js';
import { LinuxSensor, LinuxState } from './sensors/linux.js';
import { WindowsSensor, WindowsState } from './sensors/windows.js';
import { CastingError, STORIES, type StoryResult } from './stories/index.js';
import { Timeline } from './timeline.js';
import { World } from './world.js';

const DAY = 86_400_000;
const MINUTE = 60_000;

function checkInteger(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max)
    throw new RangeError(`${name} must be a whole number from ${min} to ${max}`);
  return v;
}

/**
 * A day of telemetry on a generated network: ordinary activity, and the chosen threat stories
 * played on hosts of their own, at random times in the last hours (often overlapping). The same
 * options give the same scenario; the stories do not depend on the amount of background.
 */
export function generateScenario(o: ScenarioOptions): Scenario {
  const seed = checkInteger('seed', o.seed, 0, 2 ** 32 - 1);
  const hosts = checkInteger('hosts', o.hosts ?? 24, 8, 1000);
  const background = checkInteger('background', o.background ?? 10_000, 0, 10_000_000);
  if (!Number.isFinite(o.now)) throw new RangeError('now must be a time in epoch milliseconds');
  const names = o.stories ?? [...STORIES.keys()];
  for (const n of names)
    if (!STORIES.has(n))
      throw new RangeError(`unknown story "${n}" (known: ${[...STORIES.keys()].join(', ')})`);

  const world = new World(seed, hosts);
  const timeline = new Timeline();
  const windows = new WindowsState(world, timeline, o.now);
  const linux = new LinuxState(timeline);
  const observer = `zeek-${world.org}-gw01`;
  const office = new MailOffice(world);

  const played: { id: string; name: string; result: StoryResult }[] = [];
  const seen = new Map<string, number>();
  for (const name of names) {
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    const id = n === 1 ? name : `${name}-${n}`;
    const r = Rng.stream(seed, `story|${id}`);
    const start = o.now - r.int(150 * MINUTE, 540 * MINUTE);
    try {
      const result = STORIES.get(name)!.play({
        id,
        r,
        world,
        win: new WindowsSensor(windows, r, id),
        lin: new LinuxSensor(linux, r, id),
        flat: new FlatSensors(timeline, r, id, observer),
        mail: new MailSensor(timeline, r, id, office),
        start,
        mute: (gap) => timeline.mute(gap),
      });
      played.push({ id, name, result });
    } catch (e) {
      if (e instanceof CastingError)
        throw new RangeError(`${e.message} (${hosts} hosts cannot hold ${names.join(', ')})`);
      throw e;
    }
  }

  const r = Rng.stream(seed, 'background');
  addBackground(
    {
      world,
      r,
      win: new WindowsSensor(windows, r, null),
      lin: new LinuxSensor(linux, r, null),
      flat: new FlatSensors(timeline, r, null, observer),
      dest: destinations(world, Rng.stream(seed, 'destinations')),
      start: o.now - DAY,
    },
    timeline,
    background,
    o.now,
  );
  // Mail from its own stream, after the rest: the other layers' noise is as it was.
  addMailNoise(
    new MailSensor(timeline, Rng.stream(seed, 'mail'), null, office),
    [...world.primaryUser.values(), ...world.admins].filter((a) => !world.reservedAccounts.has(a)),
    o.now - DAY,
    o.now,
    Math.round(background / 200),
  );

  const { events, spans } = timeline.finish(o.now, (host, channel) => {
    let h = seed;
    for (const c of `${host}|${channel}`) h = (Math.imul(h, 31) + c.charCodeAt(0)) | 0;
    return 10_000 + (Math.abs(h) % 2_000_000);
  });
  const stories = played.map(({ id, name, result }): StoryTruth => {
    const story = STORIES.get(name)!;
    const span = spans.get(id)!;
    const truth: StoryTruth = {
      id,
      threat: name,
      title: story.title,
      hosts: result.hosts.map((h) => h.name),
      start: span.start,
      end: span.end,
      expectedRules: [...story.expectedRules],
    };
    return result.gaps === undefined ? truth : { ...truth, gaps: result.gaps };
  });
  return { events, stories, mail: office.policy() };
}
