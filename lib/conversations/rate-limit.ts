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
}
