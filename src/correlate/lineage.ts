interface Started {
  readonly parent: string;
  readonly hub: boolean;
  /** The process's own program, lower case; '' when unknown. */
  readonly image: string;
}

export interface Ancestor {
  readonly id: string;
  readonly image: string;
}

/**
 * Which process started which, learned from process-creation events (bounded, two generations of
 * half the limit each). It lets alerts on two grandchildren of one malicious process link: a
 * backdoor that runs `cmd /c whoami` and `cmd /c nltest` is one story, though the alerts name only
 * the two cmd.exe parents.
 */
export class Lineage {
  private current = new Map<string, Started>();
  private previous = new Map<string, Started>();
  private readonly generation: number;

  constructor(maxProcesses = 500_000) {
    this.generation = Math.max(1, Math.floor(maxProcesses / 2));
  }

  /** `parentIsHub`: the parent starts programs for everyone (services.exe): the walk stops there. */
  observe(child: string, parent: string, parentIsHub: boolean, image = ''): void {
    if (child === parent) return;
    this.current.set(child, { parent, hub: parentIsHub, image });
    if (this.current.size >= this.generation) {
      this.previous = this.current;
      this.current = new Map();
    }
  }

  /**
   * The process's parent and the ones above it, nearest first, up to `depth` above the parent,
   * stopping at a hub; each with its program where known.
   */
  lineOf(parent: string, depth: number): Ancestor[] {
    const out: Ancestor[] = [];
    let at = parent;
    for (let i = 0; i <= depth; i++) {
      const up = this.current.get(at) ?? this.previous.get(at);
      out.push({ id: at, image: up?.image ?? '' });
      if (up === undefined || up.hub || i === depth || out.some((a) => a.id === up.parent)) break;
      at = up.parent;
    }
    return out;
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }
}
