import { ApiError } from '#lib/services/api.ts';
import { fetchBroadcasts, isActive, type BroadcastList } from '#lib/services/broadcasts.ts';
import { VisiblePoller } from './visible-poller.ts';

/** The broadcasts page: the list, re-read every few seconds while one is sending. */
export class BroadcastListPage {
  list = $state<BroadcastList | null>(null);
  error = $state<string | null>(null);
  readonly #poller: VisiblePoller;

  constructor(options: { pollIntervalMs?: number } = {}) {
    this.#poller = new VisiblePoller(() => this.load(), options.pollIntervalMs ?? 3_000);
  }

  async load(): Promise<void> {
    try {
      this.list = await fetchBroadcasts();
      this.error = null;
    } catch (error) {
      this.error = error instanceof ApiError ? error.message : 'Could not load your broadcasts.';
    }
    if (this.list?.items.some((b) => isActive(b.status))) this.#poller.start();
    else this.#poller.stop();
  }

  stop(): void {
    this.#poller.dispose();
  }
}
