/**
 * Forwards a request to the WARA API and streams the answer back unchanged apart from
 * hop-by-hop headers. Used by `hooks.server.ts` for everything under `/api/`.
 */

const API_PREFIX = '/api/';

/** Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus `host`. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

export interface ProxyOptions {
  apiUrl: string;
  clientAddress?: string | undefined;
  fetch?: typeof fetch;
}

export function isApiRequest(url: URL): boolean {
  return url.pathname === '/api' || url.pathname.startsWith(API_PREFIX);
}

export async function proxyToApi(request: Request, options: ProxyOptions): Promise<Response> {
  const doFetch = options.fetch ?? fetch;
  const incoming = new URL(request.url);
  // Path and query are kept as they are: the API serves the same `/api/...` paths.
  const target = new URL(withoutTrailingSlash(options.apiUrl) + incoming.pathname + incoming.search);

  const headers = stripHopByHop(request.headers);
  // Node's fetch would transparently decompress yet keep `content-encoding`, so ask for identity.
  headers.delete('accept-encoding');
  headers.set('x-forwarded-host', incoming.host);
  headers.set('x-forwarded-proto', incoming.protocol.replace(':', ''));
  // Never the client's own claim: either the address this server saw, or nothing.
  headers.delete('x-forwarded-for');
  if (options.clientAddress) setForwardedFor(headers, options.clientAddress);

  const hasBody = request.method !== 'GET' && request.method !== 'HEAD' && request.body !== null;

  let upstream: Response;
  try {
    upstream = await doFetch(target, {
      method: request.method,
      headers,
      body: hasBody ? request.body : null,
      // Required by Node's fetch to stream a request body.
      ...(hasBody ? { duplex: 'half' } : {}),
      // Redirects (e.g. OAuth) are the browser's to follow, with their set-cookie intact.
      redirect: 'manual',
      signal: request.signal,
    } as RequestInit);
  } catch (error) {
    return apiUnreachable(error);
  }

  const responseHeaders = stripHopByHop(upstream.headers);
  if (responseHeaders.has('content-encoding')) {
    // The body was decoded by fetch; the original encoding and length no longer apply.
    responseHeaders.delete('content-encoding');
    responseHeaders.delete('content-length');
  }

  return new Response(upstream.body, {
    status: upstream.status,
    statusText: upstream.statusText,
    headers: responseHeaders,
  });
}

/** Copies headers, dropping hop-by-hop ones and any named in `Connection`; keeps every set-cookie. */
export function stripHopByHop(source: Headers): Headers {
  const named = new Set(
    (source.get('connection') ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean),
  );
  const result = new Headers();
  for (const [name, value] of source) {
    if (name === 'set-cookie' || HOP_BY_HOP.has(name) || named.has(name)) continue;
    result.append(name, value);
  }
  // Iterating Headers joins set-cookie values into one line; they must stay separate.
  for (const cookie of source.getSetCookie()) result.append('set-cookie', cookie);
  return result;
}

/**
 * The client's address as this server sees it, REPLACING whatever the client sent: the API trusts this hop
 * (TRUST_PROXY), so a header the browser made up must not reach it. Behind a load balancer, adapter-node's
 * ADDRESS_HEADER / XFF_DEPTH make `getClientAddress()` the real client.
 */
function setForwardedFor(headers: Headers, address: string): void {
  headers.set('x-forwarded-for', address);
}

function withoutTrailingSlash(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url;
}

function apiUnreachable(error: unknown): Response {
  const reason = error instanceof Error ? error.message : String(error);
  console.error(`[api-proxy] API unreachable: ${reason}`);
  return Response.json(
    { error: 'api_unreachable', message: 'The WARA API could not be reached. Try again in a moment.' },
    { status: 502 },
  );
}
