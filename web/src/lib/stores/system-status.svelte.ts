import {
  fetchStatus as fetchStatusFromApi,
  isRunFinished,
  startHealthCheck as startHealthCheckOnApi,
  type HealthCheckStarted,
  type StatusResponse,
} from '#lib/services/status.ts';
import { ApiError } from '#lib/services/api.ts';

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
  readonly #pollIntervalMs: number;
  readonly #pollTimeoutMs: number;
  #stopped = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: SystemStatusOptions = {}) {
    this.#fetchStatus = options.fetchStatus ?? (() => fetchStatusFromApi());
    this.#startHealthCheck = options.startHealthCheck ?? (() => startHealthCheckOnApi());
    this.#pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.#pollTimeoutMs = options.pollTimeoutMs ?? 120_000;
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

    let run: HealthCheckStarted;
    try {
      run = await this.#startHealthCheck();
    } catch (error) {
      this.error = describe(error);
      this.progress = { phase: 'idle' };
      return;
    }

    this.progress = { phase: 'waiting', run };
    const deadline = Date.now() + this.#pollTimeoutMs;

    while (!this.#stopped && Date.now() < deadline) {
      await this.#sleep(this.#pollIntervalMs);
      if (this.#stopped) return;
      try {
        const status = await this.#fetchStatus();
        this.status = status;
        this.error = null;
        if (isRunFinished(status, run.runId)) {
          this.progress = { phase: 'idle' };
          return;
        }
      } catch (error) {
        // Keep waiting: one failed read (an API restart, say) does not end the run.
        this.error = describe(error);
      }
    }

    if (!this.#stopped) {
      const seconds = Math.round(this.#pollTimeoutMs / 1000);
      this.error = `The health check has not finished after ${seconds} seconds. Follow it in the Temporal UI.`;
      this.progress = { phase: 'idle' };
    }
  }

  /** Stops any polling; call when the page goes away. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#timer = setTimeout(resolve, ms);
    });
  }
}

function describe(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return 'Something went wrong while loading the system status.';
}
