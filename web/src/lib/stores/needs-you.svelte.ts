import { fetchNeedsYou } from '#lib/services/agent.ts';
import { VisiblePoller } from './visible-poller.ts';

/** The navigation's "needs you" badge: conversations the agent handed to the merchant, re-read while the tab is visible. */
export class NeedsYouBadge {
  count = $state(0);
  readonly #poller: VisiblePoller;

  constructor(options: { pollIntervalMs?: number } = {}) {
    this.#poller = new VisiblePoller(() => this.refresh(), options.pollIntervalMs ?? 15_000);
  }

  start(): void {
    void this.refresh();
    this.#poller.start();
  }

  stop(): void {
    this.#poller.dispose();
  }

  async refresh(): Promise<void> {
    try {
      this.count = await fetchNeedsYou();
    } catch {
      // The badge is a hint: a failed read keeps the last count (the pages say what went wrong).
    }
  }
}
