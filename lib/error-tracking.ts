// Error tracking (Sentry, or any ingest speaking its protocol), for the API and the worker. Off unless
// SENTRY_DSN is set: then nothing is initialised and nothing leaves the process. When on, every event and
// breadcrumb goes through the same scrubbing as the structured logs (lib/logging.ts) before it is sent,
// and the integrations are a short, explicit list: no outgoing-request breadcrumbs (provider URLs), no
// request bodies, no local variables, no cookies.
import * as Sentry from '@sentry/node';
import type { Env } from './config/env.js';
import { redactSecrets, scrubLogLine } from './logging.js';

export type ErrorTrackingService = 'api' | 'worker';

export interface ErrorTrackingOptions {
  /** Integrations only one service needs (the API's Fastify and incoming-request ones). */
  integrations?: Sentry.NodeOptions['integrations'];
  /** Tests pass their own transport; production uses Sentry's HTTP transport to the DSN. */
  transport?: Sentry.NodeOptions['transport'];
}

/** Starts error tracking when SENTRY_DSN is set; returns whether it did. Call once per process, first thing. */
export function initErrorTracking(
  env: Pick<Env, 'SENTRY_DSN' | 'SENTRY_ENVIRONMENT' | 'SENTRY_RELEASE' | 'NODE_ENV'>,
  service: ErrorTrackingService,
  options: ErrorTrackingOptions = {},
): boolean {
  if (!env.SENTRY_DSN) return false;
  Sentry.init({
    dsn: env.SENTRY_DSN,
    environment: env.SENTRY_ENVIRONMENT ?? env.NODE_ENV,
    ...(env.SENTRY_RELEASE ? { release: env.SENTRY_RELEASE } : {}),
    serverName: service,
    initialScope: { tags: { service } },
    // What the SDK may collect on its own: no user, cookies, bodies or local variables; headers and query
    // parameters (then scrubbed below) for the request an error happened in.
    dataCollection: {
      userInfo: false,
      cookies: false,
      httpBodies: [],
      httpHeaders: { request: { deny: ['cookie', 'authorization', 'x-csrf-token', 'x-twilio-signature', 'stripe-signature'] }, response: false },
      urlQueryParams: true,
      databaseQueryData: false,
      queues: false,
      stackFrameVariables: false,
    },
    // Errors only: no tracing, no sessions, no OpenTelemetry setup of our own.
    tracesSampleRate: 0,
    enableOpenTelemetrySetup: false,
    defaultIntegrations: false,
    integrations: [
      Sentry.linkedErrorsIntegration(),
      Sentry.dedupeIntegration(),
      Sentry.functionToStringIntegration(),
      Sentry.onUncaughtExceptionIntegration(),
      Sentry.onUnhandledRejectionIntegration(),
      Sentry.nodeContextIntegration(),
      Sentry.contextLinesIntegration(),
      ...(Array.isArray(options.integrations) ? options.integrations : []),
    ],
    ...(options.transport ? { transport: options.transport } : {}),
    beforeSend: (event) => scrubForErrorTracking(event),
    beforeBreadcrumb: (breadcrumb) => scrubForErrorTracking(breadcrumb),
  });
  return true;
}

/**
 * An event (or breadcrumb) with every secret removed, by the log scrubber's rules: values under secret-named
 * keys at any depth, then known secret shapes anywhere in the serialized text (keys, bearer tokens, a URL's
 * password, secret query parameters).
 */
export function scrubForErrorTracking<T>(event: T): T | null {
  try {
    return JSON.parse(scrubLogLine(JSON.stringify(redactSecrets(event)))) as T;
  } catch {
    // Something that does not serialize cannot be checked: better not sent than sent unscrubbed.
    return null;
  }
}

/** Sends what is queued (at shutdown: events are sent in the background). */
export async function flushErrorTracking(timeoutMs = 2_000): Promise<void> {
  if (Sentry.isInitialized()) await Sentry.flush(timeoutMs);
}

export { Sentry };
