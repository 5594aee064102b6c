import type { DashboardSummary } from '#lib/services/dashboard.ts';
import { VisiblePoller } from './visible-poller.ts';

/** Something is about to change on its own: look again soon. */
const SOON_MS = 3_000;
/** Nothing in flight: a slow refresh keeps the numbers honest while the tab is open. */
const IDLE_MS = 30_000;

/**
 * Keeps the dashboard home fresh. The numbers come from the page's load function, so a refresh is
 * `refresh()` (the route passes `invalidate('app:dashboard')`); this class only decides how often.
 */
export class DashboardHome {
  readonly #read: () => DashboardSummary | null;
  readonly #poller: VisiblePoller;

  /** `read` returns the page's current summary (null while it could not be loaded). */
  constructor(read: () => DashboardSummary | null, refresh: () => Promise<void>) {
    this.#read = read;
    this.#poller = new VisiblePoller(async () => {
      await refresh();
      this.#pace();
    }, IDLE_MS);
  }

  start(): void {
    this.#pace();
    this.#poller.start();
  }

  stop(): void {
    this.#poller.dispose();
  }

  /** Polls faster while an email is being sent or a WhatsApp connection is in progress. */
  #pace(): void {
    this.#poller.intervalMs = changingSoon(this.#read()) ? SOON_MS : IDLE_MS;
  }
}

/** An email not sent yet (or none at all: the welcome email is on its way), or a connection under way. */
function changingSoon(dashboard: DashboardSummary | null): boolean {
  if (dashboard === null) return false;
  return (
    dashboard.emails.length === 0 ||
    dashboard.emails.some((email) => email.status === 'pending') ||
    ['connecting', 'waiting_for_sender'].includes(dashboard.whatsapp.status)
  );
}
