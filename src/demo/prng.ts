/**
 * A seeded PRNG (mulberry32) with the helpers the generator needs. Each part of a scenario draws
 * from its own stream (`Rng.stream(seed, label)`), so changing the amount of background noise
 * leaves the stories as they were.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** An independent stream for one part of a scenario. */
  static stream(seed: number, label: string): Rng {
    // FNV-1a over the seed and the label
    let h = 0x811c9dc5;
    const text = `${seed}|${label}`;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    return new Rng(h ^ Math.imul(seed | 0, 0x9e3779b1));
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new RangeError('pick from an empty list');
    return xs[Math.floor(this.next() * xs.length)]!;
  }

  /** Picks by weight: [[weight, value], ...]. */
  weighted<T>(xs: readonly (readonly [number, T])[]): T {
    let total = 0;
    for (const [w] of xs) total += w;
    let r = this.next() * total;
    for (const [w, v] of xs) if ((r -= w) < 0) return v;
    return xs[xs.length - 1]![1];
  }

  shuffle<T>(xs: readonly T[]): T[] {
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  private chars(alphabet: string, n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(this.next() * alphabet.length)];
    return s;
  }

  hex(n: number): string {
    return this.chars('0123456789abcdef', n);
  }

  lower(n: number): string {
    return this.chars('abcdefghijklmnopqrstuvwxyz', n);
  }

  /** Lower-case letters and digits, with at least one of each. */
  alnum(n: number): string {
    for (;;) {
      const s = this.chars('abcdefghijklmnopqrstuvwxyz0123456789', n);
      if (/[a-z]/.test(s) && /[0-9]/.test(s)) return s;
    }
  }

  upper(n: number): string {
    return this.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', n);
  }
}
