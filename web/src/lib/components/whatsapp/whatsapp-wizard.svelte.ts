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

/**
 * State of the WhatsApp page: the connection and its onboarding run, re-read every couple of seconds while
 * the run is active (the workflow's query is the live step list), and the actions the merchant can take.
 */
export class WhatsAppWizard {
  connection = $state<Connection | null>(null);
  error = $state<string | null>(null);
  /** The action being sent right now, to disable buttons and show a spinner on the right one. */
  pending = $state<ConnectionAction | 'test-message' | null>(null);
  testResult = $state<TestMessageResult | null>(null);
  testError = $state<string | null>(null);

  readonly #pollIntervalMs: number;
  #stopped = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #popupTimer: ReturnType<typeof setInterval> | undefined;

  constructor(options: { pollIntervalMs?: number } = {}) {
    this.#pollIntervalMs = options.pollIntervalMs ?? 2_000;
  }

  async load(): Promise<void> {
    try {
      this.connection = await fetchConnection();
      this.error = null;
    } catch (error) {
      this.error = describe(error);
    }
    this.#schedule();
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
    clearTimeout(this.#timer);
    clearInterval(this.#popupTimer);
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    if (this.#stopped || !isActive(this.connection)) return;
    this.#timer = setTimeout(() => void this.load(), this.#pollIntervalMs);
  }
}

function describe(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return 'Something went wrong with the WhatsApp connection.';
}
