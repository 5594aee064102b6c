// Stripe's error envelope: `{error: {type, message, code?, param?, decline_code?, doc_url?}}` with
// Stripe's HTTP statuses (400 bad params, 401 bad key, 402 card declined, 404 missing resource).
import type { FastifyReply } from 'fastify';

export type StripeErrorType = 'invalid_request_error' | 'card_error' | 'api_error' | 'idempotency_error';

export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: StripeErrorType,
    message: string,
    readonly extra: { code?: string; param?: string; decline_code?: string } = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(requestId: string | null): Record<string, unknown> {
    const error: Record<string, unknown> = { message: this.message, type: this.type, ...this.extra };
    if (this.extra.code) error['doc_url'] = `https://stripe.com/docs/error-codes/${this.extra.code.replace(/_/g, '-')}`;
    if (requestId) error['request_log_url'] = `https://dashboard.stripe.com/test/logs/${requestId}`;
    return { error };
  }
}

export function sendStripeError(reply: FastifyReply, err: StripeApiError, requestId: string | null): FastifyReply {
  return reply.code(err.status).headers(err.headers).send(err.body(requestId));
}

export function missingParam(param: string): StripeApiError {
  return new StripeApiError(400, 'invalid_request_error', `Missing required param: ${param}.`, { code: 'parameter_missing', param });
}

export function invalidParam(param: string, message: string, code = 'parameter_invalid'): StripeApiError {
  return new StripeApiError(400, 'invalid_request_error', message, { code, param });
}

export function unknownParam(param: string): StripeApiError {
  return new StripeApiError(400, 'invalid_request_error', `Received unknown parameter: ${param}`, { code: 'parameter_unknown', param });
}

/** Stripe names the object type in its 404s: "No such customer: 'cus_x'". */
export function noSuch(kind: string, id: string, param = 'id'): StripeApiError {
  return new StripeApiError(404, 'invalid_request_error', `No such ${kind}: '${id}'`, { code: 'resource_missing', param });
}

/** A parameter names an object that does not exist: Stripe answers 400 (not 404) with resource_missing. */
export function missingRef(kind: string, id: string, param: string): StripeApiError {
  return new StripeApiError(400, 'invalid_request_error', `No such ${kind}: '${id}'`, { code: 'resource_missing', param });
}

export function badRequest(message: string, extra: { code?: string; param?: string } = {}): StripeApiError {
  return new StripeApiError(400, 'invalid_request_error', message, extra);
}

export function cardDeclined(): StripeApiError {
  return new StripeApiError(402, 'card_error', 'Your card was declined.', { code: 'card_declined', decline_code: 'generic_decline' });
}

/** A control-API failure: JSON `{error, message}` (the control API is the fake's own, not Stripe's). */
export class ControlError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
  ) {
    super(message);
  }
}
