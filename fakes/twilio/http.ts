// Error envelope, authentication and a few request helpers shared by the Twilio-facing routes.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { FakeTwilioState } from './state.js';
import type { AccountRecord } from './types.js';

/** A Twilio REST error: rendered as `{code, message, more_info, status}` with the HTTP status. */
export class TwilioApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function twilioErrorBody(status: number, code: number, message: string): Record<string, unknown> {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

export function sendTwilioError(reply: FastifyReply, err: TwilioApiError): FastifyReply {
  return reply.code(err.status).headers(err.headers).send(twilioErrorBody(err.status, err.code, err.message));
}

export function notFound(path: string): TwilioApiError {
  return new TwilioApiError(404, 20404, `The requested resource ${path} was not found`);
}

export function missingParam(name: string): TwilioApiError {
  return new TwilioApiError(400, 20001, `Missing required parameter ${name} in the post body`);
}

/** Who the Basic credentials belong to: an account (SID + auth token) or an API key (SK + secret). */
export interface Principal {
  accountSid: string;
  credentialSid: string;
  kind: 'account' | 'key';
}

const principals = new WeakMap<FastifyRequest, Principal>();

export function principalOf(req: FastifyRequest): Principal {
  const p = principals.get(req);
  if (!p) throw new TwilioApiError(401, 20003, 'Authenticate');
  return p;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function authError(): TwilioApiError {
  // Twilio answers every credential problem with 401 / 20003 and a Basic challenge.
  return new TwilioApiError(401, 20003, 'Authenticate', { 'WWW-Authenticate': 'Basic realm="Twilio API"' });
}

/** Resolve HTTP Basic credentials to a principal; throws 401/20003 when they match nothing. */
export function authenticate(state: FakeTwilioState, req: FastifyRequest): Principal {
  const header = req.headers.authorization ?? '';
  const m = /^Basic\s+(.+)$/i.exec(header);
  if (!m?.[1]) throw authError();
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const sep = decoded.indexOf(':');
  if (sep < 0) throw authError();
  const user = decoded.slice(0, sep);
  const pass = decoded.slice(sep + 1);
  let principal: Principal | null = null;
  if (user.startsWith('AC')) {
    const acc = state.accounts.get(user);
    if (acc && safeEqual(acc.authToken, pass)) principal = { accountSid: acc.sid, credentialSid: acc.sid, kind: 'account' };
  } else if (user.startsWith('SK')) {
    const key = state.keys.get(user);
    if (key && safeEqual(key.secret, pass)) principal = { accountSid: key.accountSid, credentialSid: key.sid, kind: 'key' };
  }
  if (!principal) throw authError();
  const owner = state.accounts.get(principal.accountSid);
  // Suspended or closed accounts cannot authenticate.
  if (!owner || owner.status !== 'active') throw authError();
  principals.set(req, principal);
  return principal;
}

/**
 * The account named in a 2010 URL must be the caller's own account or one of its subaccounts
 * (a parent's credentials work on its subaccounts, never the other way round).
 */
export function accessibleAccount(state: FakeTwilioState, p: Principal, accountSid: string, path: string): AccountRecord {
  const acc = state.accounts.get(accountSid);
  if (!acc) {
    if (p.accountSid === state.masterAccountSid) throw notFound(path);
    throw authError();
  }
  if (acc.sid !== p.accountSid && acc.ownerAccountSid !== p.accountSid) throw authError();
  return acc;
}

/** Standard API keys may not touch the /Accounts and /Keys resources (a Main key would; the fake has none). */
export function requireAccountCredentials(p: Principal): void {
  if (p.kind === 'key') throw authError();
}

/** Parse a Twilio form body / query with zod; a violation is Twilio's 400 / 20001 invalid-parameter error. */
export function parseParams<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const r = schema.safeParse(input ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const name = issue?.path.join('.') ?? 'parameter';
  const given = typeof input === 'object' && input !== null ? (input as Record<string, unknown>)[name] : undefined;
  if (issue?.code === 'invalid_type' && given === undefined) throw missingParam(name);
  throw new TwilioApiError(400, 20001, `Invalid parameter: ${name}`);
}

/** Twilio serialises booleans in forms as "true"/"false". */
export const formBool = z.enum(['true', 'false', 'True', 'False']).transform((v) => v.toLowerCase() === 'true');

/** A form field that may be repeated (MediaUrl=...&MediaUrl=...). */
export const formList = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]));

export function urlPath(req: FastifyRequest): string {
  const q = req.url.indexOf('?');
  return q < 0 ? req.url : req.url.slice(0, q);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A control-API failure: JSON `{error, message}` (the control API is the fake's own, not Twilio's). */
export class ControlError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
  ) {
    super(message);
  }
}
