import { ApiError } from '#lib/services/api.ts';
import {
  fetchConnection,
  isActive,
  sendTestMessage,
  startAction,
  type Connection,
  type ConnectionAction,
  type TestMessageResult,
} from '#lib/services/whatsapp.ts';
import { VisiblePoller } from './visible-poller.ts';

/**
 * State of the WhatsApp page: the connection and its onboarding run, re-read every couple of seconds while
 * the run is active (the workflow's query is the live step list), and the actions the merchant can take.
 */
export class WhatsAppConnection {
  connection = $state<Connection | null>(null);
  error = $state<string | null>(null);
  /** The action being sent right now, to disable buttons and show a spinner on the right one. */
  pending = $state<ConnectionAction | 'test-message' | null>(null);
  testResult = $state<TestMessageResult | null>(null);
  testError = $state<string | null>(null);

  /** Runs only while an onboarding (or disconnect) run is active: after each read, `load` says which. */
  readonly #poller: VisiblePoller;
  #stopped = false;
  #popupTimer: ReturnType<typeof setInterval> | undefined;

  constructor(options: { pollIntervalMs?: number } = {}) {
    this.#poller = new VisiblePoller(() => this.load(), options.pollIntervalMs ?? 2_000);
  }

  async load(): Promise<void> {
    try {
      this.connection = await fetchConnection();
      this.error = null;
    } catch (error) {
      this.error = describe(error);
    }
    // A failed read keeps the last answer, so a running connection keeps being followed.
    if (isActive(this.connection)) this.#poller.start();
    else this.#poller.stop();
  }

  async act(action: ConnectionAction): Promise<void> {
    if (this.pending) return;
    this.pending = action;
    this.error = null;
    try {
      await startAction(action);
      if (action !== 'check-now') this.testResult = null;
      await this.load();
    } catch (error) {
      this.error = describe(error);
    } finally {
      this.pending = null;
    }
  }

  async sendTest(to: string): Promise<void> {
    if (this.pending) return;
    this.pending = 'test-message';
    this.testError = null;
    this.testResult = null;
    try {
      this.testResult = await sendTestMessage(to);
    } catch (error) {
      this.testError = describe(error);
    } finally {
      this.pending = null;
    }
  }

  /**
   * Opens Meta's signup in a popup. When the merchant closes it they have most likely just finished, so
   * the workflow is asked to check at once instead of at its next backoff. A blocked popup returns false
   * and the page shows the link instead.
   */
  openSignup(url: string): boolean {
    const popup = window.open(url, 'wara-whatsapp-signup', 'popup=yes,width=640,height=760');
    if (!popup) return false;
    // Its own small timer, not the poller: it reads a window property, never the API, and must keep
    // watching while this tab is hidden behind the popup (VisiblePoller pauses in a hidden tab).
    clearInterval(this.#popupTimer);
    this.#popupTimer = setInterval(() => {
      if (!popup.closed) return;
      clearInterval(this.#popupTimer);
      if (!this.#stopped && isActive(this.connection)) void this.act('check-now');
    }, 1_000);
    return true;
  }

  stop(): void {
    this.#stopped = true;
    this.#poller.dispose();
    clearInterval(this.#popupTimer);
  }
}

function describe(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return 'Something went wrong with the WhatsApp connection.';
}
