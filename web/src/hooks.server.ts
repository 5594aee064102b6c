import type { Handle } from '@sveltejs/kit/hooks';
import { API_URL } from '$app/env/private';
import { isApiRequest, proxyToApi } from '#lib/server/api-proxy.ts';

// The browser only ever talks to this origin: `/api/*` is forwarded to the Fastify API, so
// session cookies stay first-party and no CORS is needed.
export const handle: Handle = async ({ event, resolve }) => {
  if (isApiRequest(event.url)) {
    return proxyToApi(event.request, { apiUrl: API_URL, clientAddress: safeClientAddress(event) });
  }
  return resolve(event);
};

function safeClientAddress(event: { getClientAddress(): string }): string | undefined {
  try {
    return event.getClientAddress();
  } catch {
    // Some adapters/emulators cannot tell; the header is informational only.
    return undefined;
  }
}
