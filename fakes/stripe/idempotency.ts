// Idempotent requests: a POST with an `Idempotency-Key` header that was seen before gets the stored
// response again (with `Idempotent-Replayed: true`) when its endpoint and parameters match, and a 400
// `idempotency_error` when they do not. As on Stripe, only requests that reached the endpoint are
// stored (2xx, 402, 5xx); a 400 for bad parameters is not, so the caller can fix them and retry with
// the same key. Keys expire after 24 hours on the fake clock. The SDK sends a key with every POST.
import { StripeApiError } from './errors.js';
import type { Params } from './params.js';

interface Stored {
  fingerprint: string;
  endpoint: string;
  status: number;
  body: string;
  requestId: string;
  at: number;
}

const TTL_SECONDS = 24 * 3600;
const MAX_KEYS = 20_000;

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(obj[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export type IdempotencyCheck = { kind: 'new' } | { kind: 'replay'; status: number; body: string; requestId: string };

export class IdempotencyStore {
  private readonly stored = new Map<string, Stored>();
  private readonly inFlight = new Set<string>();

  /** Look the key up; throws Stripe's idempotency_error for a mismatch or a concurrent use. */
  check(key: string, endpoint: string, params: Params, now: number): IdempotencyCheck {
    this.prune(now);
    const prev = this.stored.get(key);
    if (prev) {
      if (prev.endpoint !== endpoint) {
        throw new StripeApiError(
          400,
          'idempotency_error',
          `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${prev.endpoint}' vs '${endpoint}'). Try using a key other than '${key}' if you meant to execute a different request.`,
        );
      }
      if (prev.fingerprint !== canonical(params)) {
        throw new StripeApiError(
          400,
          'idempotency_error',
          `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
        );
      }
      return { kind: 'replay', status: prev.status, body: prev.body, requestId: prev.requestId };
    }
    if (this.inFlight.has(key)) {
      throw new StripeApiError(
        409,
        'idempotency_error',
        `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${key}. Please try again later.`,
      );
    }
    this.inFlight.add(key);
    return { kind: 'new' };
  }

  /** Record the response of a request that began with check() = new. */
  finish(key: string, endpoint: string, params: Params, status: number, body: string, requestId: string, now: number): void {
    this.inFlight.delete(key);
    if (!(status < 400 || status === 402 || status >= 500)) return;
    this.stored.set(key, { fingerprint: canonical(params), endpoint, status, body, requestId, at: now });
    if (this.stored.size > MAX_KEYS) {
      const oldest = this.stored.keys().next().value;
      if (oldest !== undefined) this.stored.delete(oldest);
    }
  }

  /** The request ended without a response body to store (aborted, errored before onSend). */
  abandon(key: string): void {
    this.inFlight.delete(key);
  }

  clear(): void {
    this.stored.clear();
    this.inFlight.clear();
  }

  private prune(now: number): void {
    for (const [k, v] of this.stored) {
      if (v.at > now - TTL_SECONDS) break;
      this.stored.delete(k);
    }
  }
}
