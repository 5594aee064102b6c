/**
 * Runs `tick` every `intervalMs` while the tab is visible, one call at a time, and at once when the tab
 * becomes visible again. A hidden tab does not poll: nobody is looking, and the API is spared.
 */
export class VisiblePoller {
  readonly #tick: () => Promise<void>;
  readonly #intervalMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running = false;
  #stopped = true;

  constructor(tick: () => Promise<void>, intervalMs: number) {
    this.#tick = tick;
    this.#intervalMs = intervalMs;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    document.addEventListener('visibilitychange', this.#onVisibility);
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    document.removeEventListener('visibilitychange', this.#onVisibility);
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
    if (document.visibilityState === 'visible') {
      clearTimeout(this.#timer);
      void this.#run();
    } else {
      clearTimeout(this.#timer);
    }
  };
}
