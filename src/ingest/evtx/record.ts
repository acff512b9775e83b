import type { XmlNode } from './binxml/model.js';
import type { RawEvtxRecord } from './chunk.js';
import { renderJson, renderSections, type JsonObject, type SectionSink } from './render/json.js';
import { fileTimeToEpochMs, formatFileTime } from './render/value-format.js';
import { renderXml } from './render/xml.js';

/** One event record: its header fields, and its event rendered on first use. */
export class EvtxRecord {
  readonly recordId: number;
  readonly timestampTicks: bigint;
  readonly offset: number;
  readonly chunkIndex: number;
  readonly file: string | undefined;
  readonly nodes: XmlNode[];
  private json: JsonObject | undefined;

  constructor(raw: RawEvtxRecord, file: string | undefined) {
    this.recordId = raw.recordId;
    this.timestampTicks = raw.timestampTicks;
    this.offset = raw.offset;
    this.chunkIndex = raw.chunkIndex;
    this.nodes = raw.nodes;
    this.file = file;
  }

  /** The record header's time, ISO-8601 with microseconds, as the evtx crate prints it. */
  get timestamp(): string {
    return formatFileTime(this.timestampTicks, 6);
  }

  get timestampMs(): number {
    return fileTimeToEpochMs(this.timestampTicks);
  }

  /** The event in the evtx crate's JSON shape. Rendered once, then cached. */
  toJSON(): JsonObject {
    return (this.json ??= renderJson(this.nodes));
  }

  /** The children of the named Event sections, keyed and valued as in toJSON, without the document. */
  sections(names: ReadonlySet<string>, sink: SectionSink): void {
    if (this.json !== undefined) {
      const event = this.json.Event;
      if (typeof event !== 'object' || event === null || Array.isArray(event)) return;
      for (const name of names) {
        const section = event[name];
        if (typeof section !== 'object' || section === null || Array.isArray(section)) continue;
        for (const key of Object.keys(section)) if (key !== '#attributes') sink(name, key, section[key]!);
      }
      return;
    }
    renderSections(this.nodes, names, sink);
  }

  /** The event as Windows renders it. */
  toXml(): string {
    return renderXml(this.nodes);
  }
}
