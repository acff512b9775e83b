/** Helpers for tests that check what the generator promises (not part of the library surface). */
import type { JsonObject, JsonValue } from '../ingest/types.js';
import type { DemoEvent } from './model.js';

/** A thing a correlation engine could link events by, as `type:value`. */
export type EntityKey = string;

const isObject = (v: JsonValue | undefined): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function text(v: JsonValue | undefined): string | null {
  if (v === undefined || v === null || isObject(v) || Array.isArray(v)) return null;
  const s = String(v).trim();
  return s === '' || s === '-' ? null : s.toLowerCase();
}

/** The host an event is from, as its record names it. */
export function hostOf(e: DemoEvent): string | null {
  const system = isObject(e.record.Event) ? e.record.Event.System : undefined;
  if (isObject(system)) return text(system.Computer);
  return text(e.record['host.name']) ?? text(e.record['source.ip']);
}

/**
 * The linkable things of one event, by the fields an engine would read (users, process GUIDs,
 * hashes, addresses, names, files, registry keys, containers). Host identity (name, own
 * address) is left out: stories and noise may share hosts.
 */
export function entitiesOf(e: DemoEvent): Set<EntityKey> {
  const out = new Set<EntityKey>();
  const add = (type: string, v: JsonValue | undefined) => {
    const t = text(v);
    if (t !== null) out.add(`${type}:${t}`);
  };
  const data = isObject(e.record.Event) ? (e.record.Event.EventData ?? e.record.Event.UserData) : undefined;
  if (isObject(data)) {
    const d = isObject(data.EventXML) ? data.EventXML : data;
    add('user', d.User);
    if (d.TargetUserName !== undefined)
      add('user', `${String(d.TargetDomainName)}\\${String(d.TargetUserName)}`);
    add('process', d.ProcessGuid);
    const sha = /SHA256=([0-9A-F]{64})/i.exec(String(d.Hashes ?? ''));
    if (sha) add('hash', sha[1]);
    add('ip', d.DestinationIp);
    if (d.IpAddress !== undefined && !String(d.IpAddress).startsWith(':')) add('ip', d.IpAddress);
    add('domain', d.QueryName);
    add('domain', d.DestinationHostname);
    add('file', d.Image);
    add('file', d.TargetFilename);
    add('registry', d.TargetObject);
  } else {
    add('ip', e.record['destination.ip']);
    add('domain', e.record['dns.question.name']);
    add('container', e.record['container.id']);
    add('image', e.record['container.image.name']);
  }
  return out;
}
