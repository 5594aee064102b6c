import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ZodError } from 'zod';
import { isDatabaseUnavailable } from '../lib/db/sql.js';

/** A failure the caller can act on: it leaves as `status` with its message, never as a 500. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly code: string = 'error',
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const notFound = (what: string) => new HttpError(404, `${what} not found`, 'not_found');

export interface ErrorBody {
  error: string;
  message: string;
  details?: unknown;
}

/** The single exit for errors: known failures become 4xx with a reason; the rest a bare 500. */
export function errorHandler(err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  if (err instanceof HttpError) {
    void reply.code(err.statusCode).send(body(err.code, err.message, err.details));
    return;
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const issues = err.validation.map((v) => ({ path: v.instancePath || '/', message: v.message ?? 'invalid' }));
    const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    void reply.code(400).send(body('invalid_request', `Invalid ${err.validationContext ?? 'request'}: ${summary}`, issues));
    return;
  }
  if (err instanceof ZodError) {
    void reply.code(400).send(body('invalid_request', err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')));
    return;
  }
  if (isDatabaseUnavailable(err)) {
    // Not a bug: the database is restarting or out of reach. 503 tells clients to come back (Twilio webhooks are kept in the spool instead: api/webhooks/spool.ts).
    request.log.warn({ err: { message: err.message } }, 'database unavailable');
    void reply.code(503).header('retry-after', '5').send(body('database_unavailable', 'The service is briefly unavailable; please try again in a few seconds.'));
    return;
  }
  const status = 'statusCode' in err && typeof err.statusCode === 'number' ? err.statusCode : 500;
  if (status >= 400 && status < 500) {
    // Fastify's own client errors (bad JSON, body too large, unsupported media type) carry a usable message.
    void reply.code(status).send(body('bad_request', err.message));
    return;
  }
  request.log.error({ err }, 'unhandled error');
  void reply.code(500).send(body('internal', 'Something went wrong on our side; it has been logged.'));
}

/**
 * A failure nobody planned for: what the handler above answers with a bare 500, and what error tracking
 * reports. Known failures (HttpError, validation, a database outage, Fastify's own 4xx) are not.
 */
export function isUnexpectedError(err: unknown): boolean {
  if (!(err instanceof Error)) return true;
  if (err instanceof HttpError || err instanceof ZodError || hasZodFastifySchemaValidationErrors(err) || isDatabaseUnavailable(err)) return false;
  const status = 'statusCode' in err && typeof err.statusCode === 'number' ? err.statusCode : 500;
  return status >= 500;
}

function body(error: string, message: string, details?: unknown): ErrorBody {
  return details === undefined ? { error, message } : { error, message, details };
}
