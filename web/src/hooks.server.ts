import type { Handle } from '@sveltejs/kit/hooks';
import { API_URL } from '$app/env/private';
import { isApiRequest, proxyToApi } from '#lib/server/api-proxy.ts';

/**
 * Security headers for every response this server makes (pages, redirects, errors and the proxied
 * `/api` answers, which keep any the API set itself). A page's Content-Security-Policy comes from
 * `kit.csp` in vite.config.ts. HSTS only when the dashboard's public URL is https: adapter-node's
 * `ORIGIN` in production, else `WEB_PUBLIC_URL` (read once, at start-up).
 */
const SECURITY_HEADERS = securityHeaders(process.env.ORIGIN || process.env.WEB_PUBLIC_URL);

// The browser only ever talks to this origin: `/api/*` is forwarded to the Fastify API, so
// session cookies stay first-party and no CORS is needed.
export const handle: Handle = async ({ event, resolve }) => {
  const response = isApiRequest(event.url)
    ? await proxyToApi(event.request, { apiUrl: API_URL, clientAddress: safeClientAddress(event) })
    : await resolve(event);
  return withDefaultHeaders(response, SECURITY_HEADERS);
};

function securityHeaders(publicUrl: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'strict-origin-when-cross-origin',
    // Nothing in the dashboard uses these; a script injected into it cannot either.
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
  };
  if (publicUrl && URL.canParse(publicUrl) && new URL(publicUrl).protocol === 'https:') {
    headers['strict-transport-security'] = 'max-age=31536000; includeSubDomains';
  }
  return headers;
}

/** Adds each header the response does not already have. */
function withDefaultHeaders(response: Response, headers: Record<string, string>): Response {
  const missing = Object.entries(headers).filter(([name]) => !response.headers.has(name));
  if (missing.length === 0) return response;
  let target = response;
  try {
    for (const [name, value] of missing) target.headers.set(name, value);
  } catch {
    // Some responses (one straight from `fetch`) have immutable headers: copy it, then add them.
    target = new Response(response.body, response);
    for (const [name, value] of missing) target.headers.set(name, value);
  }
  return target;
}

function safeClientAddress(event: { getClientAddress(): string }): string | undefined {
  try {
    return event.getClientAddress();
  } catch {
    // Some adapters/emulators cannot tell; the header is informational only.
    return undefined;
  }
}
