import { NODE, type AttributeNode, type ElementNode, type Value, type XmlNode } from '../binxml/model.js';
import { ARRAY_BIT, VT } from '../binxml/tokens.js';
import {
  charRefText,
  entityText,
  forEachTopLevel,
  isElementOmitted,
  substitution,
  type Scope,
} from './content.js';
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

/** Collects an element's character data and child elements, flattening nested BinXml. */
class ContentCollector {
  texts: JsonValue[] = [];
  children: { el: ElementNode; scope: Scope }[] = [];

  collect(nodes: readonly XmlNode[], scope: Scope): void {
    for (const node of nodes) {
      switch (node.kind) {
        case NODE.Element:
          this.children.push({ el: node, scope });
          break;
        case NODE.Text:
        case NODE.CData:
          this.texts.push(node.text);
          break;
        case NODE.Subst: {
          const v = substitution(scope, node.index);
          if (v.type === VT.BinXml) this.collect(v.payload as XmlNode[], null);
          else if (v.type !== VT.Null) this.texts.push(valueJson(v));
          break;
        }
        case NODE.CharRef:
          this.texts.push(charRefText(node.code));
          break;
        case NODE.EntityRef:
          this.texts.push(entityText(node.name));
          break;
        case NODE.Template:
          this.collect(node.template.nodes, node.values);
          break;
        case NODE.PI:
          break;
      }
    }
  }

  text(): JsonValue | undefined {
    const t = this.texts;
    if (t.length === 0) return undefined;
    if (t.length === 1) return t[0]!;
    let s = '';
    for (const part of t) s += jsonText(part);
    return s;
  }
}

function attributeJson(attr: AttributeNode, scope: Scope): JsonValue | undefined {
  const c = new ContentCollector();
  c.collect(attr.parts, scope);
  const v = c.text();
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

function uniqueKey(obj: JsonObject, key: string): string {
  if (!(key in obj)) return key;
  for (let n = 1; ; n++) {
    const candidate = `${key}_${n}`;
    if (!(candidate in obj)) return candidate;
  }
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

function elementJson(el: ElementNode, scope: Scope, skipAttribute: string | null): JsonValue {
  const attrs = attributesJson(el, scope, skipAttribute);
  const content = new ContentCollector();
  content.collect(el.children, scope);
  const text = content.text();
  if (content.children.length === 0) {
    if (attrs === null) return text === undefined ? null : text;
    const obj: JsonObject = { [ATTRIBUTES]: attrs };
    if (text !== undefined) obj[TEXT] = text;
    return obj;
  }
  const obj: JsonObject = attrs === null ? {} : { [ATTRIBUTES]: attrs };
  appendChildren(obj, content.children);
  if (text !== undefined) obj[TEXT] = text;
  return obj;
}

function appendChildren(obj: JsonObject, children: { el: ElementNode; scope: Scope }[]): void {
  let unnamedData: JsonValue[] | null = null;
  let dataKey = '';
  for (const { el, scope } of children) {
    if (isElementOmitted(el, scope)) continue;
    const name = dataName(el, scope);
    if (name !== null) {
      obj[uniqueKey(obj, name)] = elementJson(el, scope, 'Name');
    } else if (el.name === 'Data' && el.attributes.length === 0) {
      const v = elementJson(el, scope, null);
      if (unnamedData === null) {
        unnamedData = [];
        dataKey = uniqueKey(obj, 'Data');
        obj[dataKey] = null; // keeps the key's position; filled in below
      }
      unnamedData.push(v === null ? '' : v);
    } else {
      obj[uniqueKey(obj, el.name)] = elementJson(el, scope, null);
    }
  }
  if (unnamedData !== null) {
    obj[dataKey] = { [TEXT]: unnamedData.length === 1 ? unnamedData[0]! : unnamedData };
  }
}

/** Renders a record in the shape of `evtx_dump -o json`: `{"Event": {"#attributes": ..., "System": ...}}`. */
export function renderJson(nodes: readonly XmlNode[]): JsonObject {
  const top: { el: ElementNode; scope: Scope }[] = [];
  forEachTopLevel(nodes, null, (el, scope) => top.push({ el, scope }));
  const out: JsonObject = {};
  appendChildren(out, top);
  return out;
}

/** JSON text of a rendered record; bigint values are written as exact integers. */
export function stringifyJson(value: JsonObject, indent?: number): string {
  let hasBigInt = false;
  const text = JSON.stringify(
    value,
    (_k, v: unknown) => {
      if (typeof v === 'bigint') {
        hasBigInt = true;
        return `\u0000bigint:${v.toString()}\u0000`;
      }
      return v;
    },
    indent,
  );
  return hasBigInt ? text.replace(/"\\u0000bigint:(-?\d+)\\u0000"/g, '$1') : text;
}
