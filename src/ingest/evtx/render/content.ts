import { NODE, type ElementNode, type Value, type XmlNode } from '../binxml/model.js';
import { VT } from '../binxml/tokens.js';

/** The substitution values in scope while rendering nodes: a template instance's, or none. */
export type Scope = readonly Value[] | null;

const NULL: Value = { type: VT.Null, payload: null };

export function substitution(scope: Scope, index: number): Value {
  return scope?.[index] ?? NULL;
}

/**
 * MS-EVEN6 2.2.12.1: an element is not rendered when its dependency value is null, or when an
 * optional substitution directly inside it is null.
 */
export function isElementOmitted(el: ElementNode, scope: Scope): boolean {
  if (scope === null) return false;
  if (el.dependency >= 0 && el.dependency < scope.length && scope[el.dependency]!.type === VT.Null)
    return true;
  for (const child of el.children) {
    if (child.kind === NODE.Subst && child.optional && substitution(scope, child.index).type === VT.Null)
      return true;
  }
  return false;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function entityText(name: string): string {
  return ENTITIES[name] ?? `&${name};`;
}

export function charRefText(code: number): string {
  return String.fromCodePoint(code);
}

/** Walks the nodes a record is made of, resolving template instances to their definitions. */
export function forEachTopLevel(
  nodes: readonly XmlNode[],
  scope: Scope,
  visit: (el: ElementNode, scope: Scope) => void,
): void {
  for (const node of nodes) {
    if (node.kind === NODE.Element) visit(node, scope);
    else if (node.kind === NODE.Template) forEachTopLevel(node.template.nodes, node.values, visit);
    else if (node.kind === NODE.Subst) {
      const v = substitution(scope, node.index);
      if (v.type === VT.BinXml) forEachTopLevel(v.payload as XmlNode[], null, visit);
    }
  }
}
