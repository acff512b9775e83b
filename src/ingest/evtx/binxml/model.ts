/**
 * The decoded BinXml tree. Templates are parsed once per chunk into these nodes; a record is a
 * template reference plus its substitution values, and the renderers resolve the two together.
 */

export const NODE = {
  Element: 1,
  Text: 2,
  Subst: 3,
  CharRef: 4,
  EntityRef: 5,
  CData: 6,
  PI: 7,
  Template: 8,
} as const;

/** A decoded substitution or value: its BinXml type and payload (see values.ts for payload shapes). */
export interface Value {
  readonly type: number;
  readonly payload: ValuePayload;
}

export type ScalarPayload = null | string | number | bigint | boolean | Uint8Array | SystemTime;
export type ValuePayload = ScalarPayload | XmlNode[] | Value[];

export interface SystemTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millisecond: number;
}

export interface ElementNode {
  readonly kind: typeof NODE.Element;
  readonly name: string;
  readonly attributes: AttributeNode[];
  readonly children: XmlNode[];
  /** Closed with CloseEmptyElement (`<x/>`) rather than an end tag. */
  readonly selfClosing: boolean;
  /** Index of the value whose null-ness removes this element, or -1 (MS-EVEN6 DependencyId). */
  readonly dependency: number;
  /** Renderer-owned facts about this element, computed on first render and shared by all records. */
  renderPlan?: unknown;
}

export interface AttributeNode {
  readonly name: string;
  readonly parts: XmlNode[];
}

export interface TextNode {
  readonly kind: typeof NODE.Text;
  readonly text: string;
}

export interface SubstNode {
  readonly kind: typeof NODE.Subst;
  readonly index: number;
  readonly optional: boolean;
}

export interface CharRefNode {
  readonly kind: typeof NODE.CharRef;
  readonly code: number;
}

export interface EntityRefNode {
  readonly kind: typeof NODE.EntityRef;
  readonly name: string;
}

export interface CDataNode {
  readonly kind: typeof NODE.CData;
  readonly text: string;
}

export interface PINode {
  readonly kind: typeof NODE.PI;
  readonly target: string;
  readonly data: string;
}

export interface TemplateNode {
  readonly kind: typeof NODE.Template;
  readonly template: TemplateDefinition;
  readonly values: Value[];
}

export type XmlNode =
  ElementNode | TextNode | SubstNode | CharRefNode | EntityRefNode | CDataNode | PINode | TemplateNode;

export interface TemplateDefinition {
  /** Chunk-relative offset of the definition. */
  readonly offset: number;
  readonly guid: string;
  readonly nodes: XmlNode[];
  /** Nodes the definition expands to when rendered, nested templates included. */
  readonly weight: number;
}
