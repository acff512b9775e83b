import { NODE, type AttributeNode, type ElementNode, type Value, type XmlNode } from '../binxml/model.js';
import { ARRAY_BIT, VT } from '../binxml/tokens.js';
import { charRefText, entityText, forEachTopLevel, substitution, type Scope } from './content.js';
import { valueText } from './value-format.js';

export type JsonValue = null | string | number | bigint | boolean | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

const ATTRIBUTES = '#attributes';
const TEXT = '#text';

/** A typed value as JSON: numbers stay numbers (bigint beyond 2^53), the rest as the evtx crate writes them. */
function valueJson(v: Value): JsonValue {
  const p = v.payload;
  switch (v.type) {
    case VT.Null:
      return null;
    case VT.String:
    case VT.AnsiString:
      // The evtx crate drops trailing whitespace from string values; rules and tools expect that.
      return (p as string).trimEnd();
    case VT.Int8:
    case VT.UInt8:
    case VT.Int16:
    case VT.UInt16:
    case VT.Int32:
    case VT.UInt32:
    case VT.Int64:
    case VT.UInt64:
    case VT.Real32:
    case VT.Real64:
      return p as number | bigint;
    case VT.Bool:
      return p as boolean;
    default:
      if (v.type & ARRAY_BIT) return (p as Value[]).map(valueJson);
      return valueText(v, 'json');
  }
}

function jsonText(v: JsonValue): string {
  if (v === null) return '';
  if (typeof v === 'object') return Array.isArray(v) ? v.map(jsonText).join(',') : '';
  return String(v);
}

interface Child {
  el: ElementNode;
  scope: Scope;
}

/**
 * What can be known about an element without its values. Computed once per template element and
 * reused by every record, so the common case renders without scanning or allocating.
 */
interface ElementPlan {
  readonly elements: ElementNode[];
  /** Character data and anything that may expand at render time (templates, substitutions). */
  readonly data: XmlNode[];
  /** Leaf with one substitution: its index, else -1. */
  readonly leafSubst: number;
  /** Leaf with one literal text: the text. */
  readonly leafText: string | undefined;
  /** JSON key of each child element when it is fixed by the template; null when it depends on values. */
  readonly keys: (string | null)[];
  /** All child keys are fixed and distinct: no collision handling needed. */
  readonly uniqueKeys: boolean;
  /** Indexes of optional substitutions directly inside, which remove the element when null. */
  readonly optional: number[];
}

function literalText(parts: readonly XmlNode[]): string | null {
  return parts.length === 1 && parts[0]!.kind === NODE.Text ? parts[0]!.text : null;
}

function staticKey(el: ElementNode): string | null {
  if (el.name !== 'Data') return el.name;
  const nameAttr = el.attributes.find((a) => a.name === 'Name');
  if (nameAttr === undefined) return el.attributes.length === 0 ? null : 'Data';
  const text = literalText(nameAttr.parts);
  return text === '' ? 'Data' : text;
}

function planOf(el: ElementNode): ElementPlan {
  if (el.renderPlan !== undefined) return el.renderPlan as ElementPlan;
  const elements: ElementNode[] = [];
  const data: XmlNode[] = [];
  const optional: number[] = [];
  for (const node of el.children) {
    if (node.kind === NODE.Element) elements.push(node);
    else if (node.kind !== NODE.PI) data.push(node);
    if (node.kind === NODE.Subst && node.optional) optional.push(node.index);
  }
  const only = elements.length === 0 && data.length === 1 ? data[0]! : null;
  const keys = elements.map(staticKey);
  const plan: ElementPlan = {
    elements,
    data,
    leafSubst: only?.kind === NODE.Subst ? only.index : -1,
    leafText: only?.kind === NODE.Text ? only.text : undefined,
    keys,
    uniqueKeys: data.length === 0 && keys.every((k) => k !== null) && new Set(keys).size === keys.length,
    optional,
  };
  el.renderPlan = plan;
  return plan;
}

function omitted(el: ElementNode, scope: Scope): boolean {
  if (scope === null) return false;
  if (el.dependency >= 0 && el.dependency < scope.length && scope[el.dependency]!.type === VT.Null)
    return true;
  for (const index of planOf(el).optional) if (substitution(scope, index).type === VT.Null) return true;
  return false;
}

/** Collects character data and child elements, flattening templates and nested BinXml. */
function collect(nodes: readonly XmlNode[], scope: Scope, texts: JsonValue[], children: Child[]): void {
  for (const node of nodes) {
    switch (node.kind) {
      case NODE.Element:
        children.push({ el: node, scope });
        break;
      case NODE.Text:
      case NODE.CData:
        texts.push(node.text);
        break;
      case NODE.Subst: {
        const v = substitution(scope, node.index);
        if (v.type === VT.BinXml) collect(v.payload as XmlNode[], null, texts, children);
        else if (v.type !== VT.Null) texts.push(valueJson(v));
        break;
      }
      case NODE.CharRef:
        texts.push(charRefText(node.code));
        break;
      case NODE.EntityRef:
        texts.push(entityText(node.name));
        break;
      case NODE.Template:
        collect(node.template.nodes, node.values, texts, children);
        break;
      case NODE.PI:
        break;
    }
  }
}

function joinTexts(texts: JsonValue[]): JsonValue | undefined {
  if (texts.length === 0) return undefined;
  if (texts.length === 1) return texts[0]!;
  let s = '';
  for (const part of texts) s += jsonText(part);
  return s;
}

/** Character data of an attribute or a childless element; undefined when there is none. */
function partsJson(parts: readonly XmlNode[], scope: Scope): JsonValue | undefined {
  if (parts.length === 1) {
    const only = parts[0]!;
    if (only.kind === NODE.Text) return only.text;
    if (only.kind === NODE.Subst) {
      const v = substitution(scope, only.index);
      if (v.type === VT.Null) return undefined;
      if (v.type !== VT.BinXml) return valueJson(v);
    }
  }
  const texts: JsonValue[] = [];
  collect(parts, scope, texts, []);
  return joinTexts(texts);
}

function attributeJson(attr: AttributeNode, scope: Scope): JsonValue | undefined {
  const v = partsJson(attr.parts, scope);
  return v === '' ? undefined : v;
}

function attributesJson(el: ElementNode, scope: Scope, skip: string | null): JsonObject | null {
  let out: JsonObject | null = null;
  for (const attr of el.attributes) {
    if (attr.name === skip) continue;
    const v = attributeJson(attr, scope);
    if (v === undefined) continue;
    (out ??= {})[attr.name] = v;
  }
  return out;
}

/** `<Data Name="X">` is keyed by X, as the evtx crate, Chainsaw, Hayabusa and Sigma expect. */
function dataName(el: ElementNode, scope: Scope): string | null {
  if (el.name !== 'Data') return null;
  for (const attr of el.attributes) {
    if (attr.name !== 'Name') continue;
    const v = attributeJson(attr, scope);
    return v === undefined ? null : jsonText(v);
  }
  return null;
}

function withAttributes(attrs: JsonObject | null, text: JsonValue | undefined): JsonValue {
  if (attrs === null) return text === undefined ? null : text;
  const obj: JsonObject = { [ATTRIBUTES]: attrs };
  if (text !== undefined) obj[TEXT] = text;
  return obj;
}

function elementJson(el: ElementNode, scope: Scope, skipAttribute: string | null): JsonValue {
  const attrs = el.attributes.length === 0 ? null : attributesJson(el, scope, skipAttribute);
  const plan = planOf(el);
  if (plan.leafSubst >= 0) {
    // The common case: `<EventID>%4</EventID>`, `<Data Name='X'>%7</Data>`.
    const v = substitution(scope, plan.leafSubst);
    if (v.type !== VT.BinXml) return withAttributes(attrs, v.type === VT.Null ? undefined : valueJson(v));
  } else if (plan.leafText !== undefined) {
    return withAttributes(attrs, plan.leafText);
  } else if (plan.data.length === 0) {
    if (plan.elements.length === 0) return withAttributes(attrs, undefined);
    const obj: JsonObject = attrs === null ? {} : { [ATTRIBUTES]: attrs };
    if (plan.uniqueKeys) appendPlanned(obj, plan, scope);
    else
      appendChildren(
        obj,
        plan.elements.map((child) => ({ el: child, scope })),
      );
    return obj;
  }
  const texts: JsonValue[] = [];
  const children: Child[] = [];
  collect(el.children, scope, texts, children);
  const text = joinTexts(texts);
  if (children.length === 0) return withAttributes(attrs, text);
  const obj: JsonObject = attrs === null ? {} : { [ATTRIBUTES]: attrs };
  appendChildren(obj, children);
  if (text !== undefined) obj[TEXT] = text;
  return obj;
}

/** Children whose keys the template fixes and which cannot collide: no lookups per record. */
function emitPlanned(plan: ElementPlan, scope: Scope, put: (key: string, value: JsonValue) => void): void {
  const { elements, keys } = plan;
  for (let i = 0; i < elements.length; i++) {
    const child = elements[i]!;
    if (omitted(child, scope)) continue;
    const key = keys[i]!;
    put(key, elementJson(child, scope, child.name === 'Data' && key !== 'Data' ? 'Name' : null));
  }
}

function appendPlanned(obj: JsonObject, plan: ElementPlan, scope: Scope): void {
  emitPlanned(plan, scope, (key, value) => (obj[key] = value));
}

/**
 * The keys and values an element's children take in the JSON rendering, in order: `<Data Name=X>`
 * keyed by X, repeated names suffixed `_1`, `_2`, unnamed Data gathered under `Data` (whose key
 * is claimed when the first one is seen, and its value put at the end).
 */
function emitChildren(
  children: Child[],
  put: (key: string, value: JsonValue) => void,
  has: (key: string) => boolean,
  claim: (key: string) => void,
): void {
  const unique = (key: string): string => {
    let k = key;
    for (let n = 1; has(k); n++) k = `${key}_${n}`;
    return k;
  };
  let unnamedData: JsonValue[] | null = null;
  let dataKey = '';
  for (const { el, scope } of children) {
    if (omitted(el, scope)) continue;
    const name = dataName(el, scope);
    if (name !== null) {
      put(unique(name), elementJson(el, scope, 'Name'));
    } else if (el.name === 'Data' && el.attributes.length === 0) {
      const v = elementJson(el, scope, null);
      if (unnamedData === null) {
        unnamedData = [];
        dataKey = unique('Data');
        claim(dataKey);
      }
      unnamedData.push(v === null ? '' : v);
    } else {
      put(unique(el.name), elementJson(el, scope, null));
    }
  }
  if (unnamedData !== null)
    put(dataKey, { [TEXT]: unnamedData.length === 1 ? unnamedData[0]! : unnamedData });
}

function appendChildren(obj: JsonObject, children: Child[]): void {
  emitChildren(
    children,
    (key, value) => (obj[key] = value),
    (key) => key in obj,
    // The key of unnamed Data is set now, as null, so that it keeps its position.
    (key) => (obj[key] = null),
  );
}

/** Receives the children of the Event element's sections (System, EventData, UserData, ...). */
export type SectionSink = (section: string, key: string, value: JsonValue) => void;

/**
 * Renders the children of the named sections of the Event element as the JSON rendering would
 * key and value them, without building the document: hunting reads fields, not documents.
 */
export function renderSections(
  nodes: readonly XmlNode[],
  sections: ReadonlySet<string>,
  sink: SectionSink,
): void {
  const top: Child[] = [];
  forEachTopLevel(nodes, null, (el, scope) => top.push({ el, scope }));
  for (const event of top) {
    if (omitted(event.el, event.scope)) continue;
    const parts: Child[] = [];
    collect(event.el.children, event.scope, [], parts);
    for (const part of parts) {
      const name = part.el.name;
      if (!sections.has(name) || omitted(part.el, part.scope)) continue;
      const plan = planOf(part.el);
      if (plan.uniqueKeys) {
        emitPlanned(plan, part.scope, (key, value) => sink(name, key, value));
        continue;
      }
      const children: Child[] = [];
      collect(part.el.children, part.scope, [], children);
      const used = new Set<string>();
      emitChildren(
        children,
        (key, value) => {
          used.add(key);
          sink(name, key, value);
        },
        (key) => used.has(key),
        (key) => used.add(key),
      );
    }
  }
}

/** Renders a record in the shape of `evtx_dump -o json`: `{"Event": {"#attributes": ..., "System": ...}}`. */
export function renderJson(nodes: readonly XmlNode[]): JsonObject {
  const top: Child[] = [];
  forEachTopLevel(nodes, null, (el, scope) => top.push({ el, scope }));
  const out: JsonObject = {};
  appendChildren(out, top);
  return out;
}

function bigintReplacer(_key: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `\u0000bigint:${v.toString()}\u0000` : v;
}

/** JSON text of a rendered record; bigint values are written as exact integers. */
export function stringifyJson(value: JsonObject, indent?: number): string {
  try {
    return JSON.stringify(value, null, indent);
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    // Only records holding 64-bit values beyond 2^53 take this slower path.
    return JSON.stringify(value, bigintReplacer, indent).replace(/"\\u0000bigint:(-?\d+)\\u0000"/g, '$1');
  }
}
