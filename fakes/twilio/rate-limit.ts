// Per-account send rate limit (config.sendRateLimitPerSecond): a sliding one-second window of
// accepted message creates. Real time, not the fake clock: it limits how fast a client calls,
// and tests often freeze the fake clock.

export class SendRateLimiter {
  private readonly windows = new Map<string, number[]>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Count a send if the account is under `limit`; otherwise the whole seconds until a slot frees. */
  take(accountSid: string, limit: number): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const t = this.now();
    let q = this.windows.get(accountSid);
    if (!q) {
      q = [];
      this.windows.set(accountSid, q);
    }
    let expired = 0;
    while (expired < q.length && q[expired]! <= t - 1000) expired++;
    if (expired > 0) q.splice(0, expired);
    if (q.length >= limit) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((q[0]! + 1000 - t) / 1000)) };
    q.push(t);
    return { ok: true };
  }

  clear(): void {
    this.windows.clear();
  }
}
