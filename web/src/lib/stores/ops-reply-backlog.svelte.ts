import { ApiError } from '#lib/services/api.ts';
import { fetchReplyBacklog, type ReplyBacklogReport } from '#lib/services/ops.ts';

/** Read again this often while the page is open: it is watched during an incident. */
const REFRESH_MS = 15_000;

/** State of the reply-backlog page: every shop running late, refreshed while the page is open. */
export class OpsReplyBacklog {
  report = $state<ReplyBacklogReport | null>(null);
  error = $state<string | null>(null);
  loading = $state(false);
  #timer: ReturnType<typeof setInterval> | null = null;

  start(): void {
    void this.load();
    this.#timer = setInterval(() => void this.load(), REFRESH_MS);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  async load(): Promise<void> {
    if (this.loading) return;
    this.loading = true;
    try {
      this.report = await fetchReplyBacklog();
      this.error = null;
    } catch (error) {
      this.error = error instanceof ApiError ? error.message : 'Could not read the reply backlog.';
    } finally {
      this.loading = false;
    }
  }
}
