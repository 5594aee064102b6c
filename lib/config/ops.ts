// Operational settings whose default depends on NODE_ENV (lib/config/env.ts declares and validates them).
import type { Env } from './env.js';

/** Typed-in credentials on the ops page: on in development unless switched off; never in production. */
export function temporaryCredentialsAllowed(env: Pick<Env, 'NODE_ENV' | 'ALLOW_TEMPORARY_CREDENTIALS'>): boolean {
  if (env.NODE_ENV === 'production') return false;
  return env.ALLOW_TEMPORARY_CREDENTIALS ?? env.NODE_ENV === 'development';
}

export const DEV_WORKER_METRICS_ADDRESS = '127.0.0.1:9464';

/** Where the worker serves Prometheus metrics, or null for nowhere. */
export function workerMetricsAddress(env: Pick<Env, 'NODE_ENV' | 'WORKER_METRICS_ADDRESS'>): string | null {
  const address = env.WORKER_METRICS_ADDRESS ?? (env.NODE_ENV === 'development' ? DEV_WORKER_METRICS_ADDRESS : 'off');
  return address === 'off' ? null : address;
}
