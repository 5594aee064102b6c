// Fault injection: the next N calls to an endpoint answer 429 (with Retry-After), 500/503, or are
// delayed. Checked before authentication, like a failing edge in front of the API would behave.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendTwilioError, sleep, TwilioApiError, urlPath } from './http.js';
import type { FakeTwilioState } from './state.js';
import type { FaultRule } from './types.js';

/** `*` matches one path segment; a trailing `**` matches any rest (including nothing). */
export function pathMatches(pattern: string, path: string): boolean {
  const p = pattern.split('/').filter(Boolean);
  const s = path.split('/').filter(Boolean);
  for (let i = 0; i < p.length; i++) {
    const seg = p[i];
    if (seg === '**' && i === p.length - 1) return true;
    if (i >= s.length) return false;
    if (seg !== '*' && seg !== s[i]) return false;
  }
  return p.length === s.length;
}

function takeFault(state: FakeTwilioState, method: string, path: string): FaultRule | undefined {
  const rule = state.faults.find(
    (f) => f.remaining > 0 && (f.method === null || f.method === method) && pathMatches(f.path, path),
  );
  if (!rule) return undefined;
  rule.remaining -= 1;
  if (rule.remaining <= 0) state.faults = state.faults.filter((f) => f !== rule);
  return rule;
}

/** Returns true when the fault already answered the request. */
export async function applyFault(state: FakeTwilioState, req: FastifyRequest, reply: FastifyReply): Promise<boolean> {
  const rule = takeFault(state, req.method.toUpperCase(), urlPath(req));
  if (!rule) return false;
  switch (rule.kind) {
    case 'delay':
      await sleep(rule.delayMs);
      return false;
    case '429':
      sendTwilioError(
        reply,
        new TwilioApiError(429, 20429, 'Too Many Requests', { 'Retry-After': String(rule.retryAfterSeconds) }),
      );
      return true;
    case '500':
      sendTwilioError(reply, new TwilioApiError(500, 20500, 'An internal server error has occurred'));
      return true;
    case '503':
      sendTwilioError(reply, new TwilioApiError(503, 20503, 'Service Unavailable', { 'Retry-After': String(rule.retryAfterSeconds) }));
      return true;
  }
}
