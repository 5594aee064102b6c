import type { LoggerOptions } from 'pino';

/**
 * Structured logs never carry secrets, whatever code logs them and however deep the secret sits.
 * Three layers, cheapest first:
 *
 * 1. `redact` paths (pino's fast-redact) for the headers of serialized requests and responses.
 * 2. `formatters.log` walks what a call logs (plain objects and arrays, any depth up to a bound) and
 *    replaces the value of every key that names a secret (`*password*`, `*secret*`, `*cookie*`,
 *    `*authorization*`, `*signature*`, `*credential*`, `…token`, `…apiKey`, `…privateKey`, `…verifier`).
 * 3. `hooks.streamWrite` scrubs the finished JSON line, so serializer output (request URLs, errors),
 *    messages and bindings are covered too: string values under such keys, known key formats anywhere
 *    in a string (Stripe `sk_live_…`/`whsec_…`, OpenAI `sk-…`, `Bearer …`/`Basic …`, a URL's
 *    `user:password@`) and secret query parameters in URLs (`?code=…&state=…` of the OAuth callback).
 *    Each pattern is linear in the line's length (no nested quantifiers), so this stays cheap.
 */
export const CENSOR = '[redacted]';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-twilio-signature"]',
  'req.headers["stripe-signature"]',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
];

/** Keys whose values are secrets: `*password*`, `*secret*`, `*cookie*`, …, `…token`, `…apiKey`/`api_key`. */
const SECRET_KEY = /pass(?:word|wd|phrase)|secret|cookie|authorization|signature|credential|(?:token|api[-_]?key|private[-_]?key|verifier)$/i;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

// Deeper than this, or past this many values, a logged object is left to the line scrub (layer 3).
const MAX_DEPTH = 12;
const MAX_NODES = 5_000;

/** A copy of `value` with every secret-named key's value censored; `value` itself when nothing changed. */
export function redactSecrets<T>(value: T): T {
  const budget = { nodes: MAX_NODES };
  return walk(value, 0, budget) as T;
}

function walk(value: unknown, depth: number, budget: { nodes: number }): unknown {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH || --budget.nodes < 0) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const scrubbed = walk(item, depth + 1, budget);
      if (scrubbed !== item) (copy ??= value.slice())[i] = scrubbed;
    });
    return copy ?? value;
  }
  // Errors, Dates, Buffers, requests and other class instances go to their serializers untouched.
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const scrubbed = isSecretKey(key) && item !== null && item !== undefined ? CENSOR : walk(item, depth + 1, budget);
    if (scrubbed !== item) (copy ??= { ...value })[key] = scrubbed;
  }
  return copy ?? value;
}

// A JSON string's contents (escapes included) and a JSON key (bounded, to keep failed attempts short).
const JSON_STRING_BODY = String.raw`(?:[^"\\]|\\.)*`;
const JSON_KEY_BODY = String.raw`(?:[^"\\]|\\.){1,80}`;
/** `"key":"value"` or `"key":123` anywhere in the line. */
const KEY_VALUE = new RegExp(String.raw`"(${JSON_KEY_BODY})":("${JSON_STRING_BODY}"|-?\d[\d.eE+-]*)`, 'g');

/** The same pair inside a string that holds JSON (a message or an error quoting a request body). */
const QUOTED_KEY_VALUE = new RegExp(String.raw`\\"([\w-]{1,80})\\":\s?\\"((?:[^"\\]|\\\\\\"|\\\\\\\\|\\\\[^"\\])*)\\"`, 'g');

/** Secrets recognisable by their shape, wherever they appear in a string. */
const SECRET_SHAPES: Array<[RegExp, string]> = [
  // Stripe secret / restricted keys and webhook signing secrets.
  [/\b(?:sk|rk)_(?:live|test)_[0-9A-Za-z]+|\bsk_[0-9A-Za-z]{16,}|\bwhsec_[0-9A-Za-z+/=]+/g, CENSOR],
  // OpenAI keys: sk-…, sk-proj-…, sk-svcacct-…
  [/\bsk-[0-9A-Za-z_-]{16,}/g, CENSOR],
  // HTTP credentials quoted in a message or an error (`Authorization: Bearer …`).
  [/\b(Bearer|Basic)\s+[0-9A-Za-z._~+/=-]{8,}/g, `$1 ${CENSOR}`],
  // The password of a URL: postgresql://user:password@host, smtp://user:pass@host.
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@"\\]*:)[^\s/@"\\]+@/gi, `$1${CENSOR}@`],
  // `password=…` / `api_key: …` written into a message or an error's text (not JSON: pairs are handled above).
  [/\b((?:pass(?:word|wd|phrase)?|secret|auth[_-]?token|access[_-]?token|api[_-]?key|private[_-]?key)\s?[=:]\s?)(?!\[redacted\])[^\s"\\,;&]+/gi, `$1${CENSOR}`],
  // A Slack incoming webhook's URL is its credential (the path).
  [/(https:\/\/hooks\.slack\.com\/)(?:services|workflows|triggers)\/[^\s"\\]+/g, `$1${CENSOR}`],
  // Query parameters that carry a secret: the OAuth callback's code and state, tokens, keys.
  [
    /([?&](?:code|state|token|access_token|id_token|refresh_token|client_secret|password|signature|key|api_key)=)(?:[^&#\s"\\]|\\.)*/gi,
    `$1${CENSOR}`,
  ],
];

/** Scrubs one serialized log line (pino's `hooks.streamWrite`): the result is still one JSON line. */
export function scrubLogLine(line: string): string {
  let out = line.replace(KEY_VALUE, (pair: string, key: string) => (isSecretKey(key) ? `"${key}":"${CENSOR}"` : pair));
  out = out.replace(QUOTED_KEY_VALUE, (pair: string, key: string) => (isSecretKey(key) ? `\\"${key}\\":\\"${CENSOR}\\"` : pair));
  for (const [shape, replacement] of SECRET_SHAPES) out = out.replace(shape, replacement);
  return out;
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: CENSOR },
    formatters: { log: (object) => redactSecrets(object) },
    hooks: { streamWrite: scrubLogLine },
  };
}
