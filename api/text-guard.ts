import type { FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';

/** A NUL, or a UTF-16 surrogate without its pair. */
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Refuses text the database cannot take, before any handler runs. Fuzzing found
 * (test/fuzz/api-requests-never-500.test.ts) that a NUL anywhere in a path parameter, query or JSON body
 * (`POST /api/conversations/%00/takeover`, `GET /api/catalog/imports/%00/errors.csv`,
 * `{"body": "\u0000"}`…) failed the first statement that met it (Postgres text cannot hold one), and a lone
 * surrogate (`{"body": "\ud800"}`) failed Prisma's own query encoding: a 500 each, on routes that had already
 * written part of their work. Now a 400 that names where, and nothing is written.
 *
 * Twilio's webhooks are left out: nothing of theirs is read before the signature verifies, and what they store
 * is made storable there (api/webhooks/params.ts `storable`).
 */
export async function refuseUnstorableText(request: FastifyRequest): Promise<void> {
  if (request.routeOptions.url?.startsWith('/webhooks/')) return;
  const parts: Array<[string, unknown]> = [
    ['path', request.params],
    ['query', request.query],
    ['body', request.body],
  ];
  for (const [part, value] of parts) {
    const at = unstorableAt(value);
    if (at !== null) {
      throw new HttpError(400, `The request ${part} has text that cannot be stored (a NUL character or a broken UTF-16 character) at ${at || '/'}.`, 'invalid_text');
    }
  }
}

/** Where (a JSON-pointer-like path) the first unstorable string or key is; null when there is none. Iterative. */
function unstorableAt(root: unknown): string | null {
  const pending: Array<[unknown, string]> = [[root, '']];
  while (pending.length > 0) {
    const [value, path] = pending.pop()!;
    if (typeof value === 'string') {
      if (UNSTORABLE.test(value)) return path;
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) pending.push([value[i], `${path}/${i}`]);
    } else if (isPlainObject(value)) {
      for (const [key, v] of Object.entries(value)) {
        if (UNSTORABLE.test(key)) return `${path}/${JSON.stringify(key)}`;
        pending.push([v, `${path}/${key.slice(0, 50)}`]);
      }
    }
  }
  return null;
}

/** Parsed JSON, forms and query strings (null-prototype objects included); not a streamed upload body or bytes. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Buffer.isBuffer(value)) return false;
  return typeof (value as { pipe?: unknown }).pipe !== 'function';
}
