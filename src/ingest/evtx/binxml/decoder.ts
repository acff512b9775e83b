import { BinXmlFormatError } from '../errors.js';
import {
  NODE,
  type AttributeNode,
  type ElementNode,
  type TemplateDefinition,
  type TemplateNode,
  type Value,
  type XmlNode,
} from './model.js';
import { MORE_BIT, TOKEN } from './tokens.js';
import { decodeValue, readGuid } from './values.js';

/** Real events render to a few hundred nodes; this leaves room for the largest. */
const MAX_RECORD_WEIGHT = 1_000_000;

/** Nodes rendering would visit; nested templates count with their own (memoised) weight. */
function weightOf(nodes: readonly XmlNode[]): number {
  let w = 0;
  for (const n of nodes) {
    w += 1;
    if (n.kind === NODE.Element) {
      for (const a of n.attributes) w += weightOf(a.parts);
      w += weightOf(n.children);
    } else if (n.kind === NODE.Template) {
      w += n.template.weight;
      for (const v of n.values)
        if (Array.isArray(v.payload) && v.payload.length > 0 && isNode(v.payload[0]))
          w += weightOf(v.payload as XmlNode[]);
    }
    // Saturate: the bound is what matters, not the exact count.
    if (w > MAX_RECORD_WEIGHT) return w;
  }
  return w;
}

function isNode(x: unknown): x is XmlNode {
  return typeof x === 'object' && x !== null && 'kind' in x;
}

/** Nesting deeper than this is hostile input, not an event log. */
const MAX_DEPTH = 64;
/** Records reference names and templates stored at or after the chunk's string area. */
const CHUNK_DATA_START = 128;
const TEMPLATE_HEADER_SIZE = 24;

function fail(message: string, at: number): never {
  throw new BinXmlFormatError(message, at);
}

/**
 * Decodes BinXml within one 64 KiB chunk. Names and templates are addressed by chunk offset, so
 * each is decoded once per chunk and shared by every record that references it.
 */
export class ChunkBinXmlDecoder {
  private readonly names = new Map<number, string>();
  private readonly templates = new Map<number, TemplateDefinition>();
  /** Template definitions currently being decoded: a cycle is hostile input. */
  private readonly decodingTemplates = new Set<number>();
  private pos = 0;
  private end = 0;
  private depth = 0;

  constructor(private readonly buf: Buffer) {}

  /** Decodes a record's BinXml document in [start, end) into top-level nodes. */
  decodeDocument(start: number, end: number): XmlNode[] {
    this.depth = 0;
    const nodes = this.fragmentAt(start, end, false);
    // Templates may include templates many times over: a few KiB could expand to billions of
    // nodes. What a record expands to is bounded before anyone renders it.
    const weight = weightOf(nodes);
    if (weight > MAX_RECORD_WEIGHT)
      fail(`record expands to ${weight} nodes, more than the ${MAX_RECORD_WEIGHT} allowed`, start);
    return nodes;
  }

  private fragmentAt(start: number, end: number, inTemplate: boolean): XmlNode[] {
    const savedPos = this.pos;
    const savedEnd = this.end;
    if (end > this.buf.length) fail('fragment runs past the end of the chunk', start);
    this.pos = start;
    this.end = end;
    try {
      return this.fragment(inTemplate);
    } finally {
      this.pos = savedPos;
      this.end = savedEnd;
    }
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) fail(`BinXml nested deeper than ${MAX_DEPTH} levels`, this.pos);
  }

  private u8(): number {
    if (this.pos + 1 > this.end) fail('unexpected end of BinXml', this.pos);
    return this.buf[this.pos++]!;
  }

  private u16(): number {
    if (this.pos + 2 > this.end) fail('unexpected end of BinXml', this.pos);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  private u32(): number {
    if (this.pos + 4 > this.end) fail('unexpected end of BinXml', this.pos);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  private peek(): number {
    return this.pos < this.end ? this.buf[this.pos]! : TOKEN.EndOfStream;
  }

  /** A length-prefixed UTF-16 string (char count, then chars). */
  private prefixedString(): string {
    const chars = this.u16();
    const start = this.pos;
    if (start + chars * 2 > this.end) fail('string runs past the end of BinXml', start);
    this.pos += chars * 2;
    return this.buf.toString('utf16le', start, this.pos);
  }

  /** The name at chunk offset `at`; names stored inline (at the cursor) are skipped over. */
  private name(): string {
    const at = this.u32();
    const inline = at === this.pos;
    let name = this.names.get(at);
    if (name === undefined) {
      if (at < CHUNK_DATA_START || at + 8 > this.buf.length)
        fail(`name offset 0x${at.toString(16)} is outside the chunk`, this.pos - 4);
      const chars = this.buf.readUInt16LE(at + 6);
      if (at + 8 + chars * 2 > this.buf.length)
        fail(`name at 0x${at.toString(16)} runs past the end of the chunk`, at);
      name = this.buf.toString('utf16le', at + 8, at + 8 + chars * 2);
      this.names.set(at, name);
    }
    if (inline) this.pos = at + 8 + name.length * 2 + 2;
    return name;
  }

  private fragment(inTemplate: boolean): XmlNode[] {
    const nodes: XmlNode[] = [];
    while (this.pos < this.end) {
      const token = this.u8();
      switch (token & ~MORE_BIT) {
        case TOKEN.EndOfStream:
          return nodes;
        case TOKEN.FragmentHeader:
          this.pos += 3;
          break;
        case TOKEN.OpenStartElement:
          nodes.push(this.element(token, inTemplate));
          break;
        case TOKEN.TemplateInstance:
          nodes.push(this.templateInstance());
          break;
        case TOKEN.PITarget:
          nodes.push(this.processingInstruction());
          break;
        default:
          fail(`unexpected token 0x${token.toString(16)} at fragment level`, this.pos - 1);
      }
    }
    return nodes;
  }

  /**
   * Element headers carry a 2-byte dependency id in template definitions but not always in
   * nested BinXml, so pick the layout whose name offset is self-consistent.
   */
  private hasDependencyId(preferred: boolean): boolean {
    const p = this.pos;
    const plausible = (nameFieldAt: number): boolean => {
      if (nameFieldAt + 4 > this.end) return false;
      const at = this.buf.readUInt32LE(nameFieldAt);
      if (at === nameFieldAt + 4) return true;
      return at >= CHUNK_DATA_START && at < p && at + 8 <= this.buf.length;
    };
    if (plausible(preferred ? p + 6 : p + 4)) return preferred;
    if (plausible(preferred ? p + 4 : p + 6)) return !preferred;
    return preferred;
  }

  private element(token: number, inTemplate: boolean): ElementNode {
    this.enter();
    const dependency = this.hasDependencyId(inTemplate) ? this.u16() : 0xffff;
    this.u32(); // element byte length: the tokens delimit the element already
    const name = this.name();
    const attributes: AttributeNode[] = [];
    if (token & MORE_BIT) {
      this.u32(); // attribute list byte length
      while ((this.peek() & ~MORE_BIT) === TOKEN.Attribute) {
        this.pos++;
        const attrName = this.name();
        attributes.push({ name: attrName, parts: this.characterData(true) });
      }
    }
    const close = this.u8();
    let children: XmlNode[] = [];
    let selfClosing = false;
    if (close === TOKEN.CloseEmptyElement) {
      selfClosing = true;
    } else if (close === TOKEN.CloseStartElement) {
      children = this.content(inTemplate);
    } else {
      fail(
        `element <${name}> has token 0x${close.toString(16)} where its start tag should close`,
        this.pos - 1,
      );
    }
    this.depth--;
    return {
      kind: NODE.Element,
      name,
      attributes,
      children,
      selfClosing,
      dependency: dependency === 0xffff ? -1 : dependency,
    };
  }

  /** Character data of an attribute value or element content, up to the next structural token. */
  private characterData(inAttribute: boolean): XmlNode[] {
    const parts: XmlNode[] = [];
    for (;;) {
      const token = this.peek();
      switch (token & ~MORE_BIT) {
        case TOKEN.Value: {
          this.pos++;
          const type = this.u8();
          if (type !== 0x01)
            fail(`value text of type 0x${type.toString(16)} (only strings are valid)`, this.pos - 1);
          parts.push({ kind: NODE.Text, text: this.prefixedString() });
          break;
        }
        case TOKEN.NormalSubstitution:
        case TOKEN.OptionalSubstitution: {
          if (token & MORE_BIT) return parts;
          this.pos++;
          const index = this.u16();
          this.u8(); // declared type; the instance's value spec is authoritative
          parts.push({ kind: NODE.Subst, index, optional: token === TOKEN.OptionalSubstitution });
          break;
        }
        case TOKEN.CharRef:
          this.pos++;
          parts.push({ kind: NODE.CharRef, code: this.u16() });
          break;
        case TOKEN.EntityRef:
          this.pos++;
          parts.push({ kind: NODE.EntityRef, name: this.name() });
          break;
        case TOKEN.CDataSection:
          if (inAttribute) return parts;
          this.pos++;
          parts.push({ kind: NODE.CData, text: this.prefixedString() });
          break;
        default:
          return parts;
      }
    }
  }

  private content(inTemplate: boolean): XmlNode[] {
    const children: XmlNode[] = [];
    for (;;) {
      const data = this.characterData(false);
      for (const d of data) children.push(d);
      const token = this.u8();
      switch (token & ~MORE_BIT) {
        case TOKEN.EndElement:
          return children;
        case TOKEN.OpenStartElement:
          children.push(this.element(token, inTemplate));
          break;
        case TOKEN.PITarget:
          children.push(this.processingInstruction());
          break;
        case TOKEN.TemplateInstance:
          children.push(this.templateInstance());
          break;
        case TOKEN.FragmentHeader:
          this.pos += 3;
          break;
        default:
          fail(`unexpected token 0x${token.toString(16)} in element content`, this.pos - 1);
      }
    }
  }

  private processingInstruction(): XmlNode {
    const target = this.name();
    let data = '';
    if ((this.peek() & ~MORE_BIT) === TOKEN.PIData) {
      this.pos++;
      data = this.prefixedString();
    }
    return { kind: NODE.PI, target, data };
  }

  private templateInstance(): TemplateNode {
    this.u8(); // reserved
    this.u32(); // template id (short form); the definition offset identifies it
    const defOffset = this.u32();
    let template: TemplateDefinition;
    if (defOffset === this.pos) {
      template = this.templateAt(defOffset);
      const size = this.buf.readUInt32LE(defOffset + 20);
      this.pos = defOffset + TEMPLATE_HEADER_SIZE + size;
    } else {
      template = this.templateAt(defOffset);
    }
    return { kind: NODE.Template, template, values: this.substitutionValues() };
  }

  private templateAt(offset: number): TemplateDefinition {
    const cached = this.templates.get(offset);
    if (cached) return cached;
    if (offset < CHUNK_DATA_START || offset + TEMPLATE_HEADER_SIZE > this.buf.length) {
      fail(`template offset 0x${offset.toString(16)} is outside the chunk`, this.pos);
    }
    if (this.decodingTemplates.has(offset))
      fail(`template at 0x${offset.toString(16)} includes itself`, offset);
    const size = this.buf.readUInt32LE(offset + 20);
    const start = offset + TEMPLATE_HEADER_SIZE;
    if (start + size > this.buf.length)
      fail(`template at 0x${offset.toString(16)} runs past the end of the chunk`, offset);
    this.decodingTemplates.add(offset);
    try {
      const nodes = this.fragmentAt(start, start + size, true);
      const template = { offset, guid: readGuid(this.buf, offset + 4), nodes, weight: weightOf(nodes) };
      this.templates.set(offset, template);
      return template;
    } finally {
      this.decodingTemplates.delete(offset);
    }
  }

  private substitutionValues(): Value[] {
    const count = this.u32();
    if (count * 4 > this.end - this.pos)
      fail(`template instance declares ${count} values, more than fit`, this.pos - 4);
    const specAt = this.pos;
    this.pos += count * 4;
    const values: Value[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const size = this.buf.readUInt16LE(specAt + i * 4);
      const type = this.buf[specAt + i * 4 + 2]!;
      if (this.pos + size > this.end)
        fail(`value ${i} (${size} bytes) runs past the end of the record`, this.pos);
      values[i] = decodeValue(this.buf, this.pos, size, type, this.nested);
      this.pos += size;
    }
    return values;
  }

  private readonly nested = (start: number, end: number): XmlNode[] => {
    this.enter();
    try {
      return this.fragmentAt(start, end, false);
    } finally {
      this.depth--;
    }
  };
}
