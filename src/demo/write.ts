import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { writeMailFiles } from './mail/journal.js';
import type { DemoEvent, Layer, Scenario, StoryTruth } from './model.js';

/** What `truth.json` holds: the stories, and the story of every line of every event file. */
export interface TruthFile {
  readonly generator: 'vigil demo';
  readonly seed: number;
  /** ISO time the scenario ends at; it covers the 24 hours before. */
  readonly now: string;
  readonly stories: StoryTruth[];
  /** Event file name → one entry per line: the story id, or null for background noise. */
  readonly labels: Record<string, (string | null)[]>;
}

export interface WrittenFile {
  readonly name: string;
  readonly layer: Layer;
  readonly events: number;
}

const LAYER_ORDER: readonly Layer[] = ['windows', 'linux', 'syslog', 'container', 'network', 'email'];

class LineFile {
  private readonly out: WriteStream;
  private buffer: string[] = [];
  private size = 0;

  constructor(path: string) {
    this.out = createWriteStream(path);
  }

  async line(text: string): Promise<void> {
    this.buffer.push(text, '\n');
    this.size += text.length + 1;
    if (this.size >= 1 << 20) await this.flush();
  }

  private async flush(): Promise<void> {
    const text = this.buffer.join('');
    this.buffer = [];
    this.size = 0;
    if (!this.out.write(text)) await once(this.out, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    this.out.end();
    await once(this.out, 'close');
  }
}

/**
 * Writes a scenario as `vigil demo` does: `<layer>.ndjson` per layer (one record per line, in
 * time order), `syslog.log` with the syslog lines as sent, the mail files (see writeMailFiles),
 * and `truth.json`.
 */
export async function writeScenario(
  dir: string,
  scenario: Scenario,
  o: { seed: number; now: number },
): Promise<WrittenFile[]> {
  await mkdir(dir, { recursive: true });
  const files = new Map<Layer, { file: LineFile; labels: (string | null)[] }>();
  let raw: LineFile | null = null;
  const mail: DemoEvent[] = [];
  for (const e of scenario.events) {
    // Mail is written as received (email.mbox) and as Vigil's analysis makes it (email.ndjson).
    if (e.layer === 'email') {
      mail.push(e);
      continue;
    }
    let entry = files.get(e.layer);
    if (entry === undefined)
      files.set(e.layer, (entry = { file: new LineFile(join(dir, `${e.layer}.ndjson`)), labels: [] }));
    await entry.file.line(JSON.stringify(e.record));
    entry.labels.push(e.story);
    if (e.raw !== undefined) await (raw ??= new LineFile(join(dir, 'syslog.log'))).line(e.raw);
  }
  const written: WrittenFile[] = [];
  const labels: Record<string, (string | null)[]> = {};
  for (const layer of LAYER_ORDER) {
    const entry = files.get(layer);
    if (entry === undefined) continue;
    await entry.file.close();
    labels[`${layer}.ndjson`] = entry.labels;
    written.push({ name: `${layer}.ndjson`, layer, events: entry.labels.length });
  }
  if (raw !== null) await raw.close();
  if (mail.length > 0) {
    await writeMailFiles(dir, mail, scenario.mail ?? { organization: [], partners: [], people: [] });
    labels['email.ndjson'] = mail.map((e) => e.story);
    written.push({ name: 'email.ndjson', layer: 'email', events: mail.length });
  }
  const truth: TruthFile = {
    generator: 'vigil demo',
    seed: o.seed,
    now: new Date(o.now).toISOString(),
    stories: scenario.stories,
    labels,
  };
  await writeFile(join(dir, 'truth.json'), JSON.stringify(truth) + '\n');
  return written;
}
