import type { Env } from '../lib/config/env.js';
import { initErrorTracking, Sentry, type ErrorTrackingOptions } from '../lib/error-tracking.js';
import { isUnexpectedError } from './errors.js';

/**
 * The API's error tracking (when SENTRY_DSN is set): Sentry's Fastify integration reports a route's
 * unexpected errors (the ones errorHandler answers with a bare 500: never a 4xx, a validation error or a
 * database outage), with the request's method, URL and headers scrubbed; never its body or cookies.
 */
export function initApiErrorTracking(env: Pick<Env, 'SENTRY_DSN' | 'SENTRY_ENVIRONMENT' | 'SENTRY_RELEASE' | 'NODE_ENV'>, options: Pick<ErrorTrackingOptions, 'transport'> = {}): boolean {
  return initErrorTracking(env, 'api', {
    ...options,
    integrations: [
      Sentry.fastifyIntegration({ shouldHandleError: (err) => isUnexpectedError(err) }),
      Sentry.httpServerIntegration({ sessions: false, maxRequestBodySize: 'none' }),
      Sentry.requestDataIntegration(),
    ],
  });
}
