import type { AnalyticEvent } from './types.js';

export interface ProcessNode {
  readonly key: string;
  readonly host: string;
  image: string;
  commandLine?: string;
  parentKey?: string;
  /** Creation time, or when first heard of for a process known only as someone's parent. */
  time: number;
  lastSeen: number;
  /** Known only from a child's ParentImage; its own creation event has not been seen. */
  stub: boolean;
  readonly children: string[];
  /** The creation event, kept only for processes that could be a payload. */
  event?: AnalyticEvent;
  user?: string;
}

export interface ProcessTableOptions {
  /** Hard cap on processes remembered; the least recently touched go first. */
  readonly maxProcesses: number;
  /** Processes untouched this long (stream time) are forgotten. */
  readonly ttlMs: number;
  /** Children remembered per process. */
  readonly maxChildren: number;
}

/**
 * Process trees per host, keyed by ProcessGuid (or pid where a source has no GUID), with bounded
 * memory: an LRU over a Map's insertion order plus a time-to-live.
 */
export class ProcessTable {
  private readonly nodes = new Map<string, ProcessNode>();
  /**
   * The least recently touched node, and an iterator standing on it. Asking a Map for its first
   * entry walks over every entry deleted since the Map was last rehashed, and touching moves a
   * node by deleting it: done per event (expire, eviction), that walk was most of the analytic's
   * time. A live iterator passes each deleted entry once. Every node the iterator has passed was
   * deleted or moved behind it, so the next one it yields is always the first.
   */
  private cursor: Iterator<ProcessNode> | undefined;
  private head: ProcessNode | undefined;

  constructor(private readonly o: ProcessTableOptions) {}

  get size(): number {
    return this.nodes.size;
  }

  get(key: string | undefined): ProcessNode | undefined {
    return key === undefined ? undefined : this.nodes.get(key);
  }

  /** The node for `key`, created if absent and moved to the most recently used end. */
  touch(key: string, host: string, time: number): ProcessNode {
    let node = this.nodes.get(key);
    if (node === undefined) {
      node = { key, host, image: '', time, lastSeen: time, stub: true, children: [] };
    } else {
      this.nodes.delete(key);
      if (node === this.head) this.head = undefined;
    }
    node.lastSeen = Math.max(node.lastSeen, time);
    this.nodes.set(key, node);
    while (this.nodes.size > this.o.maxProcesses) this.dropFirst(this.first()!);
    return node;
  }

  /** The least recently touched node. */
  private first(): ProcessNode | undefined {
    if (this.head !== undefined) return this.head;
    this.cursor ??= this.nodes.values();
    const next = this.cursor.next();
    // A finished iterator stays finished: the next call starts a new one.
    if (next.done === true) this.cursor = undefined;
    else this.head = next.value;
    return this.head;
  }

  private dropFirst(node: ProcessNode): void {
    this.nodes.delete(node.key);
    this.head = undefined;
  }

  addChild(parent: ProcessNode, childKey: string): void {
    if (parent.children.includes(childKey)) return;
    if (parent.children.length >= this.o.maxChildren) parent.children.shift();
    parent.children.push(childKey);
  }

  /** Ancestors of a node, nearest first, at most `depth` of them. */
  ancestors(node: ProcessNode, depth: number): ProcessNode[] {
    const out: ProcessNode[] = [];
    let current = this.get(node.parentKey);
    while (current !== undefined && out.length < depth && !out.includes(current) && current !== node) {
      out.push(current);
      current = this.get(current.parentKey);
    }
    return out;
  }

  /** The node and its descendants down to `depth` levels, breadth first. */
  subtree(node: ProcessNode, depth: number): ProcessNode[] {
    // Most processes start childless: no walk.
    if (node.children.length === 0 || depth <= 0) return [node];
    const out: ProcessNode[] = [node];
    const seen = new Set([node.key]);
    let level = [node];
    for (let d = 0; d < depth && level.length > 0; d++) {
      const next: ProcessNode[] = [];
      for (const n of level)
        for (const key of n.children) {
          const child = this.nodes.get(key);
          if (child === undefined || seen.has(key)) continue;
          seen.add(key);
          next.push(child);
        }
      out.push(...next);
      level = next;
    }
    return out;
  }

  /** Forgets processes untouched since `now - ttl`. The Map is roughly in touch order, so this stops early. */
  expire(now: number): void {
    const cutoff = now - this.o.ttlMs;
    for (let node = this.first(); node !== undefined; node = this.first()) {
      if (node.lastSeen >= cutoff) break;
      this.dropFirst(node);
    }
  }
}
