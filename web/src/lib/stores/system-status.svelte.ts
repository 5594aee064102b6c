import {
  fetchStatus as fetchStatusFromApi,
  isRunFinished,
  startHealthCheck as startHealthCheckOnApi,
  type HealthCheckStarted,
  type StatusResponse,
} from '#lib/services/status.ts';
import { ApiError } from '#lib/services/api.ts';
import { VisiblePoller } from './visible-poller.ts';

/** Where an on-demand health check is: nothing asked, being started, or started and awaited. */
export type HealthCheckProgress =
  | { phase: 'idle' }
  | { phase: 'starting' }
  | { phase: 'waiting'; run: HealthCheckStarted };

export interface SystemStatusOptions {
  fetchStatus?: () => Promise<StatusResponse>;
  startHealthCheck?: () => Promise<HealthCheckStarted>;
  /** How often the status is re-read while a requested run is in flight. */
  pollIntervalMs?: number;
  /** When to stop waiting for a requested run and point the user at the Temporal UI instead. */
  pollTimeoutMs?: number;
}

/**
 * State of the system status page: the latest `/api/status` answer, a readable error, and the
 * progress of a health check the user asked for.
 */
export class SystemStatus {
  status = $state<StatusResponse | null>(null);
  error = $state<string | null>(null);
  loading = $state(false);
  progress = $state<HealthCheckProgress>({ phase: 'idle' });

  readonly #fetchStatus: () => Promise<StatusResponse>;
  readonly #startHealthCheck: () => Promise<HealthCheckStarted>;
  readonly #pollTimeoutMs: number;
  /** Re-reads the status while a requested run is in flight; idle otherwise. */
  readonly #poller: VisiblePoller;
  #deadline = 0;

  constructor(options: SystemStatusOptions = {}) {
    this.#fetchStatus = options.fetchStatus ?? (() => fetchStatusFromApi());
    this.#startHealthCheck = options.startHealthCheck ?? (() => startHealthCheckOnApi());
    this.#pollTimeoutMs = options.pollTimeoutMs ?? 120_000;
    this.#poller = new VisiblePoller(() => this.#followRun(), options.pollIntervalMs ?? 1_000);
  }

  get busy(): boolean {
    return this.progress.phase !== 'idle';
  }

  async refresh(): Promise<void> {
    this.loading = true;
    try {
      this.status = await this.#fetchStatus();
      this.error = null;
    } catch (error) {
      this.error = describe(error);
    } finally {
      this.loading = false;
    }
  }

  /** Starts a run, then re-reads the status every interval until that run has finished. */
  async runHealthCheck(): Promise<void> {
    if (this.busy) return;
    this.progress = { phase: 'starting' };
    this.error = null;
    try {
      const run = await this.#startHealthCheck();
      this.progress = { phase: 'waiting', run };
      this.#deadline = Date.now() + this.#pollTimeoutMs;
      this.#poller.start();
    } catch (error) {
      this.error = describe(error);
      this.progress = { phase: 'idle' };
    }
  }

  /** Stops any polling; call when the page goes away. */
  stop(): void {
    this.#poller.dispose();
  }

  /** One poll while a run is awaited: done when the API reports that run finished, or the wait timed out. */
  async #followRun(): Promise<void> {
    if (this.progress.phase !== 'waiting') {
      this.#poller.stop();
      return;
    }
    const { runId } = this.progress.run;
    try {
      const status = await this.#fetchStatus();
      this.status = status;
      this.error = null;
      if (isRunFinished(status, runId)) {
        this.#finish(null);
        return;
      }
    } catch (error) {
      // Keep waiting: one failed read (an API restart, say) does not end the run.
      this.error = describe(error);
    }
    if (Date.now() >= this.#deadline) {
      const seconds = Math.round(this.#pollTimeoutMs / 1000);
      this.#finish(`The health check has not finished after ${seconds} seconds. Follow it in the Temporal UI.`);
    }
  }

  #finish(error: string | null): void {
    this.#poller.stop();
    if (error) this.error = error;
    this.progress = { phase: 'idle' };
  }
}

function describe(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return 'Something went wrong while loading the system status.';
}
