/**
 * Remembers when keys were last reported, so a repeated trigger (the reg.exe command line and the
 * registry write it causes) yields one finding. Bounded: the oldest key goes first.
 */
export class RecentKeys {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly max: number,
  ) {}

  /** True when `key` was reported less than the window before `time`; records `time` otherwise. */
  repeated(key: string, time: number): boolean {
    const prev = this.last.get(key);
    if (prev !== undefined && Math.abs(time - prev) < this.windowMs) return true;
    this.last.delete(key);
    this.last.set(key, time);
    while (this.last.size > this.max) this.last.delete(this.last.keys().next().value!);
    return false;
  }

  get size(): number {
    return this.last.size;
  }
}
