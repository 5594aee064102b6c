/**
 * The one timer behind every page that polls the API. Runs `tick` every `intervalMs` while the tab is
 * visible, one call at a time, and at once when the tab becomes visible again. A hidden tab does not
 * poll: nobody is looking, and the API is spared.
 *
 * `start()` / `stop()` may be called any number of times (a store polls only while something is
 * running, say an import); `dispose()` is for when the page goes away: nothing starts it again, so an
 * answer that arrives after the page closed cannot revive the polling.
 */
export class VisiblePoller {
  readonly #tick: () => Promise<void>;
  #intervalMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running = false;
  #stopped = true;
  #disposed = false;

  constructor(tick: () => Promise<void>, intervalMs: number) {
    this.#tick = tick;
    this.#intervalMs = intervalMs;
  }

  /** True between `start()` and `stop()`. */
  get active(): boolean {
    return !this.#stopped;
  }

  get intervalMs(): number {
    return this.#intervalMs;
  }

  /**
   * A new pace (faster while something is about to change, slower otherwise). A wait already under way
   * is restarted with it, so speeding up does not wait out the old, longer interval.
   */
  set intervalMs(ms: number) {
    if (ms === this.#intervalMs) return;
    this.#intervalMs = ms;
    if (!this.#running) this.#schedule();
  }

  /** Starts polling; the first tick comes one interval from now (the caller has just loaded). */
  start(): void {
    if (this.#disposed || !this.#stopped) return;
    this.#stopped = false;
    document.addEventListener('visibilitychange', this.#onVisibility);
    this.#schedule();
  }

  /** Pauses polling; `start()` resumes it. A tick already in flight finishes but is not followed. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    if (typeof document !== 'undefined') document.removeEventListener('visibilitychange', this.#onVisibility);
  }

  /** Stops for good: the page is gone. */
  dispose(): void {
    this.#disposed = true;
    this.stop();
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    if (this.#stopped || document.visibilityState === 'hidden') return;
    this.#timer = setTimeout(() => void this.#run(), this.#intervalMs);
  }

  async #run(): Promise<void> {
    if (this.#running || this.#stopped) return;
    this.#running = true;
    try {
      await this.#tick();
    } finally {
      this.#running = false;
      this.#schedule();
    }
  }

  readonly #onVisibility = (): void => {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    if (document.visibilityState === 'visible') void this.#run();
  };
}
