import { z } from 'zod';
import { resolve } from '$app/paths';
import { requestJson, sendJson, type Fetch } from './api.ts';

// The contract of the API's `/api/auth/*` endpoints.

export const userSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  isAdmin: z.boolean(),
  /** Platform staff: the shell links to the operator pages (/ops). Older APIs did not send it. */
  isOperator: z.boolean().default(false),
  /** Unconfirmed accounts cannot connect WhatsApp or pay; the shell shows a banner with a resend button. */
  emailVerified: z.boolean(),
});

export const tenantSchema = z.object({
  id: z.string(),
  name: z.string(),
  plan: z.string(),
  trialEndsAt: z.iso.datetime({ offset: true }).nullable(),
});

export const meSchema = z.object({ user: userSchema, tenant: tenantSchema });
const sessionOpenedSchema = meSchema.extend({ csrfToken: z.string() });
const providersSchema = z.object({ password: z.boolean(), google: z.boolean() });

export type Me = z.infer<typeof meSchema>;
export type AuthProviders = z.infer<typeof providersSchema>;

/** Read-only query parameters (`page.url.searchParams` is read-only). */
export type QueryParams = Pick<URLSearchParams, 'get'>;

/** Marketing attribution carried from the landing page into sign-up. */
export const attributionKeys = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'ref'] as const;
export type AttributionKey = (typeof attributionKeys)[number];
export type Attribution = Partial<Record<AttributionKey, string>>;

export interface SignupInput {
  email: string;
  password: string;
  name?: string;
  companyName: string;
  attribution?: Attribution;
}

export function signUp(input: SignupInput, fetchFn?: Fetch): Promise<Me> {
  return sendJson('/api/auth/signup', sessionOpenedSchema, input, { fetchFn });
}

export function logIn(input: { email: string; password: string }, fetchFn?: Fetch): Promise<Me> {
  return sendJson('/api/auth/login', sessionOpenedSchema, input, { fetchFn });
}

export async function logOut(fetchFn?: Fetch): Promise<void> {
  // A JSON body, not none: SvelteKit's cross-site form check refuses a POST without a content type when it
  // cannot tell the origin (plain-http deployments behind a proxy).
  await requestJson('/api/auth/logout', z.undefined(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }, fetchFn);
}

const verifiedSchema = z.object({ verified: z.literal(true), email: z.string() });
const resentSchema = z.object({ sent: z.literal(true) });

/** Confirms the address with the token from the emailed link (posted, so a mail scanner's GET does nothing). */
export function verifyEmail(token: string, fetchFn?: Fetch): Promise<{ email: string }> {
  return sendJson('/api/auth/verify-email', verifiedSchema, { token }, { fetchFn });
}

/** Sends a fresh confirmation link. */
export async function resendVerificationEmail(fetchFn?: Fetch): Promise<void> {
  await sendJson('/api/auth/verify-email/resend', resentSchema, {}, { fetchFn });
}

/** Who is logged in; an `ApiError` with status 401 when nobody is. */
export function fetchMe(fetchFn?: Fetch): Promise<Me> {
  return requestJson('/api/auth/me', meSchema, { cache: 'no-store' }, fetchFn);
}

export function fetchAuthProviders(fetchFn?: Fetch): Promise<AuthProviders> {
  return requestJson('/api/auth/providers', providersSchema, {}, fetchFn);
}

/** The attribution parameters present in a query string (empty values and other keys ignored). */
export function attributionFrom(params: QueryParams): Attribution {
  const found: Attribution = {};
  for (const key of attributionKeys) {
    const value = params.get(key)?.trim();
    if (value) found[key] = value.slice(0, 200);
  }
  return found;
}

/** `?utm_source=…&ref=…` for links that must carry the attribution along ('' when there is none). */
export function attributionQuery(attribution: Attribution): string {
  const params = new URLSearchParams();
  for (const key of attributionKeys) {
    const value = attribution[key];
    if (value) params.set(key, value);
  }
  const query = params.toString();
  return query ? `?${query}` : '';
}

/**
 * Where to go after logging in: only a path inside the dashboard (`/app`, or the operator pages `/ops`) is
 * accepted, so a crafted
 * `?next=https://elsewhere` link cannot send someone off-site.
 */
export function safeNextPath(next: string | null): string | null {
  if (!next || !/^\/(?:app|ops)(?:[/?#]|$)/.test(next)) return null;
  return next;
}

/** The log-in page, set to come back to `from` afterwards. */
export function loginPathFor(from: { pathname: string; search: string }): string {
  return `${resolve('/login')}?${new URLSearchParams({ next: from.pathname + from.search })}`;
}

/** Field a sign-up/log-in error belongs to, so it can be shown next to that field. */
export type AuthField = 'email' | 'password' | 'name' | 'companyName';

/** Splits an API error into per-field messages and a message for the whole form. */
export function fieldErrorsFrom(error: { code: string | null; message: string; details: unknown }): {
  fields: Partial<Record<AuthField, string>>;
  form: string | null;
} {
  if (error.code === 'weak_password') return { fields: { password: error.message }, form: null };
  if (error.code === 'email_taken') return { fields: { email: error.message }, form: null };
  const issues = z.array(z.object({ path: z.string(), message: z.string() })).safeParse(error.details);
  if (error.code === 'invalid_request' && issues.success) {
    const fields: Partial<Record<AuthField, string>> = {};
    const rest: string[] = [];
    for (const issue of issues.data) {
      const field = issue.path.replace(/^\//, '').split('/')[0];
      if (field === 'email' || field === 'password' || field === 'name' || field === 'companyName') {
        fields[field] ??= issue.message;
      } else {
        rest.push(issue.message);
      }
    }
    return { fields, form: rest.length > 0 ? rest.join(' ') : null };
  }
  return { fields: {}, form: error.message };
}
