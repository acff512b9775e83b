import type { JsonObject } from '../ingest/types.js';
import type { DemoMailPolicy } from './mail/office.js';

/** Where an event comes from, and so which file `vigil demo` writes it to. */
export type Layer = 'windows' | 'linux' | 'syslog' | 'container' | 'email' | 'network';

/** One generated event: the record a sensor would send, and beside it the ground-truth label. */
export interface DemoEvent {
  readonly record: JsonObject;
  readonly layer: Layer;
  /** The id of the story this event belongs to, or null for background noise. */
  readonly story: string | null;
  /**
   * The text the sensor sent, where the record is parsed from it (syslog lines), or the message
   * itself (RFC 822) for mail, which Vigil analyzes.
   */
  readonly raw?: string;
}

/** A span where a host's sensor stops reporting some event types (a silenced sensor). */
export interface TelemetryGap {
  readonly host: string;
  readonly channel: string;
  readonly eventIds: number[];
  /** Epoch ms from which those events are missing, to the end of the scenario. */
  readonly from: number;
}

/** What one story is, for checking what an engine made of it. */
export interface StoryTruth {
  /** Unique in a scenario: the story's name, with `-2`, `-3` for repeats. */
  readonly id: string;
  /** The story's name (`ransomware`, `ngrok`, ...): the threat it plays. */
  readonly threat: string;
  readonly title: string;
  /** The hosts it touches, as their events name them (Computer, syslog hostname). */
  readonly hosts: string[];
  /** Epoch ms of its first and last event. */
  readonly start: number;
  readonly end: number;
  /**
   * Ids of rules (Vigil's pack and SigmaHQ) that must fire on this story when they are loaded.
   * A rule missing from the loaded set is simply not expected.
   */
  readonly expectedRules: string[];
  /** Telemetry the story silences (the Waterbear story), for gap analytics. */
  readonly gaps?: TelemetryGap[];
}

export interface Scenario {
  /** In time order, stories interleaved with noise. */
  readonly events: DemoEvent[];
  readonly stories: StoryTruth[];
  /** The organization's mail policy: its domain, its suppliers, the people whose names are borrowed. */
  readonly mail?: DemoMailPolicy;
}

export interface ScenarioOptions {
  readonly seed: number;
  /** Epoch ms; the scenario covers the 24 hours before it. */
  readonly now: number;
  /** Story names to play (repeats allowed); default all of them. */
  readonly stories?: string[];
  /** About how many background events (default 10,000). */
  readonly background?: number;
  /** Hosts in the fleet, Windows and Linux (default 24). */
  readonly hosts?: number;
}
