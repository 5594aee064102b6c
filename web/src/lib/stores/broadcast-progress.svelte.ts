import { ApiError } from '#lib/services/api.ts';
import {
  actOnBroadcast,
  fetchBroadcast,
  fetchRecipients,
  isActive,
  type BroadcastAction,
  type BroadcastDetail,
  type Recipient,
  type RecipientFilter,
} from '#lib/services/broadcasts.ts';
import { VisiblePoller } from './visible-poller.ts';

const PAGE = 25;

/**
 * One broadcast's progress page: counts and the workflow's phase (every two seconds while it runs), its
 * recipients in sending order with a status filter and "show more", and pause / resume / cancel.
 */
export class BroadcastProgressPage {
  detail = $state<BroadcastDetail | null>(null);
  recipients = $state<Recipient[]>([]);
  nextCursor = $state<string | null>(null);
  filter = $state<RecipientFilter | null>(null);
  error = $state<string | null>(null);
  notFound = $state(false);
  pending = $state<BroadcastAction | null>(null);
  loadingMore = $state(false);

  readonly #id: string;
  readonly #poller: VisiblePoller;

  constructor(id: string, options: { pollIntervalMs?: number } = {}) {
    this.#id = id;
    this.#poller = new VisiblePoller(() => this.load(), options.pollIntervalMs ?? 2_000);
  }

  start(): void {
    void this.load().then(() => {
      if (this.detail && (isActive(this.detail.broadcast.status) || settling(this.detail))) this.#poller.start();
    });
  }

  stop(): void {
    this.#poller.dispose();
  }

  async load(): Promise<void> {
    if (this.notFound) return;
    try {
      const [detail, page] = await Promise.all([
        fetchBroadcast(this.#id),
        // The pages already shown are read again, so statuses move as they change.
        fetchRecipients(this.#id, { status: this.filter, limit: Math.max(PAGE, this.recipients.length) }),
      ]);
      this.detail = detail;
      this.recipients = page.items;
      this.nextCursor = page.nextCursor;
      this.error = null;
      // Delivery reports keep arriving for a while after the last send: followed (more slowly) for two minutes.
      if (!isActive(detail.broadcast.status)) {
        if (settling(detail)) this.#poller.intervalMs = 5_000;
        else this.#poller.stop();
      }
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        this.notFound = true;
        this.stop();
      }
      this.error = error instanceof ApiError ? error.message : 'Could not load this broadcast.';
    }
  }

  async showFilter(filter: RecipientFilter | null): Promise<void> {
    this.filter = filter;
    this.recipients = [];
    await this.load();
  }

  async showMore(): Promise<void> {
    if (!this.nextCursor || this.loadingMore) return;
    this.loadingMore = true;
    try {
      const page = await fetchRecipients(this.#id, { status: this.filter, cursor: this.nextCursor, limit: PAGE });
      this.recipients = [...this.recipients, ...page.items];
      this.nextCursor = page.nextCursor;
    } catch (error) {
      this.error = error instanceof ApiError ? error.message : 'Could not load more recipients.';
    } finally {
      this.loadingMore = false;
    }
  }

  async act(action: BroadcastAction): Promise<void> {
    if (this.pending) return;
    this.pending = action;
    try {
      await actOnBroadcast(this.#id, action);
      await this.load();
      if (this.detail && isActive(this.detail.broadcast.status)) this.#poller.start();
    } catch (error) {
      this.error = error instanceof ApiError ? error.message : 'That did not work; try again.';
    } finally {
      this.pending = null;
    }
  }
}

/** Finished less than two minutes ago: Twilio's delivery reports are still coming in. */
function settling(detail: BroadcastDetail): boolean {
  const finished = detail.broadcast.finishedAt;
  return finished !== null && Date.now() - Date.parse(finished) < 120_000;
}
