import { NODE, type ElementNode, type Value, type XmlNode } from '../binxml/model.js';
import { ARRAY_BIT, VT } from '../binxml/tokens.js';
import { isElementOmitted, substitution, type Scope } from './content.js';
import { valueText } from './value-format.js';

const MAX_XML_LENGTH = 64 * 1024 * 1024;
const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};
const NEEDS_ESCAPE = /[&<>"']/;
const ESCAPE_ALL = /[&<>"']/g;

function escapeXml(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(ESCAPE_ALL, (c) => ESCAPES[c]!) : text;
}

/** The array value inside an element's content, which makes the element repeat once per item. */
function arraySubstitution(el: ElementNode, scope: Scope): number {
  if (scope === null) return -1;
  for (const child of el.children) {
    if (child.kind !== NODE.Subst) continue;
    const v = substitution(scope, child.index);
    if (v.type & ARRAY_BIT && v.type !== VT.BinXml) return child.index;
  }
  return -1;
}

/**
 * Renders records as Windows renders them (EvtRender XML): one line, single-quoted attributes,
 * `<x/>` where the log wrote an empty element, omitted optional parts.
 */
class XmlWriter {
  out = '';

  nodes(nodes: readonly XmlNode[], scope: Scope): void {
    for (const node of nodes) this.node(node, scope);
  }

  private node(node: XmlNode, scope: Scope): void {
    switch (node.kind) {
      case NODE.Element:
        this.element(node, scope);
        break;
      case NODE.Text:
        this.out += escapeXml(node.text);
        break;
      case NODE.Subst: {
        const v = substitution(scope, node.index);
        if (v.type === VT.BinXml) this.nodes(v.payload as XmlNode[], null);
        else this.out += escapeXml(valueText(v, 'xml'));
        break;
      }
      case NODE.CharRef:
        this.out += `&#${node.code};`;
        break;
      case NODE.EntityRef:
        this.out += `&${node.name};`;
        break;
      case NODE.CData:
        this.out += `<![CDATA[${node.text}]]>`;
        break;
      case NODE.PI:
        this.out += node.data ? `<?${node.target} ${node.data}?>` : `<?${node.target}?>`;
        break;
      case NODE.Template:
        this.nodes(node.template.nodes, node.values);
        break;
    }
  }

  private element(el: ElementNode, scope: Scope): void {
    if (isElementOmitted(el, scope)) return;
    const arrayIndex = arraySubstitution(el, scope);
    if (arrayIndex < 0) {
      this.elementOnce(el, scope);
      return;
    }
    // MS-EVEN6 3.1.4.7.5: an element holding array data is emitted once per item.
    for (const item of substitution(scope, arrayIndex).payload as Value[]) {
      const itemScope = scope!.slice();
      itemScope[arrayIndex] = item;
      this.elementOnce(el, itemScope);
    }
  }

  private elementOnce(el: ElementNode, scope: Scope): void {
    // Array values repeat elements; hostile ones must not grow the text without bound.
    if (this.out.length > MAX_XML_LENGTH)
      throw new Error(`rendered XML is longer than ${MAX_XML_LENGTH} characters`);
    this.out += `<${el.name}`;
    for (const attr of el.attributes) {
      const saved = this.out;
      this.out = '';
      this.nodes(attr.parts, scope);
      const value = this.out;
      this.out = saved;
      if (value !== '') this.out += ` ${attr.name}='${value}'`;
    }
    if (el.selfClosing) {
      this.out += '/>';
      return;
    }
    this.out += '>';
    this.nodes(el.children, scope);
    this.out += `</${el.name}>`;
  }
}

export function renderXml(nodes: readonly XmlNode[]): string {
  const w = new XmlWriter();
  w.nodes(nodes, null);
  return w.out;
}
