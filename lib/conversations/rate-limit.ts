// Per-tenant webhook budget: a fixed one-minute window per key, in process. Counted after the signature
// check, so forged requests naming a tenant cannot spend that tenant's budget. With several API instances
// each enforces its own share, which is what a per-instance capacity guard needs.
export class FixedWindowLimiter {
  readonly #windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when the call fits in the key's budget (and counts it). */
  take(key: string): boolean {
    const t = this.now();
    let w = this.#windows.get(key);
    if (!w || t - w.start >= this.windowMs) {
      if (this.#windows.size > 10_000) this.#windows.clear();
      w = { start: t, count: 0 };
      this.#windows.set(key, w);
    }
    w.count += 1;
    return w.count <= this.limit;
  }

  /** How long until the key's window starts again (for a Retry-After header); 0 when it has room. */
  retryAfterMs(key: string): number {
    const w = this.#windows.get(key);
    if (!w || w.count < this.limit) return 0;
    return Math.max(0, w.start + this.windowMs - this.now());
  }
}
