// Twilio's Retry-After on a 429 (20429) or a 503: how long Twilio asks us to wait. The SDK's RestException
// drops the response headers, so the broadcast's Twilio client surfaces them: a 429 / 503 answer becomes the
// SDK's own RestException (same status, code and message) carrying `retryAfterMs` when the header was sent.
import twilio from 'twilio';
import type { TwilioClient } from '../twilio/client.js';

/** Never shorter than this (a missing, zero or unreadable header), never longer than this. */
export const MIN_RETRY_AFTER_MS = 1_000;
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** Retry-After as milliseconds: delta-seconds (`"7"`) or an HTTP-date; null when absent or unreadable. */
export function parseRetryAfter(value: unknown, nowMs = Date.now()): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (typeof text !== 'string' && typeof text !== 'number') return null;
  const raw = String(text).trim();
  if (raw === '') return null;
  if (/^\d+(\.\d+)?$/.test(raw)) return Math.round(Number(raw) * 1000);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/** The wait an error asks for: its Retry-After within bounds, or `fallbackMs` without one. */
export function retryAfterOf(err: unknown, fallbackMs = MIN_RETRY_AFTER_MS): number {
  const ms = (err as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  const wanted = typeof ms === 'number' && Number.isFinite(ms) ? ms : fallbackMs;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(MIN_RETRY_AFTER_MS, wanted));
}

const SURFACED = Symbol.for('wara.retryAfterSurfaced');

type Http = TwilioClient['httpClient'] & { [SURFACED]?: true };
type HttpResponse = Awaited<ReturnType<TwilioClient['httpClient']['request']>>;

/**
 * Makes `client` reject a 429 / 503 answer with the SDK's RestException plus `retryAfterMs` (when Twilio sent
 * Retry-After). Everything else passes unchanged. Idempotent per client.
 */
export function surfaceRetryAfter(client: TwilioClient): TwilioClient {
  const http = client.httpClient as Http;
  if (http[SURFACED]) return client;
  const request = http.request.bind(http);
  http.request = (async (opts: Parameters<typeof request>[0]) => {
    const response: HttpResponse = await request(opts);
    if (response.statusCode === 429 || response.statusCode === 503) {
      const headers = (response.headers ?? {}) as Record<string, unknown>;
      const retryAfterMs = parseRetryAfter(headers['retry-after'] ?? headers['Retry-After']);
      if (retryAfterMs !== null) throw Object.assign(new twilio.RestException(response), { retryAfterMs });
    }
    return response;
  }) as typeof http.request;
  http[SURFACED] = true;
  return client;
}
