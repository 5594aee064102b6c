import type { FastifyRequest } from 'fastify';
import type { Env } from '../../lib/config/env.js';
import { HttpError } from '../errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const LOOPBACK = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

/**
 * Rejects state-changing browser requests from other sites (login CSRF included, which the session's
 * CSRF token cannot cover because there is no session yet). Requests without Origin (curl, Twilio,
 * Stripe) pass: webhooks are authenticated by their signatures instead.
 */
export function originCheck(env: Env) {
  const allowed = new Set([new URL(env.WEB_PUBLIC_URL).origin, new URL(env.SERVER_PUBLIC_URL).origin]);
  return async (request: FastifyRequest): Promise<void> => {
    if (SAFE_METHODS.has(request.method)) return;
    const origin = request.headers.origin;
    if (!origin || allowed.has(origin)) return;
    if (env.NODE_ENV !== 'production' && LOOPBACK.test(origin)) return;
    throw new HttpError(403, `Requests from ${origin} are not allowed.`, 'bad_origin');
  };
}
