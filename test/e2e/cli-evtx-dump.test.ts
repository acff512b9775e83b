import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { corpusPath } from '../support/corpus.js';
import { runCli } from '../support/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'vigil-e2e-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('vigil evtx dump: usage and hostile input', () => {
  it('prints help', async () => {
    const r = await runCli(['evtx', 'dump', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--format/);
    expect(r.stdout).toMatch(/Exit status/);
  });

  it('exits 2 on a missing input', async () => {
    const r = await runCli(['evtx', 'dump', join(tmp, 'nope.evtx')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nope.evtx: no such file or directory');
  });

  it('exits 2 when a folder holds no .evtx file', async () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    const r = await runCli(['evtx', 'dump', empty]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no .evtx files');
  });

  it('rejects a bad --format and a bad --threads', async () => {
    expect((await runCli(['evtx', 'dump', '-f', 'yaml', tmp])).code).not.toBe(0);
    expect((await runCli(['evtx', 'dump', '-t', '0', tmp])).code).not.toBe(0);
  });

  it('reports garbage with offsets and exits 1, or 0 with --skip-errors', async () => {
    const junk = join(tmp, 'junk.evtx');
    const bytes = Buffer.alloc(4096 + 65536 * 2);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) & 0xff;
    writeFileSync(junk, bytes);
    const r = await runCli(['evtx', 'dump', junk]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${junk} @0x0: bad file signature`);
    expect(r.stderr).toContain(`${junk} @0x1000: chunk 0: bad chunk signature`);
    expect(r.stderr).toContain(`${junk} @0x11000: chunk 1: bad chunk signature`);
    const skipped = await runCli(['evtx', 'dump', '--skip-errors', junk]);
    expect(skipped.code).toBe(0);
  });

  it('treats an empty file as damage, not a crash', async () => {
    const empty = join(tmp, 'zero.evtx');
    writeFileSync(empty, '');
    const r = await runCli(['evtx', 'dump', empty]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('shorter than an EVTX header');
  });
});

const samples = corpusPath('evtx-samples');

describe.skipIf(samples === null)('vigil evtx dump on real files', () => {
  const file = (name: string): string => join(samples!, name);

  it('writes one JSON record per line, and exits 0 on a clean file', async () => {
    const r = await runCli(['evtx', 'dump', file('security.evtx')]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2261);
    const first = JSON.parse(lines[0]!) as { Event: { System: { EventRecordID: number } } };
    expect(first.Event.System.EventRecordID).toBeTypeOf('number');
  });

  it('writes XML one event per line, and pretty JSON', async () => {
    const xml = await runCli(['evtx', 'dump', '-f', 'xml', file('new-user-security.evtx')]);
    // Text keeps its own line breaks, as Windows renders it; events are separated by a newline.
    const events = xml.stdout.trimEnd().split(/\n(?=<Event )/);
    expect(events).toHaveLength(4);
    for (const e of events) expect(e).toMatch(/^<Event xmlns='[^']+'>[\s\S]*<\/Event>$/);
    const json = await runCli(['evtx', 'dump', '-f', 'json', file('new-user-security.evtx')]);
    expect(json.stdout.startsWith('{\n  "Event": {')).toBe(true);
  });

  it('gives the same output, in the same order, on one thread and on several', async () => {
    const one = await runCli(['evtx', 'dump', '-q', '-t', '1', samples!]);
    const three = await runCli(['evtx', 'dump', '-q', '-t', '3', samples!]);
    expect(three.stdout).toBe(one.stdout);
    expect(three.stderr).toBe(one.stderr);
    expect(one.stdout.split('\n').length).toBeGreaterThan(18000);
  });

  it('reports losses in a dirty file with offsets and exits 1', async () => {
    const r = await runCli(['evtx', 'dump', file('sample-with-zero-data-size-event.evtx')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/@0x1820: record size 0 is smaller/);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(449);
  });

  it('stops quietly when the reader of its output goes away', async () => {
    const r = await runCli(['evtx', 'dump', samples!], { stdoutLimit: 1000 });
    expect(r.stderr).not.toMatch(/EPIPE|Error:|at .*\.js/);
  });
});
