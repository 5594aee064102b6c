import type { z } from 'zod';

/** Why a call to the API failed, in words a person can act on. */
export type ApiErrorKind = 'network' | 'http' | 'invalid_response';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly kind: ApiErrorKind,
    message: string,
    readonly status: number | null = null,
    /** The API's machine-readable code (`email_taken`, `weak_password`, …) when it sent one. */
    readonly code: string | null = null,
    /** The API's `details` (e.g. `{ problems }` or a list of `{ path, message }`), unvalidated. */
    readonly details: unknown = undefined,
  ) {
    super(message);
  }
}

export type Fetch = typeof fetch;

// The API's double-submit CSRF check: the readable cookie is echoed in this header on every
// state-changing request. This module is the only place that does it.
const CSRF_COOKIE = 'wara_csrf';
const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

type UnauthenticatedHandler = () => void;
let onUnauthenticated: UnauthenticatedHandler | null = null;

/**
 * What to do when the API answers 401 (the session expired or was revoked). The dashboard shell
 * registers a redirect to the log-in page while it is shown; public pages register nothing, so a
 * wrong password on `/login` is just an error. Returns a function that removes the handler.
 */
export function handleUnauthenticated(handler: UnauthenticatedHandler): () => void {
  onUnauthenticated = handler;
  return () => {
    if (onUnauthenticated === handler) onUnauthenticated = null;
  };
}

/**
 * Calls the API through this origin's `/api` proxy and validates the JSON answer with `schema`.
 * Every failure becomes an `ApiError`; nothing else escapes.
 */
export async function requestJson<S extends z.ZodType>(
  path: string,
  schema: S,
  init: RequestInit = {},
  fetchFn: Fetch = fetch,
): Promise<z.output<S>> {
  let response: Response;
  try {
    response = await fetchFn(path, {
      ...init,
      headers: { accept: 'application/json', ...csrfHeader(init.method), ...init.headers },
    });
  } catch {
    throw new ApiError('network', 'Could not reach the server. Check your connection and try again.');
  }

  const body = await readJson(response);

  if (!response.ok) {
    if (response.status === 401) onUnauthenticated?.();
    throw new ApiError('http', describeHttpFailure(response, body), response.status, codeFrom(body), detailsFrom(body));
  }

  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first && first.path.length > 0 ? ` at "${first.path.join('.')}"` : '';
    throw new ApiError(
      'invalid_response',
      `The server sent an unexpected answer${where}${first ? `: ${first.message}` : ''}.`,
      response.status,
    );
  }
  return parsed.data;
}

/** `requestJson` for a JSON body: POST by default, content type set, body serialised. */
export function sendJson<S extends z.ZodType>(
  path: string,
  schema: S,
  body: unknown,
  options: { method?: 'POST' | 'PUT' | 'PATCH' | 'DELETE'; fetchFn?: Fetch } = {},
): Promise<z.output<S>> {
  return requestJson(
    path,
    schema,
    { method: options.method ?? 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    options.fetchFn,
  );
}

/** The CSRF header for a state-changing request made from the browser (none on the server). */
function csrfHeader(method: string | undefined): Record<string, string> {
  if (SAFE_METHODS.has((method ?? 'GET').toUpperCase())) return {};
  const token = readCookie(CSRF_COOKIE);
  return token ? { [CSRF_HEADER]: token } : {};
}

function readCookie(name: string): string | null {
  if (typeof document === 'undefined') return null;
  for (const pair of document.cookie.split(';')) {
    const [key, ...value] = pair.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return null;
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => '');
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// A 4xx message from the API is written for the person (“Email or password is incorrect.”), so
// it is shown as is; a 5xx says the server had a problem, with whatever it added.
function describeHttpFailure(response: Response, body: unknown): string {
  const fromBody = messageFrom(body);
  if (response.status < 500 && fromBody) return fromBody;
  const prefix =
    response.status >= 500
      ? `The server had a problem (HTTP ${response.status})`
      : `The request was refused (HTTP ${response.status})`;
  return fromBody ? `${prefix}: ${fromBody}` : `${prefix}.`;
}

function asRecord(body: unknown): Record<string, unknown> | null {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : null;
}

function messageFrom(body: unknown): string | null {
  const record = asRecord(body);
  if (!record) return null;
  for (const key of ['message', 'error']) {
    const value = record[key];
    if (typeof value === 'string' && value.trim() !== '') return value;
  }
  return null;
}

function codeFrom(body: unknown): string | null {
  const code = asRecord(body)?.error;
  return typeof code === 'string' ? code : null;
}

function detailsFrom(body: unknown): unknown {
  return asRecord(body)?.details;
}
