import { ApiError } from '#lib/services/api.ts';
import { fetchFeed, matchesFilters, mergeMessages, NO_BACKLOG, NO_FILTERS, type FeedFilters, type Message, type ReplyBacklog } from '#lib/services/conversations.ts';
import { fetchConnection } from '#lib/services/whatsapp.ts';
import { VisiblePoller } from './visible-poller.ts';

const PAGE_SIZE = 30;
/** The largest page the API serves: a poll that finds more than this reloads the first page instead. */
const POLL_LIMIT = 100;
/**
 * Each poll asks for changes since the previous answer's server time minus this overlap: a row written
 * with an earlier timestamp but committed after that answer is still caught. Merging by id makes the
 * repeats harmless.
 */
const POLL_OVERLAP_MS = 2_000;

/**
 * State of the activity feed: the newest messages, older pages on request, and live updates by polling
 * `since` the last answer. Filters apply to what is shown; a new filter starts from the first page.
 */
export class ConversationFeed {
  messages = $state<Message[] | null>(null);
  nextCursor = $state<string | null>(null);
  /** What the form holds; `applied` is what the list shows. */
  filters = $state<FeedFilters>({ ...NO_FILTERS });
  applied = $state<FeedFilters>({ ...NO_FILTERS });
  loadingOlder = $state(false);
  error = $state<string | null>(null);
  /** The connected WhatsApp number for the empty state; `null` = not connected, `undefined` = unknown. */
  connectedNumber = $state<string | null | undefined>(undefined);
  /** When the last poll answered: shown as "live", and a hint when polling fails. */
  lastUpdatedAt = $state<string | null>(null);
  /** Replies delayed under load, as of the last answer: the page's banner. */
  backlog = $state<ReplyBacklog>({ ...NO_BACKLOG });

  readonly #poller: VisiblePoller;
  #since: string | null = null;
  /** Answers to an older filter or load are dropped: only the latest request may change the list. */
  #generation = 0;

  constructor(options: { pollIntervalMs?: number } = {}) {
    this.#poller = new VisiblePoller(() => this.poll(), options.pollIntervalMs ?? 2_500);
  }

  get filtered(): boolean {
    const { direction, status, q, needsYou } = this.applied;
    return direction !== '' || status !== '' || q.trim() !== '' || needsYou;
  }

  /** Opens on the "needs you" filter (the navigation badge links here with `?needs-you`). */
  start(options: { needsYou?: boolean } = {}): void {
    if (options.needsYou) this.filters = this.applied = { ...NO_FILTERS, needsYou: true };
    void this.load();
    this.#poller.start();
  }

  stop(): void {
    this.#poller.dispose();
  }

  async load(): Promise<void> {
    const generation = ++this.#generation;
    const filters = { ...this.applied };
    try {
      const page = await fetchFeed({ filters, limit: PAGE_SIZE });
      // An empty feed says why (connect WhatsApp first, or no messages yet): know which before showing it.
      const connectedNumber = page.items.length === 0 && !this.filtered ? await readConnectedNumber() : undefined;
      if (generation !== this.#generation) return;
      this.connectedNumber = connectedNumber;
      this.messages = page.items;
      this.nextCursor = page.nextCursor;
      this.#since = page.serverTime;
      this.lastUpdatedAt = page.serverTime;
      this.backlog = page.backlog;
      this.error = null;
    } catch (error) {
      if (generation === this.#generation) this.error = describe(error);
    }
  }

  applyFilters(): void {
    this.applied = { ...this.filters, q: this.filters.q.trim() };
    this.messages = null;
    this.nextCursor = null;
    void this.load();
  }

  clearFilters(): void {
    this.filters = { ...NO_FILTERS };
    this.applyFilters();
  }

  async loadOlder(): Promise<void> {
    if (this.loadingOlder || !this.nextCursor || !this.messages) return;
    const generation = this.#generation;
    this.loadingOlder = true;
    try {
      const page = await fetchFeed({ filters: this.applied, cursor: this.nextCursor, limit: PAGE_SIZE });
      if (generation !== this.#generation || !this.messages) return;
      this.messages = mergeMessages(this.messages, page.items);
      this.nextCursor = page.nextCursor;
      this.error = null;
    } catch (error) {
      this.error = describe(error);
    } finally {
      this.loadingOlder = false;
    }
  }

  /**
   * New and changed messages since the last answer, merged in place. The status filter is applied here
   * rather than by the API, so a message whose status moves out of the filter leaves the list.
   */
  async poll(): Promise<void> {
    if (this.#since === null || this.messages === null) {
      if (this.error) await this.load();
      return;
    }
    const generation = this.#generation;
    const filters = { ...this.applied };
    const since = shiftIso(this.#since, -POLL_OVERLAP_MS);
    try {
      const page = await fetchFeed({ filters: { ...filters, status: '' }, since, limit: POLL_LIMIT });
      if (generation !== this.#generation || !this.messages) return;
      if (page.nextCursor) {
        // More changed than one answer holds: start again from the newest page.
        await this.load();
        return;
      }
      this.messages = mergeMessages(this.messages, page.items, (m) => matchesFilters(m, filters));
      this.#since = page.serverTime;
      this.lastUpdatedAt = page.serverTime;
      this.backlog = page.backlog;
      this.error = null;
    } catch (error) {
      // Keep polling: one failed read (an API restart) does not stop the feed.
      if (generation === this.#generation) this.error = describe(error);
    }
  }
}

/** The connected WhatsApp number, `null` when not connected, `undefined` when it could not be read. */
async function readConnectedNumber(): Promise<string | null | undefined> {
  try {
    const connection = await fetchConnection();
    return connection.status === 'connected' ? (connection.phoneNumber ?? '') : null;
  } catch {
    return undefined;
  }
}

function shiftIso(iso: string, ms: number): string {
  return new Date(Date.parse(iso) + ms).toISOString();
}

function describe(error: unknown): string {
  return error instanceof ApiError ? error.message : 'Something went wrong while reading your messages.';
}
