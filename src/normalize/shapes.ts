import type { JsonObject, JsonValue } from '../ingest/types.js';
import { addField, toFieldValue, type FlatEvent } from './flat-event.js';

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const ATTRIBUTES = '#attributes';
const TEXT = '#text';

/** The value an evtx-crate element stands for: its `#text` when it has attributes, else itself. */
function elementText(v: JsonValue): JsonValue | undefined {
  if (isObject(v)) return TEXT in v ? v[TEXT] : undefined;
  return v;
}

/** Leaves of an EventData/UserData subtree, under their own names; attributes as Name_Attr. */
function addLeaves(out: FlatEvent, obj: JsonObject, depth: number): void {
  if (depth > 16) return;
  for (const key of Object.keys(obj)) {
    const v = obj[key]!;
    if (key === ATTRIBUTES) continue;
    if (isObject(v)) {
      const attrs = v[ATTRIBUTES];
      if (isObject(attrs))
        for (const a of Object.keys(attrs))
          if (a !== 'xmlns') addFieldValue(out, attributeField(key, a), attrs[a]);
      if (TEXT in v) addFieldValue(out, key, v[TEXT]);
      else addLeaves(out, v, depth + 1);
    } else {
      addFieldValue(out, key, v);
    }
  }
}

/**
 * `Element_Attribute` names, joined once: element and attribute names come from templates shared
 * by many records, so the joined name is reused instead of built and hashed for every event.
 */
const joinedNames = new Map<string, Map<string, string>>();
const JOINED_NAMES_MAX = 65_536;
let joinedCount = 0;

function attributeField(key: string, attr: string): string {
  let byAttr = joinedNames.get(key);
  if (byAttr === undefined) {
    if (joinedCount >= JOINED_NAMES_MAX) return `${key}_${attr}`; // hostile input: stay bounded
    joinedNames.set(key, (byAttr = new Map()));
  }
  let name = byAttr.get(attr);
  if (name === undefined) {
    name = `${key}_${attr}`;
    if (joinedCount < JOINED_NAMES_MAX) {
      byAttr.set(attr, name);
      joinedCount++;
    }
  }
  return name;
}

function addFieldValue(out: FlatEvent, name: string, v: JsonValue | undefined): void {
  const fv = toFieldValue(v);
  if (fv !== undefined) addField(out, name, fv);
}

/** A System element (`EventID`, `Provider`, ...): its text under its name, attributes as Name_Attr. */
export function addSystemEntry(out: FlatEvent, key: string, v: JsonValue): void {
  if (isObject(v)) {
    const attrs = v[ATTRIBUTES];
    if (isObject(attrs))
      for (const a of Object.keys(attrs)) addFieldValue(out, attributeField(key, a), attrs[a]);
    const text = elementText(v);
    if (text !== undefined) addFieldValue(out, key, text);
  } else {
    addFieldValue(out, key, v);
  }
}

/** An EventData or UserData entry: leaves under their own names. */
export function addDataEntry(out: FlatEvent, key: string, v: JsonValue): void {
  if (isObject(v)) addLeaves(out, { [key]: v }, 0);
  else addFieldValue(out, key, v);
}

/**
 * Flattens the evtx crate's `{"Event": {"System": ..., "EventData": ...}}`: System elements by
 * name, their attributes as Element_Attribute, and data leaves under their own names.
 */
export function flattenEvtx(event: JsonObject, out: FlatEvent): void {
  const root = event.Event;
  if (!isObject(root)) return;
  const system = root.System;
  if (isObject(system)) for (const key of Object.keys(system)) addSystemEntry(out, key, system[key]!);
  for (const section of EVTX_DATA_SECTIONS) {
    const data = root[section];
    if (isObject(data))
      for (const key of Object.keys(data)) if (key !== ATTRIBUTES) addDataEntry(out, key, data[key]!);
  }
}

export const EVTX_DATA_SECTIONS = ['EventData', 'UserData'];

const own = (o: JsonObject, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/**
 * Reads a dotted path (`winlog.event_data`); `.` is the object itself. Shippers write ECS both
 * nested ({"host":{"name":..}}) and with dotted keys ({"host.name":..}), or a mix: both are read.
 */
export function getPath(obj: JsonObject, path: readonly string[], from = 0): JsonValue | undefined {
  let cur: JsonValue | undefined = obj;
  for (let i = from; i < path.length; i++) {
    if (!isObject(cur)) return undefined;
    const part = path[i]!;
    if (own(cur, part)) {
      cur = cur[part];
      continue;
    }
    // A key with dots in it, standing for the rest of the path or a part of it.
    let key = part;
    for (let j = i + 1; j < path.length; j++) {
      key += `.${path[j]!}`;
      if (!own(cur, key)) continue;
      const v: JsonValue | undefined = cur[key];
      if (j === path.length - 1) return v;
      return isObject(v) ? getPath(v, path, j + 1) : undefined;
    }
    return undefined;
  }
  return cur;
}

export interface GenericPlan {
  /** Objects whose leaves become fields under their own names. */
  readonly spread: readonly (readonly string[])[];
  /** Path → Sigma field, applied when the field is not already set from a spread object. */
  readonly fields: readonly { readonly path: readonly string[]; readonly name: string }[];
}

/** Flattens any JSON shape described by a plan (ECS, flat NXLog exports, auditd). */
export function flattenGeneric(event: JsonObject, plan: GenericPlan, out: FlatEvent): void {
  for (const path of plan.spread) {
    const obj = path.length === 0 ? event : getPath(event, path);
    if (!isObject(obj)) continue;
    // One object's keys are distinct: into an empty view, each is set without looking it up.
    const fresh = out.size === 0;
    for (const key of Object.keys(obj)) {
      const v = obj[key]!;
      if (isObject(v)) continue;
      const fv = toFieldValue(v);
      if (fv === undefined) continue;
      if (fresh) out.set(key, fv);
      else addField(out, key, fv);
    }
  }
  for (const { path, name } of plan.fields) {
    if (out.has(name)) continue;
    const v = getPath(event, path);
    if (v === undefined || isObject(v)) continue;
    addFieldValue(out, name, v);
  }
}
