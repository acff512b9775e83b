import type { JsonObject } from '../ingest/types.js';
import type { DemoEvent, Layer, TelemetryGap } from './model.js';

/** An event under construction; Windows records get their EventRecordID once all are in order. */
export interface Draft {
  readonly time: number;
  readonly layer: Layer;
  readonly story: string | null;
  readonly record: JsonObject;
  readonly raw?: string;
  readonly host: string;
  /** Set for evtx-shaped records: the channel their record numbers count in. */
  readonly channel: string | null;
  readonly eventId: number | null;
}

interface Entry extends Draft {
  readonly seq: number;
}

/** Collects events from every part of a scenario, then orders them and numbers the records. */
export class Timeline {
  private readonly entries: Entry[] = [];
  private readonly gaps: TelemetryGap[] = [];

  get size(): number {
    return this.entries.length;
  }

  add(d: Draft): void {
    this.entries.push({ ...d, seq: this.entries.length });
  }

  /** Drops matching events from `gap.from` on, whoever adds them. */
  mute(gap: TelemetryGap): void {
    this.gaps.push(gap);
  }

  private muted(e: Entry): boolean {
    for (const g of this.gaps)
      if (
        e.host === g.host &&
        e.channel === g.channel &&
        e.time >= g.from &&
        g.eventIds.includes(e.eventId ?? -1)
      )
        return true;
    return false;
  }

  /**
   * Events up to `now` in time order, record numbers counting up per host and channel from a
   * base, and the span of each story's events. Background activity begun shortly before `now`
   * (an SSH session, a build) has not finished yet, and its later lines are not in the log.
   */
  finish(
    now: number,
    recordBase: (host: string, channel: string) => number,
  ): {
    events: DemoEvent[];
    spans: Map<string, { start: number; end: number }>;
  } {
    const kept = this.entries.filter((e) => {
      if (e.time <= now) return !this.muted(e);
      // A story's truth (its span, its expected alerts) covers all of it: it must be over by now.
      if (e.story !== null)
        throw new Error(`story ${e.story} runs past now (${new Date(e.time).toISOString()})`);
      return false;
    });
    kept.sort((a, b) => a.time - b.time || a.seq - b.seq);
    const spans = new Map<string, { start: number; end: number }>();
    for (const e of kept) {
      if (e.story === null) continue;
      const span = spans.get(e.story);
      if (span === undefined) spans.set(e.story, { start: e.time, end: e.time });
      else span.end = e.time;
    }
    const next = new Map<string, number>();
    const events = kept.map((e): DemoEvent => {
      if (e.channel !== null) {
        const key = `${e.host}\u0000${e.channel}`;
        const n = next.get(key) ?? recordBase(e.host, e.channel);
        next.set(key, n + 1);
        const system = (e.record.Event as JsonObject).System as JsonObject;
        system.EventRecordID = n;
      }
      return e.raw === undefined
        ? { record: e.record, layer: e.layer, story: e.story }
        : { record: e.record, layer: e.layer, story: e.story, raw: e.raw };
    });
    return { events, spans };
  }
}
